package dev.llmbatch.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Builds the content of a worker config file for tests and benchmarks, instead of YAML text put together by hand:
 * set keys by their path (the path error messages and environment overrides use), then {@link #build} the
 * {@link PipelineConfig} exactly as {@link ConfigLoader} would load that file (defaults, overrides, validation), or
 * write it out with {@link #toYaml} for a worker process. Knows no key itself, so a new key needs nothing here; a
 * misspelt one fails at {@link #build} with its path. Not thread-safe; {@link #copy} before changing a shared one.
 *
 * <pre>{@code
 * PipelineConfig c = PipelineConfig.builder()
 *         .set("kafka.bootstrap", "localhost:9092")
 *         .pool("gpt-4o-mini", "o200k_base")
 *         .deployment("gpt-4o-mini", "eastus", "http://127.0.0.1:8081", "gpt-4o-mini", "KEY_ENV", 150_000, 900)
 *         .set("models.gpt-4o-mini.batching.max-items", 8)
 *         .build(Map.of("KEY_ENV", "k"));
 * }</pre>
 */
public final class ConfigBuilder {
    private final ObjectNode tree;

    ConfigBuilder() {
        this(ConfigLoader.YAML.createObjectNode());
    }

    private ConfigBuilder(ObjectNode tree) {
        this.tree = tree;
    }

    /** A builder starting from a config file's content (e.g. an example file). */
    public static ConfigBuilder of(String yaml) {
        return new ConfigBuilder(ConfigLoader.read(yaml));
    }

    /**
     * Sets the key at {@code path} ({@code worker.time-scale}, {@code models.m.deployments[0].tpm}) to {@code value}:
     * a scalar, or a {@code Map} / {@code List} for a whole mapping or list (e.g. {@code kafka.properties}, whose keys
     * contain dots); mappings on the way are created, a list index may be one past the end to append.
     */
    public ConfigBuilder set(String path, Object value) {
        JsonNode v = ConfigLoader.YAML.valueToTree(value);
        JsonNode parent = tree;
        String[] segments = path.split("\\.");
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            int bracket = s.indexOf('[');
            String key = bracket < 0 ? s : s.substring(0, bracket);
            boolean last = i == segments.length - 1;
            if (bracket < 0) {
                parent = last ? put((ObjectNode) parent, key, v) : ((ObjectNode) parent).withObjectProperty(key);
            } else {
                ArrayNode list = ((ObjectNode) parent).withArrayProperty(key);
                int index = Integer.parseInt(s.substring(bracket + 1, s.length() - 1));
                if (index == list.size()) {
                    list.add(last ? v : ConfigLoader.YAML.createObjectNode());
                } else if (last) {
                    list.set(index, v);
                }
                parent = list.get(index);
            }
        }
        return this;
    }

    /**
     * Merges a YAML mapping into the mapping at {@code path} ({@code ""} for the whole file, {@code worker}, ...):
     * its keys replace those set before, mappings merge key by key. For settings a caller is handed as YAML.
     */
    public ConfigBuilder merge(String path, String yamlMapping) {
        ObjectNode at = tree;
        for (String s : path.isEmpty() ? new String[0] : path.split("\\.")) {
            at = at.withObjectProperty(s);
        }
        ConfigTree.merge(at, ConfigLoader.read(yamlMapping));
        return this;
    }

    private static JsonNode put(ObjectNode parent, String key, JsonNode v) {
        parent.set(key, v);
        return v;
    }

    /** Declares the model pool {@code name} with its {@code encoding} (o200k_base, cl100k_base, ...). */
    public ConfigBuilder pool(String name, String encoding) {
        return set("models." + name + ".encoding", encoding);
    }

    /** Adds a deployment reached with the API key in environment variable {@code apiKeyEnv} to pool {@code pool}. */
    public ConfigBuilder deployment(String pool, String region, String endpoint, String deployment, String apiKeyEnv,
            long tpm, long rpm) {
        return set("models." + pool + ".deployments[" + deployments(pool) + "]", Map.of("region", region,
                "endpoint", endpoint, "deployment", deployment, "api-key-env", apiKeyEnv, "tpm", tpm, "rpm", rpm));
    }

    private int deployments(String pool) {
        JsonNode list = tree.path("models").path(pool).path("deployments");
        return list.isArray() ? list.size() : 0;
    }

    /** Declares the task {@code name}: its system message, max_tokens and whether its jobs may be packed. */
    public ConfigBuilder task(String name, String system, int maxTokens, boolean batchable) {
        return set("tasks." + name, Map.of("system", system, "max-tokens", maxTokens, "batchable", batchable));
    }

    /** The config this file would load as, with no environment overrides. */
    public PipelineConfig build() {
        return build(Map.of());
    }

    /** The config this file would load as with {@code env} (overrides; the variables keys are read from). */
    public PipelineConfig build(Map<String, String> env) {
        return ConfigLoader.bind(tree, env);
    }

    /** The file's content as YAML: only the keys set here (the defaults stay the worker's own). */
    public String toYaml() {
        try {
            return ConfigLoader.YAML.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An independent copy, for variations of one base. */
    public ConfigBuilder copy() {
        return new ConfigBuilder(tree.deepCopy());
    }
}
