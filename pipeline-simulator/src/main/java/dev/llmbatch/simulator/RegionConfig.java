package dev.llmbatch.simulator;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One simulated Azure OpenAI region: one HTTP server on its own port serving some deployments. Keys and defaults
 * are listed in {@link SimulatorConfig}. Immutable; validated on construction with messages naming the YAML key.
 *
 * @param name region name, e.g. {@code swedencentral}
 * @param port listening port, 0 for a free one
 * @param displayName sent as {@code x-ms-region}, e.g. {@code Sweden Central}
 * @param latency latency model
 * @param faults configured fault windows, in simulated seconds since start (first match applies)
 * @param deployments the deployments, at least one, unique names
 * @param apiKeys the keys this region accepts on chat calls; null for the simulator's {@code api-keys}
 */
public record RegionConfig(String name, int port, String displayName, LatencyConfig latency,
                           List<FaultWindow> faults, List<DeploymentConfig> deployments, List<String> apiKeys) {

    /** A region that accepts the simulator's keys. */
    public RegionConfig(String name, int port, String displayName, LatencyConfig latency, List<FaultWindow> faults,
                        List<DeploymentConfig> deployments) {
        this(name, port, displayName, latency, faults, deployments, null);
    }

    /** Validates every value; messages name the YAML key. */
    public RegionConfig {
        if (name == null || !name.matches("[A-Za-z0-9._-]+")) {
            throw new SimulatorConfigException("name", "must be a non-empty name of letters, digits, '.', '_' or '-'"
                    + ", got " + name);
        }
        if (port < 0 || port > 65535) {
            throw new SimulatorConfigException("port", "must be in [0, 65535], got " + port);
        }
        if (displayName == null || displayName.isBlank()) {
            throw new SimulatorConfigException("display-name", "must not be empty");
        }
        Objects.requireNonNull(latency, "latency");
        faults = List.copyOf(faults);
        deployments = List.copyOf(deployments);
        if (apiKeys != null) {
            apiKeys = List.copyOf(apiKeys);
            if (apiKeys.isEmpty() || apiKeys.stream().anyMatch(String::isBlank)) {
                throw new SimulatorConfigException("api-keys", "must list at least one non-blank key");
            }
        }
        if (deployments.isEmpty()) {
            throw new SimulatorConfigException("deployments", "must list at least one deployment");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < deployments.size(); i++) {
            if (!names.add(deployments.get(i).name())) {
                throw new SimulatorConfigException("deployments[" + i + "].name",
                        "must be unique in the region, '" + deployments.get(i).name() + "' appears twice");
            }
        }
    }

    @Override
    public String toString() {
        return "RegionConfig[name=" + name + ", port=" + port + ", displayName=" + displayName + ", latency="
                + latency + ", faults=" + faults + ", deployments=" + deployments + ", apiKeys="
                + (apiKeys == null ? "global" : "(" + apiKeys.size() + " hidden)") + "]";
    }

    /** The deployment with this name, or null. */
    public DeploymentConfig deployment(String deploymentName) {
        for (DeploymentConfig d : deployments) {
            if (d.name().equals(deploymentName)) {
                return d;
            }
        }
        return null;
    }
}
