package dev.llmbatch.core.admission;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Where the fleet's view of each deployment's quota lives when several workers share it: the exact sliding-window
 * logs of {@link DeploymentLimiter} (tokens over 60 s + margin, requests over 10 s + margin) and the cooldown, held
 * once for every worker. A worker's own {@link DeploymentLimiter} keeps its call slots and pacing; a store decides
 * whether the fleet has room. With one worker none is needed ({@code quota.store: local}); {@link InMemoryQuotaStore}
 * is the same contract in one process (for tests, or several dispatchers in one JVM); the worker's Redis store holds
 * it for a fleet.
 *
 * <p>Deployments are named by what Azure meters (endpoint + deployment). Every operation is one atomic step of the
 * store, so two workers never both take the last room. Implementations are thread-safe; their stages may complete
 * on the store's own threads.
 */
public interface QuotaStore extends AutoCloseable {

    /** Admits {@code reserve} tokens and one request if the windows have room and no cooldown is set. */
    CompletionStage<Grant> acquire(String deployment, Windows windows, long reserve, long chars, long tokens);

    /**
     * Records a 429's cooldown (it only ever lengthens; zero for none) and usage the service reported beyond the
     * windows' (another client of the deployment), seen by every worker at its next admission.
     */
    CompletionStage<Void> record(String deployment, Windows windows, Duration cooldown, long extraTokens,
            long extraRequests);

    /** Whether the store answers now. */
    CompletionStage<Boolean> ping();

    /** Commands sent to the store so far (a store in this process counts its operations). */
    long commands();

    @Override
    void close();

    /**
     * The windows of one deployment, on the worker's (possibly scaled) quota clock.
     *
     * @param serviceWindow the service's token window (60 s): the per-rule sums are over it
     */
    record Windows(long tokenLimit, long requestLimit, Duration tokenSpan, Duration requestSpan,
            Duration serviceWindow) {
    }

    /**
     * The answer to an admission.
     *
     * @param granted      whether the request was admitted (and recorded)
     * @param waitNanos    when refused, quota-clock nanoseconds until it could be admitted (cooldown included)
     * @param usedTokens   tokens in the token window, after this admission if granted
     * @param usedRequests requests in the request window, likewise
     * @param coolingNanos the cooldown left, 0 if none
     * @param byRule       the fleet's admissions over the service's window priced by each prompt rule (chars, tokens,
     *                     max)
     */
    record Grant(boolean granted, long waitNanos, long usedTokens, long usedRequests, long coolingNanos,
            long[] byRule) {
    }
}
