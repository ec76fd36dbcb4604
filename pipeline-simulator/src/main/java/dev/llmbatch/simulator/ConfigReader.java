package dev.llmbatch.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbatch.core.config.ConfigBinder;
import dev.llmbatch.core.config.ConfigTree;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Reads simulator configs: the file over {@code simulator-defaults.yaml} (which declares every key once), the defaults
 * that follow another key filled in ({@code display-name} and {@code model} = {@code name}, {@code rpm} from
 * {@code tpm}, a fault window's {@code to-s} = forever, which YAML cannot write as a number), then bound to the records with Jackson ({@link ConfigBinder}); their constructors check ranges. Every
 * failure is a {@link SimulatorConfigException} naming the key's path. Stateless and thread-safe.
 */
final class ConfigReader {
    private static final ObjectMapper YAML = ConfigBinder.mapper(false);
    private static final ObjectNode KEYS;
    private static final ObjectNode TEMPLATES;

    static {
        try (InputStream in = ConfigReader.class.getResourceAsStream("simulator-defaults.yaml")) {
            List<ObjectNode> docs = YAML.readerFor(ObjectNode.class).<ObjectNode>readValues(in).readAll();
            KEYS = docs.get(0);
            TEMPLATES = docs.get(1);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read simulator-defaults.yaml", e);
        }
    }

    private ConfigReader() {
    }

    static SimulatorConfig parse(String yaml) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new SimulatorConfigException("", "config is not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            root = YAML.createObjectNode();
        }
        ObjectNode merged = mapping(root, "").deepCopy();
        ConfigTree.underlay(merged, KEYS);
        ConfigTree.applyTemplates(merged, TEMPLATES);
        String missing = ConfigTree.firstRequired(merged, "");
        if (missing != null) {
            throw new SimulatorConfigException(missing, "is required");
        }
        merged.path("regions").forEach(r -> {
            follow(r, "display-name", r.get("name"));
            r.path("faults").forEach(f -> follow(f, "to-s",
                    YAML.getNodeFactory().numberNode(Double.POSITIVE_INFINITY)));
            r.path("deployments").forEach(d -> {
                follow(d, "model", d.get("name"));
                JsonNode tpm = d.get("tpm");
                if (tpm != null && tpm.canConvertToLong() && tpm.isIntegralNumber()) {
                    long t = tpm.longValue();
                    follow(d, "rpm", YAML.getNodeFactory().numberNode(t > 0 ? (t * 6 + 999) / 1000 : 1));
                }
            });
        });
        return bind(merged, SimulatorConfig.class);
    }

    /** A fault spec given as JSON or YAML (the admin endpoint's body); {@code {}} is no faults. */
    static FaultSpec faultSpec(JsonNode node) {
        ObjectNode defaults = ((ObjectNode) TEMPLATES.get("regions[*].faults[*]")).deepCopy();
        defaults.remove(List.of("from-s", "to-s"));
        return bind(withDefaults(node, defaults), FaultSpec.class);
    }

    /** Batch faults given as JSON or YAML (the admin endpoint's body); {@code {}} is none. */
    static BatchFaults batchFaults(JsonNode node) {
        return bind(withDefaults(node, TEMPLATES.get("regions[*].deployments[*].batch-faults")), BatchFaults.class);
    }

    private static ObjectNode withDefaults(JsonNode node, JsonNode defaults) {
        ObjectNode out = mapping(node, "").deepCopy();
        ConfigTree.underlay(out, (ObjectNode) defaults);
        return out;
    }

    private static ObjectNode mapping(JsonNode node, String path) {
        if (!(node instanceof ObjectNode o)) {
            throw new SimulatorConfigException(path, "must be a mapping of keys to values, got "
                    + ConfigBinder.describe(node));
        }
        return o;
    }

    /** Sets {@code key} to {@code value} where the file left it null (its default follows another key). */
    private static void follow(JsonNode node, String key, JsonNode value) {
        if (node instanceof ObjectNode o && o.path(key).isNull() && value != null) {
            o.set(key, value);
        }
    }

    private static <T> T bind(JsonNode tree, Class<T> type) {
        return ConfigBinder.bind(YAML, tree, type, SimulatorConfigException::new);
    }
}
