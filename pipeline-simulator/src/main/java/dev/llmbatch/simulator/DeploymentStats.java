package dev.llmbatch.simulator;

import java.util.List;
import java.util.Map;

/**
 * One deployment's counters at snapshot time. Immutable and thread-safe.
 *
 * <p>Windows are measured in simulated time and are half-open, {@code (t - 60 s, t]}, the same shape the limiter
 * enforces; so a client that honours the quota keeps {@code maxTokensIn60s <= tpm} and
 * {@code maxRequestsIn10s <= ceil(rpm / 6)}. With runtime quota changes compare against the quota in force at the
 * time: {@link #tokenWindowsOver()} and {@link #requestWindowsOver()} do exactly that, so "no window over" is
 * {@link #noWindowOver()}.
 *
 * <p>Charged versus billed: {@link #admittedTokens()} is what admission charged against the TPM (the sum of the
 * estimator's costs, see {@link dev.llmbatch.simulator.quota.CostEstimator}); {@link #billedTokens()} is what the
 * successful answers reported in {@code usage} ({@code prompt_tokens + completion_tokens} of every 200 actually
 * sent). Their ratio is the share of the reserved quota that answers used.
 *
 * <h2>JSON ({@code GET /sim/stats}, per deployment under {@code deployments.<name>})</h2>
 * <pre>
 * model                            model
 * requests                         requests
 * accepted                         accepted
 * packed_requests, packed_items    packedRequests, packedItems
 * rate_limited.tokens              rateLimitedTokens
 * rate_limited.requests            rateLimitedRequests
 * rate_limited.shedding            rateLimitedShedding
 * rate_limited.total               rateLimited()              (derived, not read back)
 * errors.&lt;status&gt;                  errorsByStatus
 * hangs, resets                    hangs, resets
 * admitted_tokens                  admittedTokens             tokens charged at admission
 * max_tokens_in_60s                maxTokensIn60s
 * max_requests_in_10s              maxRequestsIn10s
 * tpm, rpm                         tpm, rpm                   the quota in force now
 * requests_per_10s_limit           requestsPer10sLimit()      ceil(rpm / 6) (derived, not read back)
 * admitted_tokens_per_second_from  admittedTokensPerSecondFrom
 * admitted_tokens_per_second       admittedTokensPerSecond
 * succeeded                        succeeded                  200 answers sent
 * billed_prompt_tokens             billedPromptTokens
 * billed_completion_tokens         billedCompletionTokens
 * billed_tokens                    billedTokens()             (derived, not read back)
 * token_windows_over               tokenWindowsOver
 * request_windows_over             requestWindowsOver
 * packing_ignored                  packingIgnored
 * stalls                           stalls
 * requests_during_retry_after      requestsDuringRetryAfter   requests that arrived while a retry-after this
 *                                                             deployment had announced to any client was running
 * cancelled                        cancelled                  admitted calls whose client went before the answer
 * cancelled_billed_prompt_tokens   cancelledBilledPromptTokens
 * cancelled_billed_completion_tokens cancelledBilledCompletionTokens
 * cancelled_billed_tokens          cancelledBilledTokens()    (derived, not read back)
 * </pre>
 *
 * <p>Cancelled calls: a client that gives up on a call (a hedge won elsewhere, a client timeout) closes the
 * connection or resets the stream. The service has already charged the call's estimate against the quota at
 * admission and keeps it for 60 s (reference 3.2: no refund), and it bills a generation it has started whether or
 * not anyone reads the answer, so the tokens the answer would have reported are counted as billed, apart from
 * {@link #billedTokens()} (answers sent) so that a reader can add them or not: {@link #allBilledTokens()}. A call
 * cancelled before a 408 or while held by a hang fault bills nothing; the former counts as cancelled, the latter
 * only as a hang.
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
 * @param succeeded 200 answers sent (a content-filtered 200 included; a 200 whose client had gone is not sent)
 * @param billedPromptTokens sum of {@code usage.prompt_tokens} over those answers
 * @param billedCompletionTokens sum of {@code usage.completion_tokens} over those answers (all choices)
 * @param tokenWindowsOver admissions after which the 60 s window held more than the TPM in force then (0 unless
 *                         {@code reject-oversize: false} let a request costing more than the TPM in)
 * @param requestWindowsOver admissions after which the 10 s window held more than {@code ceil(rpm / 6)} of the RPM
 *                           in force then (always 0 while the limiter is right: counted separately to check it)
 * @param packingIgnored packed requests answered as plain text because the deployment's model ignores the packing
 *                       schema ({@link PackingMode#IGNORE}); counted when the answer is generated (200 or 408)
 * @param stalls answers held back by a latency stall ({@code stall-probability}, {@link LatencyConfig}), counted
 *               when drawn, whether or not the client waited for the answer
 * @param requestsDuringRetryAfter requests that arrived while a retry-after this deployment had announced was running
 * @param cancelled admitted calls whose client closed the connection or reset the stream before the answer (200 or
 *                  408) was sent
 * @param cancelledBilledPromptTokens the prompt tokens of the cancelled calls that would have answered 200
 * @param cancelledBilledCompletionTokens the completion tokens (all choices) those answers would have reported
 */
public record DeploymentStats(String deployment, String model, long requests, long accepted,
                              long packedRequests, long packedItems, long rateLimitedTokens,
                              long rateLimitedRequests, long rateLimitedShedding,
                              Map<Integer, Long> errorsByStatus, long hangs, long resets, long admittedTokens,
                              long maxTokensIn60s, long maxRequestsIn10s, long tpm, long rpm,
                              long admittedTokensPerSecondFrom, List<Long> admittedTokensPerSecond,
                              long succeeded, long billedPromptTokens, long billedCompletionTokens,
                              long tokenWindowsOver, long requestWindowsOver, long packingIgnored,
                              long stalls, long requestsDuringRetryAfter, long cancelled,
                              long cancelledBilledPromptTokens, long cancelledBilledCompletionTokens) {

    /** Copies the collections. */
    public DeploymentStats {
        errorsByStatus = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(errorsByStatus));
        admittedTokensPerSecond = List.copyOf(admittedTokensPerSecond);
    }

    /** All 429s: tokens + requests + shedding. */
    public long rateLimited() {
        return rateLimitedTokens + rateLimitedRequests + rateLimitedShedding;
    }

    /** Tokens the successful answers reported in usage: {@code billedPromptTokens + billedCompletionTokens}. */
    public long billedTokens() {
        return billedPromptTokens + billedCompletionTokens;
    }

    /** Tokens billed for calls whose client went away: their prompt plus the answer the service generated anyway. */
    public long cancelledBilledTokens() {
        return cancelledBilledPromptTokens + cancelledBilledCompletionTokens;
    }

    /** Everything billed: answers sent plus cancelled calls ({@link #billedTokens()} + {@link #cancelledBilledTokens()}). */
    public long allBilledTokens() {
        return billedTokens() + cancelledBilledTokens();
    }

    /** The 10 s request cap of the current RPM, {@code ceil(rpm / 6)}. */
    public long requestsPer10sLimit() {
        return (rpm + 5) / 6;
    }

    /** Whether no admission ever left a token or request window above the limit in force at the time. */
    public boolean noWindowOver() {
        return tokenWindowsOver == 0 && requestWindowsOver == 0;
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
