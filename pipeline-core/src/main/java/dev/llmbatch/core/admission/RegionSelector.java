package dev.llmbatch.core.admission;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Chooses the deployment for a request: the lowest priority tier first; within a tier, the deployment with the most
 * room (ties rotate, so equal regions share the load) that is not cooling, has a free call slot, whose circuit
 * breaker admits a call (closed, or half-open with no probe out) and whose buckets grant the reservation.
 *
 * <p>An open breaker only ever makes a request wait: when every deployment that could take it is open, the answer is
 * {@link Selection.Wait} until the first open period ends (or {@link Selection.Busy} while probes are out), never
 * {@link Selection.Never}.
 *
 * <p>Deployments named in {@code avoid} (where the previous attempt failed) are used only when no other deployment
 * can take the request within {@code patience}: in a batch pipeline the quotas usually bind, so "no other region has
 * room right now" is the normal case and must not send a retry straight back to the region that just failed.
 *
 * <p>Thread-safe if the limiters are.
 */
public final class RegionSelector {
    /** How long a retry waits for another region before it may go back to one that failed it. */
    public static final Duration DEFAULT_PATIENCE = Duration.ofSeconds(30);

    private final List<List<DeploymentLimiter>> tiers;
    private final List<DeploymentLimiter> all;
    private final long patienceNanos;
    private final AtomicInteger rotation = new AtomicInteger();

    public RegionSelector(List<DeploymentLimiter> limiters) {
        this(limiters, DEFAULT_PATIENCE);
    }

    public RegionSelector(List<DeploymentLimiter> limiters, Duration patience) {
        if (limiters.isEmpty()) {
            throw new IllegalArgumentException("a pool needs at least one deployment");
        }
        TreeMap<Integer, List<DeploymentLimiter>> byTier = new TreeMap<>();
        for (DeploymentLimiter l : limiters) {
            byTier.computeIfAbsent(l.config().priority(), k -> new ArrayList<>()).add(l);
        }
        this.tiers = byTier.values().stream().map(List::copyOf).toList();
        this.all = List.copyOf(limiters);
        this.patienceNanos = patience.toNanos();
    }

    public List<DeploymentLimiter> deployments() {
        return all;
    }

    /** The largest reservation any deployment of this pool can grant. */
    public long largestAdmissible() {
        return all.stream().mapToLong(DeploymentLimiter::largestAdmissible).max().orElse(0);
    }

    /** {@link #select(RequestCost, Set)} for a cost with no rule information. */
    public Selection select(long cost, Set<String> avoid) {
        return select(RequestCost.flat(cost), avoid);
    }

    /** Tries to admit {@code cost}; on success the reservation (and a call slot) has been taken on the result. */
    public Selection select(RequestCost cost, Set<String> avoid) {
        Selection.Admitted chosen = pick(cost, avoid, false);
        if (chosen != null) {
            return chosen;
        }
        Selection others = waitFor(cost.reserve(), avoid, false);
        if (avoid.isEmpty()) {
            return others;
        }
        boolean othersSoon = others instanceof Selection.Busy
                || (others instanceof Selection.Wait w && w.nanos() <= patienceNanos);
        if (othersSoon) {
            return others;
        }
        chosen = pick(cost, avoid, true);
        return chosen != null ? chosen : waitFor(cost.reserve(), avoid, true);
    }

    private Selection.Admitted pick(RequestCost cost, Set<String> avoid, boolean includeAvoided) {
        for (List<DeploymentLimiter> tier : tiers) {
            List<DeploymentLimiter> candidates = new ArrayList<>(tier.size());
            for (DeploymentLimiter l : tier) {
                if (!l.isCooling() && !l.atConcurrencyLimit() && l.breaker().permitsCall()
                        && (includeAvoided || !avoid.contains(l.id()))) {
                    candidates.add(l);
                }
            }
            if (candidates.size() > 1) {
                Collections.rotate(candidates, Math.floorMod(rotation.getAndIncrement(), candidates.size()));
                candidates.sort(Comparator.comparingDouble(DeploymentLimiter::room).reversed());
            }
            for (DeploymentLimiter l : candidates) {
                CircuitBreaker.Permit permit = l.breaker().tryAcquire();
                if (permit == null) {
                    continue;
                }
                DeploymentLimiter.Admission admission = l.tryAcquire(cost);
                if (admission != null) {
                    return new Selection.Admitted(l, permit, admission);
                }
                l.breaker().cancel(permit);
            }
        }
        return null;
    }

    /** When the request could next be admitted, among the avoided deployments too or not. */
    private Selection waitFor(long cost, Set<String> avoid, boolean includeAvoided) {
        long wait = Long.MAX_VALUE;
        boolean busy = false;
        for (DeploymentLimiter l : all) {
            if (!includeAvoided && avoid.contains(l.id())) {
                continue;
            }
            long n = l.nanosUntilAdmissible(cost);
            if (n == Long.MAX_VALUE) {
                continue;
            }
            long health = l.breaker().nanosUntilPermitted();
            if (l.atConcurrencyLimit() || health == Long.MAX_VALUE) {
                busy = true; // a call slot, or the breaker's probe, frees when a call ends
            } else {
                wait = Math.min(wait, Math.max(n, health));
            }
        }
        if (wait != Long.MAX_VALUE) {
            return new Selection.Wait(Math.max(1, wait));
        }
        if (busy) {
            return new Selection.Busy();
        }
        if (!includeAvoided && !avoid.isEmpty()) {
            // Only avoided deployments could ever take it: that is no reason to wait.
            return new Selection.Wait(Long.MAX_VALUE);
        }
        return new Selection.Never();
    }

    /** Result of {@link #select}. */
    public sealed interface Selection {
        /**
         * Admitted; the reservation is made. {@code permit} is the breaker's: hand it back with the call's outcome
         * ({@code deployment.breaker().onResult(permit, outcome)}); {@code admission} goes back to
         * {@code deployment.observeRemaining} with the service's remaining-quota headers.
         */
        record Admitted(DeploymentLimiter deployment, CircuitBreaker.Permit permit,
                DeploymentLimiter.Admission admission) implements Selection {
        }

        /** Nothing has room now; the earliest a deployment could admit it is in {@code nanos}. */
        record Wait(long nanos) implements Selection {
        }

        /**
         * Every deployment that could take it has all its call slots in use, or its breaker's probe out; one frees
         * when a call ends.
         */
        record Busy() implements Selection {
        }

        /** No deployment of the pool could ever admit a request this large. */
        record Never() implements Selection {
        }
    }
}
