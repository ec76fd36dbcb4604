package dev.llmbatch.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Loads a worker configuration: built-in defaults ({@code pipeline-defaults.yaml} declares every key once, with the
 * keys of named entries such as a model pool in templates), then the file, then environment overrides
 * ({@code PIPELINE_} + the key path upper-cased with {@code . - [ ]} as {@code _}); then binds the result to the
 * config records with Jackson ({@link ConfigBinder}), whose constructors validate, failing with a
 * {@link ConfigException} that names the key. Stateless and thread-safe.
 */
public final class ConfigLoader {
    /** Prefix of every environment override. */
    public static final String ENV_PREFIX = "PIPELINE_";
    static final ObjectMapper YAML = ConfigBinder.mapper(true);
    private static final String DEFAULTS = "pipeline-defaults.yaml";
    /** The first document of the defaults file: every fixed key with its default. */
    private static final ObjectNode KEYS;
    /** The second: the keys of each named entry (a model pool, a deployment, a task), by path pattern. */
    private static final ObjectNode TEMPLATES;

    static {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + DEFAULTS);
            }
            List<ObjectNode> docs = YAML.readerFor(ObjectNode.class).<ObjectNode>readValues(in).readAll();
            KEYS = docs.get(0);
            TEMPLATES = docs.get(1);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + DEFAULTS, e);
        }
    }

    private ConfigLoader() {
    }

    public static PipelineConfig load(Path file, Map<String, String> env) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        return parse(text, env);
    }

    public static PipelineConfig parse(String yaml, Map<String, String> env) {
        return bind(read(yaml), env);
    }

    /** The mapping a config file holds; an empty one for an empty file. */
    static ObjectNode read(String yaml) {
        JsonNode file;
        try {
            file = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new ConfigException("config is not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()), e);
        }
        if (file == null || file.isMissingNode() || file.isNull()) {
            return YAML.createObjectNode();
        }
        if (!(file instanceof ObjectNode o)) {
            throw new ConfigException("config must be a YAML mapping at the top level");
        }
        return o;
    }

    /** Binds a config file's content (left unchanged) over the defaults, with {@code env}'s overrides. */
    static PipelineConfig bind(ObjectNode file, Map<String, String> env) {
        ObjectNode merged = resolve(file, env);
        name(merged, "models");
        name(merged, "tasks");
        return ConfigBinder.bind(YAML, merged, PipelineConfig.class, ConfigException::new);
    }

    /**
     * The {@code kafka} settings of the built-in defaults with environment overrides, for commands that need the
     * topic names and the cluster but no worker config file (no model pools).
     */
    public static KafkaSettings kafkaDefaults(Map<String, String> env) {
        JsonNode kafka = resolve(YAML.createObjectNode(), env).get("kafka");
        return ConfigBinder.bind(YAML, kafka, KafkaSettings.class, (k, p) -> new ConfigException(
                ConfigTree.join("kafka", k), p));
    }

    /** The defaults of {@code key} (empty: all) of the template {@code pattern}, e.g. a pool's batching. */
    static <T> T templateDefaults(String pattern, String key, Class<T> type) {
        JsonNode t = key.isEmpty() ? TEMPLATES.get(pattern) : TEMPLATES.get(pattern).get(key);
        return ConfigBinder.bind(YAML, t, type, (k, p) -> new IllegalStateException(DEFAULTS + " " + pattern + " "
                + ConfigTree.join(key, k) + " " + p));
    }

    private static ObjectNode resolve(ObjectNode file, Map<String, String> env) {
        ObjectNode merged = file.deepCopy();
        ConfigTree.underlay(merged, KEYS);
        ConfigTree.applyTemplates(merged, TEMPLATES);
        applyEnv(merged, "", env);
        String missing = ConfigTree.firstRequired(merged, "");
        if (missing != null) {
            throw new ConfigException(missing, "is required");
        }
        return merged;
    }

    /** Gives each entry of the mapping {@code field} its key as {@code name}: pools and tasks are named by keys. */
    private static void name(ObjectNode root, String field) {
        JsonNode entries = root.get(field);
        if (entries instanceof ObjectNode o) {
            o.fields().forEachRemaining(e -> {
                if (e.getValue() instanceof ObjectNode entry) {
                    if (entry.has("name")) {
                        throw new ConfigException(field + "." + e.getKey() + ".name", "is not a known key (an "
                                + "entry is named by its key)");
                    }
                    entry.put("name", e.getKey());
                }
            });
        }
    }

    /** The environment variable name that overrides a key path. */
    public static String envName(String path) {
        return ENV_PREFIX + path.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]+", "_").replaceAll("_+$", "");
    }

    private static void applyEnv(JsonNode node, String path, Map<String, String> env) {
        if (node instanceof ObjectNode o) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            for (String f : names) {
                String p = ConfigTree.join(path, f);
                JsonNode child = o.get(f);
                if (child.isContainerNode()) {
                    applyEnv(child, p, env);
                } else {
                    String v = env.get(envName(p));
                    if (v != null) {
                        o.set(f, JsonNodeFactory.instance.textNode(v));
                    }
                }
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                String p = path + "[" + i + "]";
                if (a.get(i).isContainerNode()) {
                    applyEnv(a.get(i), p, env);
                } else {
                    String v = env.get(envName(p));
                    if (v != null) {
                        a.set(i, JsonNodeFactory.instance.textNode(v));
                    }
                }
            }
        }
    }
}
