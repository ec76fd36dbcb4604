package dev.llmbatch.core.admission;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Where the fleet's view of each deployment's quota lives when several workers share it: one schedule per deployment
 * on which every request of the fleet gets its turn. A turn keeps the exact sliding windows of
 * {@link DeploymentLimiter} (tokens over 60 s + margin, requests over 10 s + margin) and its pacing (refilled at
 * exactly limit / window), and turns never go back: first come, first served across the fleet. A worker's own
 * {@link DeploymentLimiter} keeps its call slots; the store decides when the fleet may send. With one worker none is
 * needed ({@code quota.store: local}); the worker's Redis store holds it for a fleet.
 *
 * <p>A worker books all the requests it has ready for a deployment in one step ({@link #acquire}), so a busy fleet
 * pays less than one store command per request. Deployments are named by what Azure meters (endpoint + deployment).
 * Every operation is one atomic step of the store, so two workers never both take the last room. Implementations are
 * thread-safe; their stages may complete on the store's own threads.
 */
public interface QuotaStore extends AutoCloseable {

    /**
     * Books a turn for each cost, in order, as long as it falls within {@link Windows#ahead()} and no cooldown is set;
     * the first that does not, and every one after it, is refused.
     */
    CompletionStage<Booking> acquire(String deployment, Windows windows, List<RequestCost> costs);

    /**
     * Records a 429's cooldown (it only ever lengthens; zero for none) and usage the service reported beyond the
     * windows' (another client of the deployment), seen by every worker at its next admission.
     */
    CompletionStage<Void> record(String deployment, Windows windows, Duration cooldown, long extraTokens,
            long extraRequests);

    /**
     * Tells {@code listener} (on the store's threads) of every cooldown any worker records, as soon as it is recorded:
     * the deployment and the cooldown on the quota clock. Requests already booked are held back by it too.
     */
    void onCooldown(java.util.function.BiConsumer<String, Duration> listener);

    /** Whether the store answers now. */
    CompletionStage<Boolean> ping();

    /** Commands sent to the store so far. */
    long commands();

    @Override
    void close();

    /**
     * One deployment's windows, pacing and horizon, on the worker's (possibly scaled) quota clock.
     *
     * @param tokenSpan     the token window plus the margin: how long an admission counts
     * @param requestSpan   likewise for requests
     * @param tokenBurst    tokens the pacer lets through at once (at least the largest request)
     * @param requestBurst  requests the pacer lets through at once
     * @param ahead         how far off a turn may be booked
     */
    record Windows(long tokenLimit, long requestLimit, Duration tokenSpan, Duration requestSpan, long tokenBurst,
            long requestBurst, Duration ahead) {

        /** The service's token window: the quota refills at tokenLimit per this, and the rule sums are over it. */
        public static final Duration TOKEN_WINDOW = Duration.ofSeconds(60);
        /** The service's request window (Azure's RPM is metered as RPM / 6 per 10 s). */
        public static final Duration REQUEST_WINDOW = Duration.ofSeconds(10);
    }

    /**
     * The answer to {@link #acquire}.
     *
     * @param turns        one per booked cost, in the order asked; the costs after them were refused
     * @param waitNanos    when some were refused, quota-clock nanoseconds until the first of them could be booked
     * @param coolingNanos the cooldown left, 0 if none (everything is refused while it lasts)
     * @param usedRequests requests in the request window at the last turn booked (or now)
     */
    record Booking(List<Turn> turns, long waitNanos, long coolingNanos, long usedRequests) {
        public Booking {
            turns = List.copyOf(turns);
        }
    }

    /**
     * One booked request.
     *
     * @param delayNanos quota-clock nanoseconds from the store's answer until the request may be sent
     * @param usedTokens tokens in the token window at the turn, this request's included
     * @param byRule     the fleet's admissions over the service's window at the turn priced by each prompt rule (chars,
     *                   tokens, max)
     */
    record Turn(long delayNanos, long usedTokens, long[] byRule) {
    }
}
