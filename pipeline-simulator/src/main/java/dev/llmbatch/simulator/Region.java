package dev.llmbatch.simulator;

import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import dev.llmbatch.core.time.Ticker;
import io.vertx.core.http.HttpServerResponse;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One region's mutable state: deployments, counters, seeded randomness, the runtime fault override and the
 * responses held open by hang faults. Confined to the region's event-loop context; nothing here is locked.
 */
final class Region {
    final RegionConfig config;
    final SimulatorConfig global;
    final Ticker clock;
    final long startNanos;
    /** Latency, shedding and fault draws, in request order. */
    final SplittableRandom random;
    /** Ids only, so that ids do not shift the latency and fault draws. */
    private final SplittableRandom ids;
    /** Packed-reply corruption draws only ({@link BatchFaults}), so that they do not shift the other draws. */
    final SplittableRandom batchRandom;
    private final Map<String, DeploymentState> deployments = new LinkedHashMap<>();
    final Set<HttpServerResponse> hanging = new HashSet<>();
    final Pattern apiVersions;
    private FaultSpec faultOverride;
    /** The runtime latency model ({@link Simulator#setLatency}), else null: the configured one. */
    private LatencyConfig latencyOverride;
    private BatchFaults batchFaultOverride;
    long unauthorized;
    long notRouted;
    /** The keys chat calls are accepted with: the region's {@code api-keys}, the global ones, or a runtime switch. */
    Set<String> acceptedKeys;

    Region(RegionConfig config, SimulatorConfig global, Ticker clock, long startNanos, EncodingRegistry encodings) {
        this.config = config;
        this.global = global;
        this.clock = clock;
        this.startNanos = startNanos;
        long seed = global.seed() ^ config.name().hashCode();
        this.random = new SplittableRandom(seed);
        this.ids = new SplittableRandom(~seed);
        this.batchRandom = new SplittableRandom(Long.rotateLeft(seed, 32) ^ 0x9E3779B97F4A7C15L);
        this.apiVersions = Pattern.compile(global.apiVersionsAccept());
        this.acceptedKeys = Set.copyOf(config.apiKeys() != null ? config.apiKeys() : global.apiKeys());
        for (DeploymentConfig d : config.deployments()) {
            EncodingType type = EncodingType.fromName(d.encoding()).orElseThrow();
            deployments.put(d.name(), new DeploymentState(d, encodings.getEncoding(type)));
        }
    }

    DeploymentState deployment(String name) {
        return name == null ? null : deployments.get(name);
    }

    long now() {
        return clock.nanos();
    }

    double simulatedSeconds(long now) {
        return (now - startNanos) / 1e9;
    }

    long second(long now) {
        return Math.max(0, Math.floorDiv(now - startNanos, 1_000_000_000L));
    }

    /** The runtime override if one was set, else the first configured window covering {@code now}, else none. */
    FaultSpec faults(long now) {
        if (faultOverride != null) {
            return faultOverride;
        }
        double s = simulatedSeconds(now);
        for (FaultWindow w : config.faults()) {
            if (w.covers(s)) {
                return w.faults();
            }
        }
        return FaultSpec.none();
    }

    void setFaults(FaultSpec spec) {
        this.faultOverride = spec;
    }

    /** The runtime latency model if one was set, else the configured one. */
    LatencyConfig latency() {
        return latencyOverride != null ? latencyOverride : config.latency();
    }

    void setLatency(LatencyConfig latency) {
        this.latencyOverride = latency;
    }

    /** The runtime override if one was set, else the deployment's configured {@code batch-faults}. */
    BatchFaults batchFaults(DeploymentState d) {
        return batchFaultOverride != null ? batchFaultOverride : d.config.batchFaults();
    }

    void setBatchFaults(BatchFaults faults) {
        this.batchFaultOverride = faults;
    }

    void setQuota(String deployment, long tpm, long rpm) {
        existing(deployment).limiter.setLimits(tpm, rpm);
    }

    void setApiKeys(java.util.List<String> keys) {
        this.acceptedKeys = Set.copyOf(keys);
    }

    void setMissing(String deployment, boolean missing) {
        existing(deployment).missing = missing;
    }

    void setPacking(String deployment, PackingMode mode) {
        existing(deployment).packing = mode;
    }

    private DeploymentState existing(String deployment) {
        DeploymentState d = deployments.get(deployment);
        if (d == null) {
            throw new IllegalArgumentException("region " + config.name() + " has no deployment " + deployment);
        }
        return d;
    }

    /** The only deployment, for admin calls that omit it; null when there are several. */
    String soleDeployment() {
        return deployments.size() == 1 ? deployments.keySet().iterator().next() : null;
    }

    String newRequestId() {
        return new UUID(ids.nextLong(), ids.nextLong()).toString();
    }

    String newCompletionId() {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder sb = new StringBuilder("chatcmpl-");
        for (int i = 0; i < 29; i++) {
            sb.append(alphabet.charAt(ids.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    RegionStats snapshot() {
        long now = now();
        long second = second(now);
        Map<String, DeploymentStats> out = new LinkedHashMap<>();
        deployments.forEach((name, d) -> out.put(name, d.snapshot(second)));
        return new RegionStats(config.name(), config.displayName(), simulatedSeconds(now), unauthorized, notRouted,
                hanging.size(), out);
    }
}
