package io.nlistream.streamer.topology;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.jboss.logging.Logger;

/**
 * The last line behind {@link DeadLetterFit} and the intake's size check: a record the broker still refuses for
 * itself (too large, invalid) is logged with its source offset and skipped, so one record cannot stop the client.
 * Anything else (authorization, fencing, a broker that stays unreachable) stays fatal: it is not about one record, and
 * skipping it would lose every record after it.
 *
 * <p>Under {@code exactly_once_v2} a send error has already aborted the transaction, so skipping cannot save the task
 * (the commit fails): there, sizing records before they are written is what keeps the client alive; this handler
 * matters with {@code at_least_once}.
 */
public final class RecordErrorHandler implements ProductionExceptionHandler {
    private static final Logger LOG = Logger.getLogger(RecordErrorHandler.class);

    @Override
    public void configure(Map<String, ?> configs) {}

    @Override
    public ProductionExceptionHandlerResponse handle(
            ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        if (exception instanceof RecordTooLargeException || exception instanceof InvalidRecordException) {
            LOG.errorf(
                    "skipped the record for %s from %s-%d@%d: %s; replay that source offset once the cause is "
                            + "fixed",
                    record.topic(), context.topic(), context.partition(), context.offset(), exception);
            return ProductionExceptionHandlerResponse.CONTINUE;
        }
        return ProductionExceptionHandlerResponse.FAIL;
    }

    @Override
    public ProductionExceptionHandlerResponse handleSerializationException(
            ErrorHandlerContext context,
            ProducerRecord record,
            Exception exception,
            SerializationExceptionOrigin origin) {
        // our serdes write byte arrays as they are; a failure here is a bug in one record's path, not the broker's
        LOG.errorf(
                "skipped a record for %s from %s-%d@%d that cannot be serialized: %s",
                record.topic(), context.topic(), context.partition(), context.offset(), exception);
        return ProductionExceptionHandlerResponse.CONTINUE;
    }
}
