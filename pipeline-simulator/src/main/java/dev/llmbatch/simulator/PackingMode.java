package dev.llmbatch.simulator;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * How a deployment's model treats the reply schema of a packed request (prompt-packing protocol, issue 9): whether
 * it follows it, or plays a model that ignores it, so that a client's detection of a packing-hostile model (and its
 * falling back to single requests) can be tested. Set per deployment with YAML {@code packing}, or at runtime with
 * {@link Simulator#setPacking} / {@code POST /sim/admin/packing}. Immutable.
 */
public enum PackingMode {
    /** Packed requests are answered with {@link FakeModel#packedReply}: one entry per item. */
    FOLLOW("follow"),
    /**
     * Packed requests are admitted, charged, delayed and faulted like any other, but answered with the plain text
     * {@link FakeModel#ignoredPackingReply} (the request read as an ordinary one) under the same token rule: it
     * never parses as the packing JSON, so every item of the request fails on the client's side.
     */
    IGNORE("ignore");

    private final String yamlName;

    PackingMode(String yamlName) {
        this.yamlName = yamlName;
    }

    /** The name used in YAML and in the admin endpoint. */
    @JsonValue
    public String yamlName() {
        return yamlName;
    }

    /** Looks a mode up by its YAML name, or null. */
    public static PackingMode fromYaml(String name) {
        for (PackingMode m : values()) {
            if (m.yamlName.equals(name)) {
                return m;
            }
        }
        return null;
    }
}
