package io.nlistream.streamer.topology;

import io.nlistream.streamer.ops.StreamerMetrics;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/** Parses and validates each raw record ({@link PairParser}); a refused one gets its dead-letter headers here. */
final class PairIntake implements FixedKeyProcessor<byte[], byte[], Intake> {
    private static final Logger LOG = Logger.getLogger(PairIntake.class);

    private final StreamerMetrics metrics;
    private FixedKeyProcessorContext<byte[], Intake> context;

    PairIntake(StreamerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void init(FixedKeyProcessorContext<byte[], Intake> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<byte[], byte[]> record) {
        metrics.received();
        Intake intake = PairParser.parse(record.value());
        if (intake instanceof Intake.Refused refused) {
            RecordMetadata source = context.recordMetadata().orElseThrow();
            DeadLetterHeaders.add(record.headers(), refused.reason(), refused.detail(), null, source.topic(),
                    source.partition(), source.offset());
            metrics.deadLettered(refused.reason());
            MDC.put("reason", refused.reason().code());
            MDC.put("topic", source.topic());
            MDC.put("partition", source.partition());
            MDC.put("offset", source.offset());
            try {
                LOG.warnf("dead-lettered %s-%d@%d: %s: %s", source.topic(), source.partition(), source.offset(),
                        refused.reason().code(), abbreviate(refused.detail()));
            } finally {
                MDC.remove("reason");
                MDC.remove("topic");
                MDC.remove("partition");
                MDC.remove("offset");
            }
        }
        context.forward(record.withValue(intake));
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }
}
