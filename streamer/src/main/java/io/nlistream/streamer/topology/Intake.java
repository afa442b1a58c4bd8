package io.nlistream.streamer.topology;

import io.nlistream.schemas.event.DeadLetter;
import io.nlistream.schemas.event.NliPair;

/** What {@link PairIntake} made of one raw {@code nli.pairs} record. */
public sealed interface Intake {
    /** A valid pair; {@code json} is the value as received (without a leading BOM). */
    record Accepted(NliPair pair, byte[] json) implements Intake {}

    /** An invalid record; {@code original} is the value exactly as received (null for a tombstone). */
    record Refused(DeadLetter.Reason reason, String detail, byte[] original) implements Intake {}
}
