package dev.llmbatch.bench.baseline;

import dev.llmbatch.bench.Workload;
import dev.llmbatch.core.time.Ticker;
import java.util.ArrayList;
import java.util.List;

/**
 * Baseline (b), the common recipe: one {@link LeakyBucket} per region at {@code fraction} (75%) of its TPM and RPM;
 * each region takes the next job from the shared backlog as soon as its bucket lets one out. A 429 (not expected
 * below the quota) waits its retry-after and retries on the same region.
 */
public final class LeakyBucketClient extends BaselineClient {
    private final double fraction;
    private final List<LeakyBucket> buckets = new ArrayList<>();

    public LeakyBucketClient(List<Endpoint> endpoints, List<Workload.Item> jobs, Ticker simClock, long simStartNanos,
            double timeScale, String apiKey, double fraction) {
        super(endpoints, jobs, simClock, simStartNanos, timeScale, apiKey);
        this.fraction = fraction;
        for (Endpoint e : endpoints) {
            buckets.add(LeakyBucket.atFractionOf(e.tpm(), e.rpm(), fraction));
        }
    }

    @Override
    public String name() {
        return "leaky_bucket_" + Math.round(fraction * 100);
    }

    @Override
    public void start() {
        for (int i = 0; i < endpoints.size(); i++) {
            int region = i;
            timers.execute(() -> pace(region));
        }
    }

    /** Books the next slot of this region's bucket and sends the next job when it comes. */
    private void pace(int region) {
        if (stopped) {
            return;
        }
        Workload.Item item = nextJob();
        long now = simClock.nanos();
        long at = buckets.get(region).reserve(now, item.cost());
        afterSim(at - now, () -> {
            attempt(endpoints.get(region), item);
            pace(region);
        });
    }

    private void attempt(Endpoint e, Workload.Item item) {
        send(e, item).thenAccept(a -> {
            if (!stopped && (a.status() == 429 || a.status() == 0)) {
                afterSim(a.retryAfterSimMs() * 1_000_000L, () -> attempt(e, item));
            }
        });
    }
}
