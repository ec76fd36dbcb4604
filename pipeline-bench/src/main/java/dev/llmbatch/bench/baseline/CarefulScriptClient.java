package dev.llmbatch.bench.baseline;

import dev.llmbatch.bench.Workload;
import dev.llmbatch.core.time.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Baseline (c), what a careful script does without the pipeline: one {@link TokenBucket} per region refilled
 * continuously at exactly its TPM / 60 per second with a capacity of {@code bucketSeconds} seconds' worth (Bottleneck's
 * reservoir-increase setting), each request weighted by the service's character rule
 * {@code ceil(chars / 4) + 1 + max_tokens}, requests spaced at least 60 / RPM s apart per region (Bottleneck
 * {@code minTime}), each job sent to the region whose bucket has the most room among those that can take it
 * soonest. Each call then behaves as the official SDK does: up to {@link RetryPolicy#MAX_RETRIES} in-place retries on
 * the same region honouring retry-after-ms / retry-after (else 0.5 s x 2^n up to 8 s), outside the limiter; a job
 * whose retries are used up is lost (counted, not resent).
 */
public final class CarefulScriptClient extends BaselineClient {
    public static final double DEFAULT_BUCKET_SECONDS = 2.0;

    private final double bucketSeconds;
    private final List<TokenBucket> buckets = new ArrayList<>();
    private final long[] nextRequestAt;
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private Workload.Item pending;

    public CarefulScriptClient(List<Endpoint> endpoints, List<Workload.Item> jobs, Ticker simClock,
            long simStartNanos, double timeScale, String apiKey, double bucketSeconds) {
        super(endpoints, jobs, simClock, simStartNanos, timeScale, apiKey);
        this.bucketSeconds = bucketSeconds;
        for (Endpoint e : endpoints) {
            buckets.add(new TokenBucket(e.tpm() / 60.0 * bucketSeconds, e.tpm() / 60.0));
        }
        nextRequestAt = new long[endpoints.size()];
        java.util.Arrays.fill(nextRequestAt, Long.MIN_VALUE);
    }

    @Override
    public String name() {
        return "careful_script";
    }

    @Override
    public void start() {
        timers.execute(this::dispatch);
    }

    /**
     * The region for a request of {@code cost} at {@code now}: the smallest wait (token bucket and request spacing),
     * ties broken by the most bucket room. Returns {index, wait nanos}.
     */
    static long[] choose(List<TokenBucket> buckets, long[] nextRequestAt, long now, long cost) {
        int best = -1;
        long bestWait = Long.MAX_VALUE;
        double bestRoom = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < buckets.size(); i++) {
            TokenBucket b = buckets.get(i);
            long spacing = nextRequestAt[i] == Long.MIN_VALUE ? 0 : Math.max(0, nextRequestAt[i] - now);
            long wait = Math.max(b.waitNanos(now, cost), spacing);
            double room = b.room(now);
            if (wait < bestWait || (wait == bestWait && room > bestRoom)) {
                best = i;
                bestWait = wait;
                bestRoom = room;
            }
        }
        return new long[] {best, bestWait};
    }

    /** Runs on the timer thread only: sends the next job as soon as a region's limiter lets it out. */
    private void dispatch() {
        if (stopped) {
            return;
        }
        if (pending == null) {
            pending = nextJob();
        }
        long cost = Workload.serviceCost(pending.job());
        long now = simClock.nanos();
        long[] c = choose(buckets, nextRequestAt, now, cost);
        int region = (int) c[0];
        if (c[1] > 0) {
            afterSim(c[1], this::dispatch);
            return;
        }
        buckets.get(region).take(now, cost);
        nextRequestAt[region] = now + (long) Math.ceil(60e9 / endpoints.get(region).rpm());
        Workload.Item item = pending;
        pending = null;
        attempt(endpoints.get(region), item, 0);
        timers.execute(this::dispatch);
    }

    private void attempt(Endpoint e, Workload.Item item, int retriesSoFar) {
        send(e, item).thenAccept(a -> {
            if (stopped || a.status() == 200) {
                return;
            }
            if (RetryPolicy.retryable(a.status()) && retriesSoFar < RetryPolicy.MAX_RETRIES) {
                retries.incrementAndGet();
                long ms = RetryPolicy.delayMs(a.retryAfterMsHeader(), a.retryAfterSHeader(), retriesSoFar);
                afterSim(ms * 1_000_000L, () -> attempt(e, item, retriesSoFar + 1));
            } else {
                lost.incrementAndGet();
            }
        });
    }

    /** Jobs given up after the SDK's retries (or a non-retryable answer). */
    public long lost() {
        return lost.get();
    }

    public long retries() {
        return retries.get();
    }

    public double bucketSeconds() {
        return bucketSeconds;
    }
}
