package io.nlistream.streamer.topology;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * TopologyTestDriver with the asynchronous scheduler: inference completes on a worker thread and the batcher forwards
 * it from a wall-clock punctuation, so a test advances the driver's wall clock until the records it expects are out.
 */
final class TestDrivers {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private TestDrivers() {}

    /** Exactly the next {@code n} records of {@code topic} (fails after 30 s with what came out). */
    static <K, V> List<TestRecord<K, V>> await(TopologyTestDriver driver, TestOutputTopic<K, V> topic, int n) {
        List<TestRecord<K, V>> got = new ArrayList<>();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (got.size() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + n + " records, got " + got.size() + " within " + TIMEOUT);
            }
            pause(Duration.ofMillis(1));
            driver.advanceWallClockTime(MicroBatcher.FORWARD_INTERVAL);
            got.addAll(topic.readRecordsToList());
        }
        if (got.size() > n) {
            throw new AssertionError("expected " + n + " records, got " + got.size());
        }
        return got;
    }

    /** Lets {@code d} of real time pass with punctuations running, so anything completed would be forwarded. */
    static void idle(TopologyTestDriver driver, Duration d) {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < end) {
            pause(Duration.ofMillis(2));
            driver.advanceWallClockTime(MicroBatcher.FORWARD_INTERVAL);
        }
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
