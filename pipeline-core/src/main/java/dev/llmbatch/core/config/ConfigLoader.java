package dev.llmbatch.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.llmbatch.core.offsets.OffsetTracker;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Loads a worker configuration: built-in defaults (one YAML resource declares every key once), then the file, then
 * environment overrides ({@code PIPELINE_} + the key path upper-cased with {@code . - [ ]} as {@code _}); then
 * validates everything, failing with a {@link ConfigException} that names the key. Stateless and thread-safe.
 */
public final class ConfigLoader {
    /** Prefix of every environment override. */
    public static final String ENV_PREFIX = "PIPELINE_";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String DEFAULTS = "pipeline-defaults.yaml";

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
        ObjectNode merged = defaults();
        JsonNode file;
        try {
            file = YAML.readTree(yaml);
        } catch (IOException e) {
            throw new ConfigException("config is not valid YAML: " + e.getMessage(), e);
        }
        if (file != null && !file.isMissingNode() && !file.isNull()) {
            if (!file.isObject()) {
                throw new ConfigException("config must be a YAML mapping at the top level");
            }
            merge(merged, (ObjectNode) file);
        }
        applyEnv(merged, "", env);
        return bind(merged);
    }

    /**
     * The {@code kafka} settings of the built-in defaults with environment overrides, for commands that need the
     * topic names and the cluster but no worker config file (no model pools).
     */
    public static KafkaSettings kafkaDefaults(Map<String, String> env) {
        ObjectNode merged = defaults();
        applyEnv(merged, "", env);
        return kafka(new Node(merged, "").child("kafka"));
    }

    private static ObjectNode defaults() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + DEFAULTS);
            }
            return (ObjectNode) YAML.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + DEFAULTS, e);
        }
    }

    private static void merge(ObjectNode target, ObjectNode source) {
        Iterator<Map.Entry<String, JsonNode>> it = source.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode existing = target.get(e.getKey());
            if (existing instanceof ObjectNode eo && e.getValue() instanceof ObjectNode so) {
                merge(eo, so);
            } else {
                target.set(e.getKey(), e.getValue());
            }
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
                String p = path.isEmpty() ? f : path + "." + f;
                JsonNode child = o.get(f);
                if (child.isContainerNode()) {
                    applyEnv(child, p, env);
                } else {
                    String v = env.get(envName(p));
                    if (v != null) {
                        o.set(f, scalar(v));
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
                        a.set(i, scalar(v));
                    }
                }
            }
        }
    }

    private static JsonNode scalar(String v) {
        return JsonNodeFactory.instance.textNode(v);
    }

    private static PipelineConfig bind(ObjectNode root) {
        Node top = new Node(root, "");
        KafkaSettings kafka = kafka(top.child("kafka"));
        Map<String, ModelPool> models = new LinkedHashMap<>();
        top.entries("models").forEach((name, n) -> models.put(name, pool(name, new Node(n, "models." + name))));
        Map<String, TaskTemplate> tasks = new LinkedHashMap<>();
        top.entries("tasks").forEach((name, n) -> tasks.put(name, task(name, new Node(n, "tasks." + name))));
        WorkerSettings worker = worker(top.child("worker"));
        QuotaSettings quota = quota(top.child("quota"));
        top.rejectUnknown();
        if (models.isEmpty()) {
            throw new ConfigException("models must declare at least one model pool");
        }
        if (worker.defaultModel() != null && !models.containsKey(worker.defaultModel())) {
            throw new ConfigException("worker.default-model names '" + worker.defaultModel()
                    + "', which is not a key of models");
        }
        return new PipelineConfig(kafka, worker, models, tasks, quota);
    }

    private static KafkaSettings kafka(Node n) {
        String delivery = n.string("delivery");
        Delivery d = switch (delivery) {
            case "exactly-once" -> Delivery.EXACTLY_ONCE;
            case "at-least-once" -> Delivery.AT_LEAST_ONCE;
            default -> throw new ConfigException(n.key("delivery") + " must be exactly-once or at-least-once, got '"
                    + delivery + "'");
        };
        Map<String, String> props = new LinkedHashMap<>();
        n.entries("properties").forEach((k, v) -> props.put(k, v.asText()));
        KafkaSettings k = new KafkaSettings(nonBlank(n, "bootstrap"), nonBlank(n, "jobs-topic"),
                nonBlank(n, "results-topic"), nonBlank(n, "dlq-topic"), nonBlank(n, "group"), d,
                n.optString("transactional-id"), n.millis("commit-interval-ms", 1), n.intAtLeast("max-poll-records", 1),
                n.intAtLeast("commit-metadata-max-chars", OffsetTracker.MIN_METADATA_CHARS), props,
                n.bool("create-topics"));
        n.rejectUnknown();
        return k;
    }

    private static WorkerSettings worker(Node n) {
        Node backoff = n.child("backoff");
        WorkerSettings.Backoff b = new WorkerSettings.Backoff(backoff.millis("initial-ms", 1),
                backoff.millis("max-ms", 1), backoff.doubleIn("multiplier", 1.0, 100.0),
                backoff.doubleIn("jitter", 0.0, 1.0));
        backoff.rejectUnknown();
        if (b.max().compareTo(b.initial()) < 0) {
            throw new ConfigException("worker.backoff.max-ms must be >= worker.backoff.initial-ms");
        }
        Node bucket = n.child("bucket");
        WorkerSettings.BucketSettings bs = new WorkerSettings.BucketSettings(
                bucket.doubleIn("burst-fraction", 0.001, 0.5), bucket.millis("window-margin-ms", 0));
        bucket.rejectUnknown();
        Node pool = n.child("pool");
        int maxConn = pool.intAtLeast("max-connections-per-region", 1);
        int maxWait = pool.intAtLeast("max-wait-queue", 0);
        pool.rejectUnknown();
        Node http = n.child("http");
        String host = nonBlank(http, "host");
        int port = http.intAtLeast("port", -1);
        http.rejectUnknown();
        Node idem = n.child("idempotency");
        WorkerSettings.IdempotencySettings idempotency = new WorkerSettings.IdempotencySettings(
                idem.bool("enabled"), idem.millis("window-ms", 1), idem.intAtLeast("max-entries", 1));
        idem.rejectUnknown();
        WorkerSettings w = new WorkerSettings(n.optString("default-model"), n.intAtLeast("max-in-flight", 1),
                n.intAtLeast("max-attempts", 1), n.millis("request-timeout-ms", 1), n.millis("grace-period-ms", 0),
                n.millis("default-cooldown-ms", 0), n.millis("max-cooldown-ms", 1),
                n.doubleIn("time-scale", 0.001, 100_000), b, bs, maxConn, maxWait, host, port, idempotency,
                breaker(n.child("breaker")), learning(n.child("learning")), n.millis("misconfigured-probe-ms", 1));
        n.rejectUnknown();
        return w;
    }

    private static QuotaSettings quota(Node n) {
        String store = n.string("store");
        QuotaSettings.Store s = switch (store) {
            case "local" -> QuotaSettings.Store.LOCAL;
            case "redis" -> QuotaSettings.Store.REDIS;
            default -> throw new ConfigException(n.key("store") + " must be local or redis, got '" + store + "'");
        };
        String uri = nonBlank(n, "redis-uri");
        if (!uri.startsWith("redis://") && !uri.startsWith("rediss://")) {
            throw new ConfigException(n.key("redis-uri") + " must be a redis:// or rediss:// URI");
        }
        QuotaSettings q = new QuotaSettings(s, uri, nonBlank(n, "key-prefix"), n.millis("timeout-ms", 1),
                n.millis("schedule-ahead-ms", 1));
        n.rejectUnknown();
        return q;
    }

    private static WorkerSettings.LearningSettings learning(Node n) {
        WorkerSettings.LearningSettings l = new WorkerSettings.LearningSettings(n.string("state-topic").trim(),
                n.millis("persist-interval-ms", 1));
        n.rejectUnknown();
        return l;
    }

    private static WorkerSettings.BreakerSettings breaker(Node n) {
        WorkerSettings.BreakerSettings b = new WorkerSettings.BreakerSettings(n.bool("enabled"),
                n.doubleIn("failure-rate", 0.01, 1.0), n.intAtLeast("minimum-calls", 1), n.millis("window-ms", 1),
                n.millis("open-ms", 1), n.millis("max-open-ms", 1));
        n.rejectUnknown();
        if (b.maxOpen().compareTo(b.open()) < 0) {
            throw new ConfigException(n.key("max-open-ms") + " must be >= " + n.key("open-ms"));
        }
        return b;
    }

    private static ModelPool pool(String name, Node n) {
        String encoding = nonBlank(n, "encoding");
        if (!Set.of("o200k_base", "cl100k_base", "p50k_base", "r50k_base", "p50k_edit").contains(encoding)) {
            throw new ConfigException(n.key("encoding") + " must be a jtokkit encoding such as o200k_base or "
                    + "cl100k_base, got '" + encoding + "'");
        }
        int context = n.has("context-window") ? n.intAtLeast("context-window", 1) : 128_000;
        int defMax = n.has("default-max-tokens") ? n.intAtLeast("default-max-tokens", 1) : 640;
        int maxRequest = n.has("max-request-tokens") ? n.intAtLeast("max-request-tokens", 1) : 8192;
        BatchSettings batching = n.has("batching") ? batching(n.child("batching")) : BatchSettings.DEFAULTS;
        AdaptiveMaxTokens adaptive = n.has("adaptive-max-tokens")
                ? adaptive(n.child("adaptive-max-tokens"), AdaptiveMaxTokens.DEFAULTS) : AdaptiveMaxTokens.DEFAULTS;
        Calibration calibration = Calibration.DEFAULTS;
        if (n.has("calibration")) {
            Node c = n.child("calibration");
            calibration = new Calibration(c.has("enabled") ? c.bool("enabled") : Calibration.DEFAULTS.enabled(),
                    c.has("min-observations") ? c.intAtLeast("min-observations", 1)
                            : Calibration.DEFAULTS.minObservations());
            c.rejectUnknown();
        }
        JsonNode deps = n.rawChild("deployments");
        if (deps == null || !deps.isArray() || deps.isEmpty()) {
            throw new ConfigException(n.key("deployments") + " must list at least one deployment");
        }
        List<DeploymentConfig> list = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < deps.size(); i++) {
            DeploymentConfig d = deployment(new Node(deps.get(i), n.key("deployments") + "[" + i + "]"));
            if (!ids.add(d.id())) {
                throw new ConfigException(n.key("deployments") + "[" + i + "] repeats " + d.id());
            }
            list.add(d);
        }
        ModelPool.Price price = null;
        if (n.has("price")) {
            Node p = n.child("price");
            price = new ModelPool.Price(p.doubleIn("input-per-1k", 0, 1_000_000),
                    p.doubleIn("output-per-1k", 0, 1_000_000));
            p.rejectUnknown();
        }
        HedgingSettings hedging = n.has("hedging") ? hedging(n.child("hedging")) : HedgingSettings.DEFAULTS;
        n.rejectUnknown();
        return new ModelPool(name, encoding, context, defMax, maxRequest, batching, list, adaptive, calibration,
                price, hedging);
    }

    private static HedgingSettings hedging(Node n) {
        HedgingSettings d = HedgingSettings.DEFAULTS;
        try {
            HedgingSettings h = new HedgingSettings(n.has("enabled") ? n.bool("enabled") : d.enabled(),
                    n.has("quantile") ? n.doubleIn("quantile", 0, 1) : d.quantile(),
                    n.has("min-samples") ? n.intAtLeast("min-samples", 1) : d.minSamples(),
                    n.has("max-extra-token-share") ? n.doubleIn("max-extra-token-share", 0, 1)
                            : d.maxExtraTokenShare(),
                    n.has("window-ms") ? n.longAtLeast("window-ms", 1) : d.windowMs(),
                    n.has("max-batch-items") ? n.intAtLeast("max-batch-items", 1) : d.maxBatchItems(),
                    n.has("min-delay-ms") ? n.longAtLeast("min-delay-ms", 0) : d.minDelayMs(),
                    n.has("half-life-ms") ? n.longAtLeast("half-life-ms", 1) : d.halfLifeMs());
            n.rejectUnknown();
            return h;
        } catch (ConfigException e) {
            if (!e.getMessage().startsWith("hedging.")) {
                throw e; // already names its whole key
            }
            throw new ConfigException(n.path().substring(0, n.path().length() - "hedging".length())
                    + e.getMessage(), e);
        }
    }

    /** Learned-budget settings; keys absent fall back to {@code base} (the pool's, for a task). */
    private static AdaptiveMaxTokens adaptive(Node n, AdaptiveMaxTokens base) {
        AdaptiveMaxTokens a = new AdaptiveMaxTokens(n.has("enabled") ? n.bool("enabled") : base.enabled(),
                n.has("quantile") ? n.doubleIn("quantile", 0.51, 0.9999) : base.quantile(),
                n.has("margin") ? n.doubleIn("margin", 0, 10) : base.margin(),
                n.has("min-samples") ? n.intAtLeast("min-samples", 1) : base.minSamples());
        n.rejectUnknown();
        return a;
    }

    private static BatchSettings batching(Node n) {
        BatchSettings d = BatchSettings.DEFAULTS;
        BatchSettings b = new BatchSettings(n.has("enabled") ? n.bool("enabled") : d.enabled(),
                n.has("max-items") ? n.intAtLeast("max-items", 1) : d.maxItems(),
                n.has("max-batch-tokens") ? n.intAtLeast("max-batch-tokens", 1) : d.maxBatchTokens(),
                n.has("max-wait-ms") ? n.millis("max-wait-ms", 0) : d.maxWait(),
                n.has("max-item-tokens") ? n.intAtLeast("max-item-tokens", 1) : d.maxItemTokens(),
                n.has("messages-jobs") ? n.bool("messages-jobs") : d.messagesJobs());
        n.rejectUnknown();
        return b;
    }

    private static DeploymentConfig deployment(Node n) {
        String region = nonBlank(n, "region");
        String endpointText = nonBlank(n, "endpoint");
        URI endpoint;
        try {
            endpoint = new URI(endpointText.endsWith("/") ? endpointText.substring(0, endpointText.length() - 1)
                    : endpointText);
        } catch (URISyntaxException e) {
            throw new ConfigException(n.key("endpoint") + " is not a URL: " + endpointText);
        }
        if (endpoint.getScheme() == null || !Set.of("http", "https").contains(endpoint.getScheme())
                || endpoint.getHost() == null) {
            throw new ConfigException(n.key("endpoint") + " must be an http(s) URL with a host, got " + endpointText);
        }
        String style = n.has("api-style") ? n.string("api-style") : "classic";
        ApiStyle apiStyle = switch (style) {
            case "classic" -> ApiStyle.CLASSIC;
            case "v1" -> ApiStyle.V1;
            case "openai" -> ApiStyle.OPENAI;
            default -> throw new ConfigException(n.key("api-style") + " must be classic, v1 or openai, got '"
                    + style + "'");
        };
        String apiVersion = n.has("api-version") ? n.string("api-version") : "2024-10-21";
        DeploymentAuth auth = auth(n);
        String keyEnv = n.optString("api-key-env");
        String keyFile = n.optString("api-key-file");
        if (n.has("api-key")) {
            throw new ConfigException(n.key("api-key") + " is not allowed: name an environment variable "
                    + "(api-key-env) or a file (api-key-file) instead");
        }
        if (auth.method() == DeploymentAuth.Method.ENTRA && (keyEnv != null || keyFile != null)) {
            throw new ConfigException(n.key(keyEnv != null ? "api-key-env" : "api-key-file")
                    + " does not apply to auth: entra (the worker signs in with Microsoft Entra ID); remove it");
        }
        if (auth.method() == DeploymentAuth.Method.API_KEY && keyEnv == null && keyFile == null) {
            throw new ConfigException(n.path() + " needs api-key-env or api-key-file (keys never go in the file), "
                    + "or auth: entra");
        }
        DeploymentConfig d = new DeploymentConfig(region, endpoint, nonBlank(n, "deployment"), apiStyle, apiVersion,
                keyEnv, keyFile, n.longAtLeast("tpm", 1), n.longAtLeast("rpm", 1),
                n.has("priority") ? n.intAtLeast("priority", 0) : 1, auth);
        n.rejectUnknown();
        return d;
    }

    /** {@code auth: api-key | entra}, with {@code tenant-id} and {@code client-id} for entra only. */
    private static DeploymentAuth auth(Node n) {
        String method = n.has("auth") ? n.string("auth") : DeploymentAuth.Method.API_KEY.yamlName();
        String tenant = n.optString("tenant-id");
        String client = n.optString("client-id");
        if (method.equals(DeploymentAuth.Method.API_KEY.yamlName())) {
            if (tenant != null || client != null) {
                throw new ConfigException(n.key(tenant != null ? "tenant-id" : "client-id")
                        + " only applies to auth: entra");
            }
            return DeploymentAuth.API_KEY;
        }
        if (method.equals(DeploymentAuth.Method.ENTRA.yamlName())) {
            return new DeploymentAuth(DeploymentAuth.Method.ENTRA, blankToNull(tenant), blankToNull(client));
        }
        throw new ConfigException(n.key("auth") + " must be api-key or entra, got '" + method + "'");
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static TaskTemplate task(String name, Node n) {
        TaskTemplate t = new TaskTemplate(name, nonBlank(n, "system"),
                n.has("max-tokens") ? n.intAtLeast("max-tokens", 1) : 256,
                n.has("temperature") ? n.doubleIn("temperature", 0, 2) : null,
                n.has("batchable") && n.bool("batchable"),
                n.has("adaptive-max-tokens") ? adaptive(n.child("adaptive-max-tokens"), AdaptiveMaxTokens.DEFAULTS)
                        : null);
        n.rejectUnknown();
        return t;
    }

    private static String nonBlank(Node n, String field) {
        String s = n.string(field);
        if (s.isBlank()) {
            throw new ConfigException(n.key(field) + " must not be empty");
        }
        return s;
    }

}
