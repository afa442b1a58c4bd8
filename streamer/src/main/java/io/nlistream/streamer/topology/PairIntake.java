package io.nlistream.streamer.topology;

import io.nlistream.schemas.event.DeadLetter;
import io.nlistream.streamer.ops.StreamerMetrics;
import java.util.Arrays;
import java.util.Set;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * Parses and validates each raw record ({@link PairParser}); a refused one gets its dead-letter headers here, shrunk
 * to the DLQ topic's limit ({@link DeadLetterFit}). A pair whose classification could not fit its topic (it carries
 * the input's key and headers) is refused as too large here rather than failing when it is written.
 */
final class PairIntake implements FixedKeyProcessor<byte[], byte[], Intake> {
    private static final Logger LOG = Logger.getLogger(PairIntake.class);
    /** A classification's value is at most the pair's id and metadata (64 KiB, schema) plus ~1 KiB of results. */
    static final int RESULT_BYTES = 4096;

    static final int CLASSIFICATION_VALUE_BOUND = 65_536 + 256 + RESULT_BYTES;
    /** Dead-letter detail beyond this is cut: schema messages are short; this bounds a pathological one. */
    static final int MAX_DETAIL_CHARS = 4096;

    private static final Set<String> DEAD_LETTER_NAMES = Set.of(
            DeadLetter.Headers.REASON,
            DeadLetter.Headers.CAUSE,
            DeadLetter.Headers.TOPIC,
            DeadLetter.Headers.PARTITION,
            DeadLetter.Headers.OFFSET,
            DeadLetterFit.TRUNCATED,
            DeadLetterFit.ORIGINAL_SIZE,
            DeadLetterFit.TIMESTAMP,
            DeadLetterFit.HEADERS_DROPPED);

    private final StreamerMetrics metrics;
    private final TopicNames topics;
    private FixedKeyProcessorContext<byte[], Intake> context;
    private int deadLetterLimit;
    private int classificationLimit;

    PairIntake(StreamerMetrics metrics, TopicNames topics) {
        this.metrics = metrics;
        this.topics = topics;
    }

    @Override
    public void init(FixedKeyProcessorContext<byte[], Intake> context) {
        this.context = context;
        deadLetterLimit = RecordSizeLimits.of(context.appConfigs(), topics.deadLetters());
        classificationLimit = RecordSizeLimits.of(context.appConfigs(), topics.classifications());
    }

    @Override
    public void process(FixedKeyRecord<byte[], byte[]> record) {
        metrics.received();
        Intake intake = PairParser.parse(record.value());
        if (intake instanceof Intake.Accepted accepted) {
            int envelope =
                    RecordSizeLimits.sizeOf(record.key(), null, record.headers().toArray());
            if (envelope + Math.min(accepted.json().length + RESULT_BYTES, CLASSIFICATION_VALUE_BOUND)
                    > classificationLimit) {
                intake = new Intake.Refused(
                        DeadLetter.Reason.TOO_LARGE,
                        "the record's key and headers take "
                                + envelope + " bytes: its classification, which carries them, would exceed the "
                                + classificationLimit
                                + "-byte limit of " + topics.classifications() + "; send smaller headers",
                        record.value());
            }
        }
        if (intake instanceof Intake.Refused refused) {
            RecordMetadata source = context.recordMetadata().orElseThrow();
            Headers deadLetter = new RecordHeaders();
            String detail = refused.detail().length() <= MAX_DETAIL_CHARS
                    ? refused.detail()
                    : refused.detail().substring(0, MAX_DETAIL_CHARS) + "...";
            DeadLetterHeaders.add(
                    deadLetter, refused.reason(), detail, null, source.topic(), source.partition(), source.offset());
            Header[] original = Arrays.stream(record.headers().toArray())
                    .filter(h -> !DEAD_LETTER_NAMES.contains(h.key()))
                    .toArray(Header[]::new);
            DeadLetterFit.Fitted fitted = DeadLetterFit.fit(
                    record.key(),
                    refused.original(),
                    deadLetter.toArray(),
                    original,
                    record.timestamp(),
                    deadLetterLimit);
            if (fitted.truncated()) {
                LOG.warnf(
                        "the dead letter of %s-%d@%d is cut to %d bytes (the limit of %s); replay the source "
                                + "offset for the full record",
                        source.topic(), source.partition(), source.offset(), deadLetterLimit, topics.deadLetters());
            }
            context.forward(
                    record.<Intake>withValue(new Intake.Refused(refused.reason(), refused.detail(), fitted.value()))
                            .withHeaders(fitted.headers()));
            metrics.deadLettered(refused.reason());
            MDC.put("reason", refused.reason().code());
            MDC.put("topic", source.topic());
            MDC.put("partition", source.partition());
            MDC.put("offset", source.offset());
            try {
                LOG.warnf(
                        "dead-lettered %s-%d@%d: %s: %s",
                        source.topic(),
                        source.partition(),
                        source.offset(),
                        refused.reason().code(),
                        abbreviate(refused.detail()));
            } finally {
                MDC.remove("reason");
                MDC.remove("topic");
                MDC.remove("partition");
                MDC.remove("offset");
            }
            return;
        }
        context.forward(record.withValue(intake));
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }
}
