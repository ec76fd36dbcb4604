package dev.llmbatch.worker.admin;

import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.time.Ticker;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The consumer lag of the worker's group on the jobs topic, per partition, in records and in estimated tokens, and
 * the time the group needs to catch up at its recent pace. Every worker of the group reports the whole group's lag
 * (the committed offsets are the group's), including partitions no member holds, so dashboards take the
 * {@code max} over workers, not the sum.
 *
 * <p>Offsets come from a {@link LagSource} (the Admin client: the group's committed offsets and the topic's
 * read_committed start and end offsets), asked by {@link #refresh} on a timer, never on the Kafka loop thread. A
 * partition without a commit counts from its start offset.
 *
 * <p><b>Tokens are an estimate:</b> lag in records times a running mean of the tokens billed per answered job
 * (prompt + completion tokens of the results' usage, fed by {@link #onResult}); 0 until the first answer. It is the
 * backlog's likely bill, not a count of the records' contents.
 *
 * <p><b>ETA</b> is lag / the rate at which the group's committed positions advanced over the last
 * {@link #RATE_WINDOW_NANOS} (unknown, null, until two readings a second apart exist or while nothing advances; 0 with
 * no lag). New records arriving keep the lag up, so the ETA is that of the backlog seen now at the pace seen now.
 *
 * <p>Thread-safe: {@link #refresh} may be called from any thread (a refresh already under way makes it a no-op); the
 * source calls back on its own thread; readers get immutable {@link Snapshot}s.
 */
public final class ConsumerLag implements AutoCloseable {
    /** The span over which the group's pace is measured. */
    static final long RATE_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** The shortest span a pace is computed over: two readings closer than this say nothing. */
    private static final long MIN_RATE_SPAN_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** The running mean becomes exponential after this many answers, so it follows a change in the jobs' mix. */
    private static final int MEAN_HORIZON = 1000;

    /** Where offsets come from: the Admin client in production, a map in unit tests. */
    public interface LagSource extends AutoCloseable {
        /**
         * Reads the group's committed offsets and the topic's start and end offsets and calls {@code done} with them
         * (partition -> offset; a partition without a commit is absent from {@code committed}) or with the failure.
         * Must not block the caller for long.
         */
        void read(Callback done);

        @Override
        void close();
    }

    /** The answer of a {@link LagSource}. */
    public interface Callback {
        void offsets(Map<Integer, Long> committed, Map<Integer, Long> start, Map<Integer, Long> end);

        void failed(Throwable cause);
    }

    /** One partition's lag. */
    public record Partition(int partition, long committed, long end, long records, long tokens) {
    }

    /**
     * One reading. {@code tokensPerJob}, {@code recordsPerSecond} and {@code etaSeconds} are null while unknown;
     * {@code error} names the last failed read (its exception type), null after a good one.
     */
    public record Snapshot(String topic, String group, List<Partition> partitions, long records, long tokens,
            Double tokensPerJob, Double recordsPerSecond, Double etaSeconds, long readAtNanos, String error) {
        public Snapshot {
            partitions = List.copyOf(partitions);
        }
    }

    private record Reading(long nanos, long consumed) {
    }

    private final String topic;
    private final String group;
    private final LagSource source;
    private final Ticker ticker;
    private final Metrics metrics;
    private final AtomicBoolean reading = new AtomicBoolean();
    private final Map<Integer, AtomicLongArray> gauges = new ConcurrentHashMap<>();
    private final Deque<Reading> readings = new ArrayDeque<>();
    private final Object meanLock = new Object();
    private double meanTokens;
    private long answers;
    private volatile Snapshot latest;

    public ConsumerLag(String topic, String group, LagSource source, Ticker ticker, Metrics metrics) {
        this.topic = topic;
        this.group = group;
        this.source = source;
        this.ticker = ticker;
        this.metrics = metrics;
        this.latest = new Snapshot(topic, group, List.of(), 0, 0, null, null, null, ticker.nanos(), "not read yet");
        metrics.describe("llm_consumer_lag_records", "Records of the jobs topic the worker's group has not "
                + "consumed, per partition (the group's view: take the max over workers).");
        metrics.describe("llm_consumer_lag_tokens", "Estimated tokens of the group's lag per partition: records "
                + "times the running mean of tokens billed per answered job.");
        metrics.describe("llm_consumer_lag_eta_seconds", "Seconds until the group's lag is consumed at the pace of "
                + "the last minute; NaN while unknown.");
        metrics.describe("llm_consumer_lag_tokens_per_job", "Running mean of tokens billed per answered job, the "
                + "factor of llm_consumer_lag_tokens.");
        metrics.describe("llm_consumer_group_records_per_second", "Records per second the group's committed "
                + "positions advanced over the last minute.");
        metrics.gauge("llm_consumer_lag_eta_seconds", () -> orNaN(latest.etaSeconds()), "topic", topic);
        metrics.gauge("llm_consumer_lag_tokens_per_job", () -> orZero(latest.tokensPerJob()), "topic", topic);
        metrics.gauge("llm_consumer_group_records_per_second", () -> orZero(latest.recordsPerSecond()), "topic",
                topic);
    }

    /** The lag of {@code k}'s group on its jobs topic, read through an Admin client of its own. */
    public static ConsumerLag of(dev.llmbatch.core.config.KafkaSettings k, Ticker ticker, Metrics metrics) {
        return new ConsumerLag(k.jobsTopic(), k.group(), AdminLagSource.of(k), ticker, metrics);
    }

    /** Asks the source for fresh offsets unless a read is still under way; returns at once. */
    public void refresh() {
        if (!reading.compareAndSet(false, true)) {
            return;
        }
        try {
            source.read(new Callback() {
                @Override
                public void offsets(Map<Integer, Long> committed, Map<Integer, Long> start, Map<Integer, Long> end) {
                    try {
                        update(committed, start, end, ticker.nanos());
                    } finally {
                        reading.set(false);
                    }
                }

                @Override
                public void failed(Throwable cause) {
                    Snapshot s = latest;
                    latest = new Snapshot(s.topic(), s.group(), s.partitions(), s.records(), s.tokens(),
                            s.tokensPerJob(), s.recordsPerSecond(), s.etaSeconds(), s.readAtNanos(),
                            cause.getClass().getSimpleName());
                    reading.set(false);
                }
            });
        } catch (RuntimeException e) {
            reading.set(false);
            throw e;
        }
    }

    /** Takes one job's answer into the running mean of tokens per job; answers without usage are not counted. */
    public void onResult(JobResult r) {
        long tokens = (long) r.usage().promptTokens() + r.usage().completionTokens();
        if (tokens <= 0) {
            return;
        }
        synchronized (meanLock) {
            answers++;
            meanTokens += (tokens - meanTokens) / Math.min(answers, MEAN_HORIZON);
        }
    }

    /** The latest reading. */
    public Snapshot snapshot() {
        return latest;
    }

    /** Computes a reading from offsets read at {@code nanos}. */
    synchronized void update(Map<Integer, Long> committed, Map<Integer, Long> start, Map<Integer, Long> end,
            long nanos) {
        Double perJob;
        synchronized (meanLock) {
            perJob = answers == 0 ? null : meanTokens;
        }
        List<Partition> parts = new ArrayList<>();
        long records = 0;
        long tokens = 0;
        long consumed = 0;
        for (Map.Entry<Integer, Long> e : new TreeMap<>(end).entrySet()) {
            int p = e.getKey();
            long first = start.getOrDefault(p, 0L);
            Long c = committed.get(p);
            long position = c == null ? first : Math.max(c, first);
            long lag = Math.max(0, e.getValue() - position);
            long lagTokens = perJob == null ? 0 : Math.round(lag * perJob);
            parts.add(new Partition(p, position, e.getValue(), lag, lagTokens));
            records += lag;
            tokens += lagTokens;
            consumed += position;
            AtomicLongArray g = gauges.computeIfAbsent(p, this::register);
            g.set(0, lag);
            g.set(1, lagTokens);
        }
        readings.addLast(new Reading(nanos, consumed));
        while (readings.size() > 2 && nanos - readings.peekFirst().nanos() > RATE_WINDOW_NANOS) {
            readings.removeFirst();
        }
        Reading oldest = readings.peekFirst();
        Double rate = null;
        long span = nanos - oldest.nanos();
        if (span >= MIN_RATE_SPAN_NANOS) {
            // a rewind or a partition leaving moves positions back: no pace from that
            rate = Math.max(0, (double) (consumed - oldest.consumed()) * 1e9 / span);
        }
        Double eta = records == 0 ? Double.valueOf(0) : rate == null || rate <= 0 ? null : records / rate;
        latest = new Snapshot(topic, group, parts, records, tokens, perJob, rate, eta, nanos, null);
    }

    /** The gauges of a partition seen for the first time: [lag records, lag tokens], read at scrape time. */
    private AtomicLongArray register(int partition) {
        AtomicLongArray g = new AtomicLongArray(2);
        String p = Integer.toString(partition);
        metrics.gauge("llm_consumer_lag_records", () -> g.get(0), "topic", topic, "partition", p);
        metrics.gauge("llm_consumer_lag_tokens", () -> g.get(1), "topic", topic, "partition", p);
        return g;
    }

    private static double orNaN(Double d) {
        return d == null ? Double.NaN : d;
    }

    private static double orZero(Double d) {
        return d == null ? 0 : d;
    }

    @Override
    public void close() {
        source.close();
    }
}
