package io.nlistream.streamer.bench;

import io.nlistream.streamer.inference.BatchRunner;
import io.nlistream.streamer.inference.NliModel;
import io.nlistream.tokenizer.EncodedPair;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Benchmark-only: one simulated device with a fixed service time per call whatever the batch size (as a GPU is, to
 * first order, below its saturation batch). Like a GPU, it leaves the CPU to the streamer: it returns a uniform
 * distribution per row without computing anything, and holds the device until the service time has passed; on 2
 * cores, running the real tiny model inside the call would take longer than the service time and measure the CPU,
 * not the scheduling ({@code -Dbench.service.real-model=true} does that). Calls are serialized, as on one device, so
 * the busy ratio is what the streamer's scheduling lets the device reach.
 */
final class SimulatedAccelerator implements BatchRunner {
    private static final boolean REAL_MODEL = Boolean.getBoolean("bench.service.real-model");

    private final long serviceNanos;
    private final ReentrantLock device = new ReentrantLock(true);
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong busyNanos = new AtomicLong();

    SimulatedAccelerator(long serviceMillis) {
        this.serviceNanos = serviceMillis * 1_000_000;
    }

    @Override
    public double[][] run(NliModel model, List<EncodedPair> rows) {
        device.lock();
        try {
            long t0 = System.nanoTime();
            double[][] out = REAL_MODEL ? model.predict(rows) : uniform(rows.size());
            long end = t0 + serviceNanos;
            for (long left = end - System.nanoTime(); left > 0; left = end - System.nanoTime()) {
                LockSupport.parkNanos(left);
            }
            calls.incrementAndGet();
            busyNanos.addAndGet(System.nanoTime() - t0);
            return out;
        } finally {
            device.unlock();
        }
    }

    private static double[][] uniform(int rows) {
        double[][] out = new double[rows][3];
        for (double[] row : out) {
            Arrays.fill(row, 1.0 / 3);
        }
        return out;
    }

    long calls() {
        return calls.get();
    }

    long busyNanos() {
        return busyNanos.get();
    }

    double serviceSeconds() {
        return serviceNanos / 1e9;
    }
}
