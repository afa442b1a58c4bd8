package io.nlistream.streamer.topology;

import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * A serialized output record and the input partition it came from. Writing it to the same partition number keeps
 * per-partition order for every record, keyed or not (hashing a null key would scatter a partition's records); with
 * equal partition counts a keyed record also lands where hashing its key would put it.
 */
public record Outgoing(int sourcePartition, byte[] value, boolean deadLetter) {
    public static final Serde<Outgoing> SERDE =
            Serdes.serdeFrom((topic, o) -> o == null ? null : o.value(), (topic, bytes) -> {
                throw new UnsupportedOperationException("Outgoing is write-only");
            });

    public static final StreamPartitioner<byte[], Outgoing> SAME_PARTITION =
            (topic, key, value, numPartitions) -> Optional.of(Set.of(value.sourcePartition() % numPartitions));
}
