package dev.llmbatch.bench;

import dev.llmbatch.bench.stats.SecondSeries;
import dev.llmbatch.simulator.DeploymentStats;
import dev.llmbatch.simulator.Simulator;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Reads a running simulator: its simulated time, per-region deployment stats, and waits for simulated instants
 * (scheduled on a timer from the scaled clock, never a sleep).
 */
final class SimProbe implements AutoCloseable {
    final Simulator sim;
    final double timeScale;
    /** Simulated-clock reading at the simulator's second 0. */
    final long simStartNanos;
    /** Wall-clock millis at the simulator's second 0. */
    final long simStartWallMillis;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-sim-probe");
        t.setDaemon(true);
        return t;
    });

    SimProbe(Simulator sim) {
        this.sim = sim;
        this.timeScale = sim.config().timeScale();
        long wall = System.currentTimeMillis();
        long clock = sim.simulatedClock().nanos();
        double s = sim.stats(sim.regions().get(0)).simulatedSeconds();
        this.simStartNanos = clock - (long) (s * 1e9);
        this.simStartWallMillis = wall - (long) (s * 1000 / timeScale);
    }

    double simSeconds() {
        return (sim.simulatedClock().nanos() - simStartNanos) / 1e9;
    }

    /** Simulated second of a wall-clock instant. */
    double simSecondOfWall(long wallMillis) {
        return (wallMillis - simStartWallMillis) * timeScale / 1000.0;
    }

    Map<String, DeploymentStats> stats() {
        Map<String, DeploymentStats> out = new LinkedHashMap<>();
        for (String r : sim.regions()) {
            out.put(r, sim.stats(r).deployment(SimSetup.DEPLOYMENT));
        }
        return out;
    }

    static SecondSeries series(DeploymentStats d) {
        return SecondSeries.of(d.admittedTokensPerSecondFrom(), d.admittedTokensPerSecond());
    }

    /** Waits until simulated second {@code target} has passed. */
    void awaitSimSecond(double target) throws Exception {
        double left = target - simSeconds();
        if (left <= 0) {
            return;
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        timer.schedule(() -> f.complete(null), (long) Math.ceil(left / timeScale * 1e6), TimeUnit.MICROSECONDS);
        f.get((long) (left / timeScale) + 60, TimeUnit.SECONDS);
    }

    /** Waits until any deployment admitted a request; returns that simulated second (floored). */
    long awaitFirstAdmission(Duration timeout) throws Exception {
        CompletableFuture<Long> f = new CompletableFuture<>();
        ScheduledFuture<?> poll = timer.scheduleAtFixedRate(() -> {
            try {
                long accepted = stats().values().stream().mapToLong(DeploymentStats::accepted).sum();
                if (accepted > 0) {
                    f.complete((long) Math.floor(simSeconds()));
                }
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        }, 0, 10, TimeUnit.MILLISECONDS);
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            poll.cancel(false);
        }
    }

    /** Sum over regions of a counter. */
    static long sum(Map<String, DeploymentStats> m, java.util.function.ToLongFunction<DeploymentStats> f) {
        return m.values().stream().mapToLong(f).sum();
    }

    static List<String> regions(Map<String, DeploymentStats> m) {
        return List.copyOf(m.keySet());
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
