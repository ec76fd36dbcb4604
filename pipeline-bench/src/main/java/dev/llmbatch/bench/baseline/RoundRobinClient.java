package dev.llmbatch.bench.baseline;

import dev.llmbatch.bench.Workload;
import dev.llmbatch.core.time.Ticker;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Baseline (a): {@code concurrency} request slots; each takes the next job and sends it to the next region in
 * round-robin order; on 429 it waits the retry-after (retry-after-ms, else retry-after) and retries the same request
 * on the same region, as an SDK client bound to that endpoint does. No buckets, no view of the quota.
 */
public final class RoundRobinClient extends BaselineClient {
    private final int concurrency;
    private final AtomicInteger rr = new AtomicInteger();

    public RoundRobinClient(List<Endpoint> endpoints, List<Workload.Item> jobs, Ticker simClock, long simStartNanos,
            double timeScale, String apiKey, int concurrency) {
        super(endpoints, jobs, simClock, simStartNanos, timeScale, apiKey);
        this.concurrency = concurrency;
    }

    @Override
    public String name() {
        return "round_robin";
    }

    @Override
    public void start() {
        for (int i = 0; i < concurrency; i++) {
            timers.execute(this::next);
        }
    }

    private void next() {
        if (stopped) {
            return;
        }
        Endpoint e = endpoints.get(Math.floorMod(rr.getAndIncrement(), endpoints.size()));
        attempt(e, nextJob());
    }

    private void attempt(Endpoint e, Workload.Item item) {
        send(e, item).thenAccept(a -> {
            if (stopped) {
                return;
            }
            if (a.status() == 429 || a.status() == 0) {
                afterSim(a.retryAfterSimMs() * 1_000_000L, () -> attempt(e, item));
            } else {
                timers.execute(this::next);
            }
        });
    }
}
