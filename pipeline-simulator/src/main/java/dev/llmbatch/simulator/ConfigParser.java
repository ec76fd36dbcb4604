package dev.llmbatch.simulator;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.llmbatch.simulator.quota.CostEstimator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * Turns YAML (or JSON) trees into validated config records. This is the one place where keys and their defaults
 * are declared; type errors and unknown keys are reported here, range errors by the records, and every message is
 * prefixed with the key's path. Stateless.
 */
final class ConfigParser {

    private ConfigParser() {
    }

    static SimulatorConfig parse(String yaml) {
        JsonNode root;
        try {
            ObjectMapper mapper = new ObjectMapper(new YAMLFactory());
            mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            root = mapper.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new SimulatorConfigException("", "config is not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new SimulatorConfigException("regions", "is required");
        }
        Obj o = Obj.of(root, "");
        o.allow("time-scale", "seed", "host", "api-keys", "api-versions-accept", "regions", "tokens");
        double timeScale = o.dbl("time-scale", 1.0);
        long seed = o.lng("seed", 42L);
        String host = o.str("host", "127.0.0.1");
        List<String> apiKeys = o.strList("api-keys", List.of("sim-key"));
        String versions = o.str("api-versions-accept", "\\d{4}-\\d{2}-\\d{2}(-preview)?");
        List<RegionConfig> regions = o.objList("regions", true, ConfigParser::region);
        TokenSettings tokens = tokens(o.child("tokens"), SimulatorConfigException.join("", "tokens"));
        return o.build(() -> new SimulatorConfig(timeScale, seed, host, apiKeys, versions, regions, tokens));
    }

    private static TokenSettings tokens(JsonNode node, String path) {
        Obj o = Obj.of(node == null ? JsonNodeFactory.instance.objectNode() : node, path);
        o.allow("lifetime-s", "identity-header");
        double lifetime = o.dbl("lifetime-s", TokenSettings.DEFAULTS.lifetimeS());
        String header = o.str("identity-header", TokenSettings.DEFAULTS.identityHeader());
        return o.build(() -> new TokenSettings(lifetime, header));
    }

    /** Parses a fault spec given as JSON or YAML (the admin endpoint's body); {@code {}} is no faults. */
    static FaultSpec faultSpec(JsonNode node, String path) {
        Obj o = Obj.of(node, path);
        o.allow("p-500", "p-503", "p-408", "p-hang", "p-reset", "latency-multiplier");
        return faultSpec(o);
    }

    private static FaultSpec faultSpec(Obj o) {
        double p500 = o.dbl("p-500", 0);
        double p503 = o.dbl("p-503", 0);
        double p408 = o.dbl("p-408", 0);
        double pHang = o.dbl("p-hang", 0);
        double pReset = o.dbl("p-reset", 0);
        double multiplier = o.dbl("latency-multiplier", 1.0);
        return o.build(() -> new FaultSpec(p500, p503, p408, pHang, pReset, multiplier));
    }

    private static RegionConfig region(JsonNode node, String path) {
        Obj o = Obj.of(node, path);
        o.allow("name", "port", "display-name", "latency", "faults", "deployments", "api-keys");
        String name = o.requiredStr("name");
        int port = o.integer("port", 0);
        String displayName = o.str("display-name", name);
        LatencyConfig latency = latency(o.child("latency"), SimulatorConfigException.join(path, "latency"));
        List<FaultWindow> faults = o.objList("faults", false, ConfigParser::faultWindow);
        List<DeploymentConfig> deployments = o.objList("deployments", true, ConfigParser::deployment);
        List<String> apiKeys = o.strList("api-keys", null);
        return o.build(() -> new RegionConfig(name, port, displayName, latency, faults, deployments, apiKeys));
    }

    private static LatencyConfig latency(JsonNode node, String path) {
        Obj o = Obj.of(node == null ? JsonNodeFactory.instance.objectNode() : node, path);
        o.allow("rtt-ms", "ttft-ms", "prefill-ms-per-1k", "tps", "ttft-sigma", "tps-sigma", "load-alpha",
                "multiplier", "p-slow", "tail-sigma", "stall-probability", "stall-ms");
        double rtt = o.dbl("rtt-ms", 20);
        double ttft = o.dbl("ttft-ms", 600);
        double prefill = o.dbl("prefill-ms-per-1k", 50);
        double tps = o.dbl("tps", 80);
        double ttftSigma = o.dbl("ttft-sigma", 0.35);
        double tpsSigma = o.dbl("tps-sigma", 0.3);
        double loadAlpha = o.dbl("load-alpha", 0.5);
        double multiplier = o.dbl("multiplier", 1.0);
        double pSlow = o.dbl("p-slow", 0.0);
        double tailSigma = o.dbl("tail-sigma", 0.0);
        double stallProbability = o.dbl("stall-probability", 0.0);
        double stallMs = o.dbl("stall-ms", LatencyConfig.DEFAULT_STALL_MS);
        return o.build(() -> new LatencyConfig(rtt, ttft, prefill, tps, ttftSigma, tpsSigma, loadAlpha, multiplier,
                pSlow, tailSigma, stallProbability, stallMs));
    }

    private static FaultWindow faultWindow(JsonNode node, String path) {
        Obj o = Obj.of(node, path);
        o.allow("from-s", "to-s", "p-500", "p-503", "p-408", "p-hang", "p-reset", "latency-multiplier");
        double from = o.dbl("from-s", 0);
        double to = o.dbl("to-s", Double.POSITIVE_INFINITY);
        FaultSpec spec = faultSpec(o);
        return o.build(() -> new FaultWindow(from, to, spec));
    }

    private static DeploymentConfig deployment(JsonNode node, String path) {
        Obj o = Obj.of(node, path);
        o.allow("name", "model", "encoding", "tpm", "rpm", "estimator", "default-max-tokens", "context-window",
                "content-filter-pattern", "output-filter-pattern", "retry-after-ms-header", "body-style",
                "header-profile", "shedding-rate", "shedding-retry-after-s", "request-window-1s", "reject-oversize",
                "batch-faults", "packing");
        String name = o.requiredStr("name");
        String model = o.str("model", name);
        String encoding = o.str("encoding", "o200k_base");
        long tpm = o.lng("tpm", 450_000L);
        long rpm = o.lng("rpm", tpm > 0 ? (tpm * 6 + 999) / 1000 : 1);
        CostEstimator estimator = o.estimator("estimator", CostEstimator.CHARS);
        int defaultMaxTokens = o.integer("default-max-tokens", 640);
        int contextWindow = o.integer("context-window", 128_000);
        String contentFilter = o.str("content-filter-pattern", null);
        String outputFilter = o.str("output-filter-pattern", null);
        boolean retryAfterMs = o.bool("retry-after-ms-header", true);
        BodyStyle bodyStyle = o.choice("body-style", BodyStyle.LEGACY, BodyStyle.values(), BodyStyle::yamlName);
        HeaderProfile headerProfile = o.choice("header-profile", HeaderProfile.FULL, HeaderProfile.values(),
                HeaderProfile::yamlName);
        double sheddingRate = o.dbl("shedding-rate", 0.0);
        int sheddingRetryAfter = o.integer("shedding-retry-after-s", 20);
        boolean window1s = o.bool("request-window-1s", false);
        boolean rejectOversize = o.bool("reject-oversize", true);
        JsonNode batchNode = o.child("batch-faults");
        BatchFaults batchFaults = batchNode == null ? BatchFaults.none()
                : batchFaults(batchNode, o.key("batch-faults"));
        PackingMode packing = o.choice("packing", PackingMode.FOLLOW, PackingMode.values(), PackingMode::yamlName);
        return o.build(() -> new DeploymentConfig(name, model, encoding, tpm, rpm, estimator, defaultMaxTokens,
                contextWindow, contentFilter, outputFilter, retryAfterMs, bodyStyle, headerProfile, sheddingRate,
                sheddingRetryAfter, window1s, rejectOversize, batchFaults, packing));
    }

    /** Parses batch faults given as JSON or YAML (a deployment's {@code batch-faults}, the admin endpoint's body). */
    static BatchFaults batchFaults(JsonNode node, String path) {
        Obj o = Obj.of(node, path);
        o.allow("p-drop", "p-duplicate", "p-reorder", "p-corrupt", "p-invalid-json");
        double drop = o.dbl("p-drop", 0);
        double duplicate = o.dbl("p-duplicate", 0);
        double reorder = o.dbl("p-reorder", 0);
        double corrupt = o.dbl("p-corrupt", 0);
        double invalidJson = o.dbl("p-invalid-json", 0);
        return o.build(() -> new BatchFaults(drop, duplicate, reorder, corrupt, invalidJson));
    }

    /** A mapping node with its path, offering typed reads with defaults. */
    private static final class Obj {
        private final JsonNode node;
        private final String path;

        private Obj(JsonNode node, String path) {
            this.node = node;
            this.path = path;
        }

        static Obj of(JsonNode node, String path) {
            if (node == null || !node.isObject()) {
                throw new SimulatorConfigException(path, "must be a mapping of keys to values, got "
                        + describe(node));
            }
            return new Obj(node, path);
        }

        void allow(String... keys) {
            Set<String> known = new LinkedHashSet<>(Arrays.asList(keys));
            Iterator<String> names = node.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                if (!known.contains(name)) {
                    throw new SimulatorConfigException(key(name), "is not a known key; known keys here: " + known);
                }
            }
        }

        String key(String name) {
            return SimulatorConfigException.join(path, name);
        }

        JsonNode child(String name) {
            JsonNode v = node.get(name);
            return v == null || v.isNull() ? null : v;
        }

        double dbl(String name, double dflt) {
            JsonNode v = child(name);
            if (v == null) {
                return dflt;
            }
            if (!v.isNumber()) {
                throw new SimulatorConfigException(key(name), "must be a number, got " + describe(v));
            }
            return v.doubleValue();
        }

        long lng(String name, long dflt) {
            JsonNode v = child(name);
            if (v == null) {
                return dflt;
            }
            if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                throw new SimulatorConfigException(key(name), "must be an integer, got " + describe(v));
            }
            return v.longValue();
        }

        int integer(String name, int dflt) {
            JsonNode v = child(name);
            if (v == null) {
                return dflt;
            }
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw new SimulatorConfigException(key(name), "must be an integer, got " + describe(v));
            }
            return v.intValue();
        }

        boolean bool(String name, boolean dflt) {
            JsonNode v = child(name);
            if (v == null) {
                return dflt;
            }
            if (!v.isBoolean()) {
                throw new SimulatorConfigException(key(name), "must be true or false, got " + describe(v));
            }
            return v.booleanValue();
        }

        String str(String name, String dflt) {
            JsonNode v = child(name);
            if (v == null) {
                return dflt;
            }
            if (!v.isTextual()) {
                throw new SimulatorConfigException(key(name), "must be a string, got " + describe(v));
            }
            return v.textValue();
        }

        String requiredStr(String name) {
            String s = str(name, null);
            if (s == null || s.isBlank()) {
                throw new SimulatorConfigException(key(name), "is required");
            }
            return s;
        }

        <E> E choice(String name, E dflt, E[] values, java.util.function.Function<E, String> yamlName) {
            String s = str(name, null);
            if (s == null) {
                return dflt;
            }
            for (E e : values) {
                if (yamlName.apply(e).equals(s)) {
                    return e;
                }
            }
            throw new SimulatorConfigException(key(name), "must be one of "
                    + Arrays.stream(values).map(yamlName).toList() + ", got \"" + s + "\"");
        }

        /** A {@link CostEstimator} by its YAML name or alias. */
        CostEstimator estimator(String name, CostEstimator dflt) {
            String s = str(name, null);
            if (s == null) {
                return dflt;
            }
            CostEstimator e = CostEstimator.fromYaml(s);
            if (e == null) {
                throw new SimulatorConfigException(key(name), "must be one of " + CostEstimator.yamlNames()
                        + ", got \"" + s + "\"");
            }
            return e;
        }

        List<String> strList(String name, List<String> dflt) {
            JsonNode v = child(name);
            if (v == null) {
                return dflt;
            }
            if (!v.isArray()) {
                throw new SimulatorConfigException(key(name), "must be a list of strings, got " + describe(v));
            }
            List<String> out = new ArrayList<>();
            for (int i = 0; i < v.size(); i++) {
                if (!v.get(i).isTextual()) {
                    throw new SimulatorConfigException(key(name) + "[" + i + "]",
                            "must be a string, got " + describe(v.get(i)));
                }
                out.add(v.get(i).textValue());
            }
            return out;
        }

        <T> List<T> objList(String name, boolean required, BiFunction<JsonNode, String, T> parser) {
            JsonNode v = child(name);
            if (v == null) {
                if (required) {
                    throw new SimulatorConfigException(key(name), "is required");
                }
                return List.of();
            }
            if (!v.isArray()) {
                throw new SimulatorConfigException(key(name), "must be a list, got " + describe(v));
            }
            List<T> out = new ArrayList<>();
            for (int i = 0; i < v.size(); i++) {
                out.add(parser.apply(v.get(i), key(name) + "[" + i + "]"));
            }
            return out;
        }

        <T> T build(Supplier<T> constructor) {
            try {
                return constructor.get();
            } catch (SimulatorConfigException e) {
                throw e.under(path);
            }
        }

        private static String describe(JsonNode v) {
            if (v == null || v.isNull()) {
                return "nothing";
            }
            String text = v.toString();
            return text.length() > 60 ? text.substring(0, 60) + "..." : text;
        }
    }
}
