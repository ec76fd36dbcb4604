package dev.llmbatch.simulator;

import java.util.List;
import java.util.Map;

/**
 * One deployment's counters at snapshot time. Immutable and thread-safe.
 *
 * <p>Windows are measured in simulated time and are half-open, {@code (t - 60 s, t]}, the same shape the limiter
 * enforces; so a client that honours the quota keeps {@code maxTokensIn60s <= tpm} and
 * {@code maxRequestsIn10s <= ceil(rpm / 6)} (with runtime quota changes, against the quota in force at the time).
 *
 * @param deployment deployment name
 * @param model underlying model id
 * @param requests every authenticated request routed to this deployment
 * @param accepted requests admitted by the limiter (charged), whatever was answered afterwards (200 or a fault)
 * @param packedRequests admitted requests that were packed (prompt-packing protocol), whatever was answered
 * @param packedItems the jobs (items) in those packed requests; so admitted requests per job =
 *                    {@code accepted / (accepted - packedRequests + packedItems)}, see {@link #admittedJobs()}
 * @param rateLimitedTokens 429s because of the token window
 * @param rateLimitedRequests 429s because of a request window
 * @param rateLimitedShedding capacity-shedding 429s
 * @param errorsByStatus validation errors (400) and injected faults (408, 500, 503) by HTTP status
 * @param hangs requests held open by a hang fault
 * @param resets connections closed without a response by a reset fault
 * @param admittedTokens sum of the estimated costs charged at admission
 * @param maxTokensIn60s the largest sum of charged costs in any 60 s window so far
 * @param maxRequestsIn10s the largest number of admitted requests in any 10 s window so far
 * @param tpm current TPM
 * @param rpm current RPM
 * @param admittedTokensPerSecondFrom the simulated second (since start) of the series' first element
 * @param admittedTokensPerSecond charged tokens per simulated second, at most the last 3600 seconds, oldest first
 */
public record DeploymentStats(String deployment, String model, long requests, long accepted,
                              long packedRequests, long packedItems, long rateLimitedTokens,
                              long rateLimitedRequests, long rateLimitedShedding,
                              Map<Integer, Long> errorsByStatus, long hangs, long resets, long admittedTokens,
                              long maxTokensIn60s, long maxRequestsIn10s, long tpm, long rpm,
                              long admittedTokensPerSecondFrom, List<Long> admittedTokensPerSecond) {

    /** Copies the collections. */
    public DeploymentStats {
        errorsByStatus = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(errorsByStatus));
        admittedTokensPerSecond = List.copyOf(admittedTokensPerSecond);
    }

    /** All 429s: tokens + requests + shedding. */
    public long rateLimited() {
        return rateLimitedTokens + rateLimitedRequests + rateLimitedShedding;
    }

    /** Jobs carried by admitted requests: one per unpacked request plus the items of the packed ones. */
    public long admittedJobs() {
        return accepted - packedRequests + packedItems;
    }

    /** The count for one error status, 0 if none. */
    public long errors(int status) {
        return errorsByStatus.getOrDefault(status, 0L);
    }
}
