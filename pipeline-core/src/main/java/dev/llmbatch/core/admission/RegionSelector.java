package dev.llmbatch.core.admission;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * Chooses the deployment for a request: the lowest priority tier first; within a tier, the deployment with the most
 * room that is not cooling and whose buckets grant the reservation. Deployments named in {@code avoid} (where the
 * previous attempt failed) are tried only when no other deployment can take the request now.
 *
 * <p>Stateless apart from the limiters it is given; thread-safe if they are.
 */
public final class RegionSelector {
    private final List<List<DeploymentLimiter>> tiers;
    private final List<DeploymentLimiter> all;

    public RegionSelector(List<DeploymentLimiter> limiters) {
        if (limiters.isEmpty()) {
            throw new IllegalArgumentException("a pool needs at least one deployment");
        }
        TreeMap<Integer, List<DeploymentLimiter>> byTier = new TreeMap<>();
        for (DeploymentLimiter l : limiters) {
            byTier.computeIfAbsent(l.config().priority(), k -> new ArrayList<>()).add(l);
        }
        this.tiers = byTier.values().stream().map(List::copyOf).toList();
        this.all = List.copyOf(limiters);
    }

    public List<DeploymentLimiter> deployments() {
        return all;
    }

    /** The largest reservation any deployment of this pool can grant. */
    public long largestAdmissible() {
        return all.stream().mapToLong(DeploymentLimiter::largestAdmissible).max().orElse(0);
    }

    /** Tries to admit {@code cost}; on success the reservation has been made on the returned deployment. */
    public Selection select(long cost, Set<String> avoid) {
        DeploymentLimiter chosen = pick(cost, avoid, false);
        if (chosen == null && !avoid.isEmpty()) {
            chosen = pick(cost, avoid, true);
        }
        if (chosen != null) {
            return new Selection.Admitted(chosen);
        }
        long wait = Long.MAX_VALUE;
        for (DeploymentLimiter l : all) {
            wait = Math.min(wait, l.nanosUntilAdmissible(cost));
        }
        return wait == Long.MAX_VALUE ? new Selection.Never() : new Selection.Wait(Math.max(1, wait));
    }

    private DeploymentLimiter pick(long cost, Set<String> avoid, boolean includeAvoided) {
        for (List<DeploymentLimiter> tier : tiers) {
            List<DeploymentLimiter> candidates = new ArrayList<>(tier.size());
            for (DeploymentLimiter l : tier) {
                if (!l.isCooling() && (includeAvoided || !avoid.contains(l.id()))) {
                    candidates.add(l);
                }
            }
            if (candidates.size() > 1) {
                candidates.sort(Comparator.comparingDouble(DeploymentLimiter::room).reversed());
            }
            for (DeploymentLimiter l : candidates) {
                if (l.tryAcquire(cost)) {
                    return l;
                }
            }
        }
        return null;
    }

    /** Result of {@link #select}. */
    public sealed interface Selection {
        /** Admitted; the reservation is made. */
        record Admitted(DeploymentLimiter deployment) implements Selection {
        }

        /** Nothing has room now; the earliest a deployment could admit it is in {@code nanos}. */
        record Wait(long nanos) implements Selection {
        }

        /** No deployment of the pool could ever admit a request this large. */
        record Never() implements Selection {
        }
    }
}
