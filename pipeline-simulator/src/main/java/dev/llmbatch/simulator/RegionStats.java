package dev.llmbatch.simulator;

import java.util.Map;

/**
 * A snapshot of one region's counters, taken on the region's event loop so that it is consistent. Immutable and
 * thread-safe. {@code GET /sim/stats} on the region's port returns the same data as JSON ({@link #toJson()}).
 *
 * @param region region name
 * @param displayName the {@code x-ms-region} value
 * @param simulatedSeconds simulated seconds since the simulator started, when the snapshot was taken
 * @param unauthorized requests refused with 401
 * @param notRouted requests answered without reaching a deployment: unknown route, bad api-version, unknown
 *                  deployment (404), or a v1 request without a usable JSON body or {@code model} (400)
 * @param hangingConnections requests currently held open by a hang fault
 * @param deployments per deployment name, in configuration order
 */
public record RegionStats(String region, String displayName, double simulatedSeconds, long unauthorized,
                          long notRouted, int hangingConnections, Map<String, DeploymentStats> deployments) {

    /** Copies the map (keeping its order). */
    public RegionStats {
        deployments = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(deployments));
    }

    /** The named deployment's stats, or throws {@link IllegalArgumentException}. */
    public DeploymentStats deployment(String name) {
        DeploymentStats d = deployments.get(name);
        if (d == null) {
            throw new IllegalArgumentException("region " + region + " has no deployment " + name);
        }
        return d;
    }

    /** The snapshot as the JSON that {@code GET /sim/stats} returns (snake_case keys). */
    public String toJson() {
        return StatsJson.toJson(this).encodePrettily();
    }

    /** Parses the JSON of {@code GET /sim/stats} back into a snapshot. */
    public static RegionStats fromJson(String json) {
        return StatsJson.fromJson(new io.vertx.core.json.JsonObject(json));
    }
}
