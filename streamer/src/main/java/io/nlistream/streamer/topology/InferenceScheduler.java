package io.nlistream.streamer.topology;

import io.nlistream.schemas.Json;
import io.nlistream.schemas.event.NliClassification;
import io.nlistream.schemas.event.NliPair;
import io.nlistream.streamer.bundle.ActiveModel;
import io.nlistream.streamer.inference.BatchRunner;
import io.nlistream.streamer.inference.Classifications;
import io.nlistream.streamer.inference.NliModel;
import io.nlistream.streamer.inference.SubBatches;
import io.nlistream.streamer.ops.StreamerMetrics;
import io.nlistream.tokenizer.EncodedPair;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;

/**
 * The instance-wide inference scheduler: one queue of tokenized pairs fed by every stream task of the instance, drained
 * by {@code workers} threads that run batches on the served model while the stream threads go on reading, parsing,
 * tokenizing and writing Kafka.
 *
 * <p>Batches form like Triton's dynamic batcher: a worker takes what is queued, across all tasks, up to {@link
 * BatchPolicy#maxSize()} pairs and {@link BatchPolicy#maxTokens()} padded tokens. It waits only while the queue is
 * shorter than a full batch, and at most until the oldest queued pair has waited {@link BatchPolicy#maxDelay()}: under
 * backlog no timer cuts a batch, and at low load the delay bounds latency. With two workers (CUDA's default) one batch
 * is prepared and handed over while the other runs, so the device does not idle between batches.
 *
 * <p>Bounded: at most {@code maxOutstanding} pairs are queued or running at once; {@link Task#offer} refuses more, and
 * the stream thread then waits in {@link #awaitSpace} while forwarding its own completions ({@link MicroBatcher}).
 * Capacity is released when a batch completes (not when its results are forwarded), so a stream thread blocked in one
 * task never waits on results that only its own other tasks could forward.
 *
 * <p>The scheduler holds no durable state: every pair it holds is also in its task's changelogged buffer store, which
 * is what makes a crash lose and duplicate nothing (the restored store is resubmitted).
 */
public final class InferenceScheduler implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(InferenceScheduler.class);

    private final BatchPolicy policy;
    private final ActiveModel models;
    private final StreamerMetrics metrics;
    private final BatchRunner runner;
    private final int maxOutstanding;
    private final long maxDelayNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Condition space = lock.newCondition();
    private final ArrayDeque<Job> queue = new ArrayDeque<>();
    private final List<Thread> threads = new ArrayList<>();
    private int outstanding;
    private int running;
    private long busySince;
    private boolean stopped;

    /**
     * @param workers threads that run batches concurrently on the (thread-safe) session
     * @param maxOutstanding pairs queued or running at most, across the instance's tasks
     */
    public InferenceScheduler(
            BatchPolicy policy,
            ActiveModel models,
            StreamerMetrics metrics,
            BatchRunner runner,
            int workers,
            int maxOutstanding) {
        if (workers < 1) {
            throw new IllegalArgumentException("nli.inference.workers must be >= 1, got " + workers);
        }
        if (maxOutstanding < policy.maxSize()) {
            throw new IllegalArgumentException("nli.inference.max-outstanding-pairs must be at least"
                    + " nli.batch.max-size (" + policy.maxSize() + "), got " + maxOutstanding);
        }
        this.policy = policy;
        this.models = models;
        this.metrics = metrics;
        this.runner = runner;
        this.maxOutstanding = maxOutstanding;
        this.maxDelayNanos = policy.maxDelay().toNanos();
        for (int i = 0; i < workers; i++) {
            Thread t = new Thread(this::work, "nli-inference-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** Default admission bound: enough for every worker's batch plus the next batch of each waiting behind it. */
    public static int defaultMaxOutstanding(BatchPolicy policy, int workers) {
        return 4 * policy.maxSize() * workers;
    }

    public BatchPolicy policy() {
        return policy;
    }

    /** A stream task's handle; closing it drops its queued pairs and makes its late completions moot. */
    public Task register() {
        return new Task();
    }

    /** Waits until a batch completes (capacity may have been freed), at most {@code timeout}. */
    public void awaitSpace(Duration timeout) {
        lock.lock();
        try {
            if (outstanding >= maxOutstanding && !stopped) {
                space.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /** Pairs queued or running now. */
    public int outstanding() {
        lock.lock();
        try {
            return outstanding;
        } finally {
            lock.unlock();
        }
    }

    /** One stream task's side of the scheduler. */
    public final class Task implements AutoCloseable {
        private volatile boolean closed;

        private Task() {}

        /**
         * Queues {@code job} unless the scheduler is full ({@code force} admits it anyway: restored pairs, whose
         * number the previous run already bounded).
         *
         * @return false when full: forward completions, {@link #awaitSpace}, and offer again
         */
        public boolean offer(Job job, boolean force) {
            if (job.owner != this) {
                throw new IllegalArgumentException("a job belongs to the task that made it");
            }
            lock.lock();
            try {
                if (stopped) {
                    // shutting down: the pair never runs here, and stays in the changelog for the next run
                    return true;
                }
                if (!force && outstanding >= maxOutstanding) {
                    return false;
                }
                outstanding++;
                queue.addLast(job);
                metrics.enqueued(1);
                work.signal();
                return true;
            } finally {
                lock.unlock();
            }
        }

        public Job job(NliPair pair, EncodedPair encoded, NliModel encodedBy, long arrivedAtMs) {
            return new Job(this, pair, encoded, encodedBy, arrivedAtMs);
        }

        /** The task is closed or revoked: its queued pairs leave the queue (they stay in the changelog). */
        @Override
        public void close() {
            closed = true;
            lock.lock();
            try {
                int before = queue.size();
                queue.removeIf(j -> j.owner == this);
                int dropped = before - queue.size();
                release(dropped);
                metrics.dequeued(dropped);
            } finally {
                lock.unlock();
            }
        }

        boolean isClosed() {
            return closed;
        }
    }

    /** One pair on its way through the scheduler; {@link #outcome()} is set once, by the worker that ran it. */
    public static final class Job {
        private final Task owner;
        private final NliPair pair;
        private final EncodedPair encoded;
        private final NliModel encodedBy;
        private final long arrivedAtMs;
        private final long queuedAtNanos = System.nanoTime();
        private volatile Outcome outcome;

        private Job(Task owner, NliPair pair, EncodedPair encoded, NliModel encodedBy, long arrivedAtMs) {
            this.owner = owner;
            this.pair = pair;
            this.encoded = encoded;
            this.encodedBy = encodedBy;
            this.arrivedAtMs = arrivedAtMs;
        }

        /** Null while queued or running. */
        public Outcome outcome() {
            return outcome;
        }
    }

    /** A classification (serialized nli-classification) or the failure of the batch the pair was in. */
    public record Outcome(byte[] classification, RuntimeException failure) {}

    private void work() {
        while (true) {
            Batch batch;
            lock.lock();
            try {
                batch = nextBatch();
                if (batch == null) {
                    return;
                }
                if (running++ == 0) {
                    busySince = System.nanoTime();
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            try {
                run(batch);
            } finally {
                lock.lock();
                try {
                    if (--running == 0) {
                        metrics.busy(System.nanoTime() - busySince);
                    }
                    release(batch.jobs.size());
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    private record Batch(List<Job> jobs, String trigger) {}

    /** Under the lock: the next batch to run, waiting for it; null once stopped. */
    private Batch nextBatch() throws InterruptedException {
        while (!stopped) {
            if (queue.isEmpty()) {
                work.await();
                continue;
            }
            String trigger = fullBatchTrigger();
            long waited = System.nanoTime() - queue.peekFirst().queuedAtNanos;
            if (trigger == null && waited < maxDelayNanos) {
                // short queue: wait for fill, but never past the oldest pair's max delay
                work.awaitNanos(maxDelayNanos - waited);
                continue;
            }
            List<Job> jobs = take();
            metrics.dequeued(jobs.size());
            if (!queue.isEmpty()) {
                work.signal(); // another worker may start on what is left
            }
            return new Batch(jobs, trigger == null ? "delay" : trigger);
        }
        return null;
    }

    /** "size" or "tokens" when the queue holds a full batch, else null. */
    private String fullBatchTrigger() {
        int rows = 0;
        int longest = 0;
        for (Job j : queue) {
            int l = Math.max(longest, j.encoded.length());
            if (rows > 0 && (long) (rows + 1) * l > policy.maxTokens()) {
                return "tokens";
            }
            rows++;
            longest = l;
            if (rows >= policy.maxSize()) {
                return "size";
            }
            if ((long) rows * longest >= policy.maxTokens()) {
                return "tokens";
            }
        }
        return null;
    }

    /** Removes the head of the queue that fits one batch (a single pair over the token budget goes alone). */
    private List<Job> take() {
        List<Job> jobs = new ArrayList<>(Math.min(queue.size(), policy.maxSize()));
        int longest = 0;
        for (Iterator<Job> it = queue.iterator(); it.hasNext() && jobs.size() < policy.maxSize(); ) {
            Job j = it.next();
            int l = Math.max(longest, j.encoded.length());
            if (!jobs.isEmpty() && (long) (jobs.size() + 1) * l > policy.maxTokens()) {
                break;
            }
            it.remove();
            jobs.add(j);
            longest = l;
        }
        return jobs;
    }

    private void release(int pairs) {
        if (pairs > 0) {
            outstanding -= pairs;
            space.signalAll();
        }
    }

    /** Outside the lock: tokenization fix-ups, ORT, the events. Every job gets an outcome, whatever happens. */
    private void run(Batch batch) {
        List<Job> jobs = batch.jobs;
        int n = jobs.size();
        long inferenceStartMs = System.currentTimeMillis();
        long t0 = System.nanoTime();
        Outcome[] outcomes = new Outcome[n];
        try (ActiveModel.Lease lease = models.lease()) {
            NliModel model = lease.model();
            List<EncodedPair> encoded = new ArrayList<>(n);
            int[] lengths = new int[n];
            for (int i = 0; i < n; i++) {
                Job j = jobs.get(i);
                // A reload between arrival and this batch: encode with the tokenizer of the model that runs it.
                EncodedPair e = j.encodedBy == model ? j.encoded : model.encode(j.pair.premise(), j.pair.hypothesis());
                encoded.add(e);
                lengths[i] = e.length();
            }
            double[][] probabilities = new double[n][];
            long padded = 0;
            for (int[] sub : SubBatches.plan(lengths, policy.subBatchOverheadTokens())) {
                List<EncodedPair> rows = new ArrayList<>(sub.length);
                for (int i : sub) {
                    rows.add(encoded.get(i));
                }
                double[][] result = runner.run(model, rows);
                for (int k = 0; k < sub.length; k++) {
                    probabilities[sub[k]] = result[k];
                }
                padded += (long) sub.length * lengths[sub[sub.length - 1]];
            }
            long inferenceNanos = System.nanoTime() - t0;
            Instant now = Instant.now();
            for (int i = 0; i < n; i++) {
                Job j = jobs.get(i);
                double queueMs = inferenceStartMs - j.arrivedAtMs;
                NliClassification c = Classifications.of(
                        j.pair,
                        probabilities[i],
                        model.ref(),
                        encoded.get(i).truncated(),
                        lengths[i],
                        queueMs,
                        inferenceNanos / 1e6,
                        now);
                outcomes[i] = new Outcome(Json.mapper().writeValueAsBytes(c), null);
                metrics.classified(c.label(), queueMs);
            }
            metrics.batch(batch.trigger, n, policy.maxSize(), padded, inferenceNanos);
        } catch (IOException e) {
            fail(outcomes, new UncheckedIOException("cannot serialize a classification", e));
        } catch (RuntimeException e) {
            // Nothing is lost and no partition stalls: the owning tasks dead-letter these pairs, replayable once fixed.
            LOG.errorf(e, "inference failed on a batch of %d pairs; dead-lettering them", n);
            fail(outcomes, e);
        }
        for (int i = 0; i < n; i++) {
            jobs.get(i).outcome = outcomes[i];
        }
    }

    private static void fail(Outcome[] outcomes, RuntimeException e) {
        for (int i = 0; i < outcomes.length; i++) {
            outcomes[i] = new Outcome(null, e);
        }
    }

    /** Stops the workers after their current batch; queued pairs stay in their tasks' changelogs. */
    @Override
    public void close() {
        lock.lock();
        try {
            stopped = true;
            work.signalAll();
            space.signalAll();
        } finally {
            lock.unlock();
        }
        for (Thread t : threads) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
