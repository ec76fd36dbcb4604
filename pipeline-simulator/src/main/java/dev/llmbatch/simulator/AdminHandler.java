package dev.llmbatch.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;

/**
 * The simulator's own endpoints on each region port: {@code GET /sim/stats}, {@code POST /sim/admin/quota}
 * ({@code {"deployment":..,"tpm":..,"rpm":..}}; deployment may be omitted when the region has one, a missing tpm or
 * rpm keeps its value), {@code POST /sim/admin/faults} (a {@link FaultSpec} in its YAML key names, {@code {}} for
 * none), {@code POST /sim/admin/batch-faults} (a {@link BatchFaults} in its YAML key names for every deployment of
 * the region, {@code {}} for none) and {@code POST /sim/admin/packing} ({@code {"deployment":..,"packing":"ignore"}},
 * see {@link PackingMode}; deployment may be omitted when the region has one), {@code POST /sim/admin/auth}
 * ({@code {"api-keys":[..]}}: the keys the region's chat calls are accepted with from now on, as when a key is
 * rotated) and {@code POST /sim/admin/deployment} ({@code {"deployment":..,"missing":true}}: the deployment answers
 * 404 DeploymentNotFound until set back to false) and {@code POST /sim/admin/latency} (any of
 * {@code {"multiplier":..,"p-slow":..,"tail-sigma":..,"stall-probability":..,"stall-ms":..}}: the region's latency
 * model from now on, keys not given keep their value; e.g. {@code {"stall-probability":0.05,"stall-ms":20000}} makes
 * the region hold 5% of its calls 20 s longer). Bad input gets 400
 * {@code {"error":{"code":"BadAdminRequest","message":...}}}. Runs on the region's loop.
 */
final class AdminHandler {
    private final Region region;
    private final ObjectMapper json = new ObjectMapper();

    AdminHandler(Region region) {
        this.region = region;
    }

    void stats(RoutingContext rc) {
        ok(rc.response(), StatsJson.toJson(region.snapshot()));
    }

    void quota(RoutingContext rc) {
        Target t = target(rc, "{\"deployment\":..,\"tpm\":..,\"rpm\":..}");
        if (t == null) {
            return;
        }
        JsonObject body = t.body();
        DeploymentState d = t.deployment();
        Long tpm = positiveLong(body, "tpm", d.limiter.tpm());
        Long rpm = positiveLong(body, "rpm", d.limiter.rpm());
        if (tpm == null || rpm == null) {
            bad(rc.response(), (tpm == null ? "tpm" : "rpm") + " must be an integer > 0");
            return;
        }
        region.setQuota(d.config.name(), tpm, rpm);
        ok(rc.response(), new JsonObject().put("deployment", d.config.name()).put("tpm", tpm).put("rpm", rpm));
    }

    void faults(RoutingContext rc) {
        FaultSpec spec;
        try {
            JsonNode node = json.readTree(rc.body().length() == 0 ? "{}" : rc.body().asString());
            spec = ConfigReader.faultSpec(node);
        } catch (IOException e) {
            bad(rc.response(), "body must be a JSON object of fault keys");
            return;
        } catch (SimulatorConfigException e) {
            bad(rc.response(), e.getMessage());
            return;
        }
        region.setFaults(spec);
        ok(rc.response(), new JsonObject().put("p-500", spec.p500()).put("p-503", spec.p503())
                .put("p-408", spec.p408()).put("p-hang", spec.pHang()).put("p-reset", spec.pReset())
                .put("latency-multiplier", spec.latencyMultiplier()));
    }

    void batchFaults(RoutingContext rc) {
        BatchFaults spec;
        try {
            JsonNode node = json.readTree(rc.body().length() == 0 ? "{}" : rc.body().asString());
            spec = ConfigReader.batchFaults(node);
        } catch (IOException e) {
            bad(rc.response(), "body must be a JSON object of batch-fault keys");
            return;
        } catch (SimulatorConfigException e) {
            bad(rc.response(), e.getMessage());
            return;
        }
        region.setBatchFaults(spec);
        ok(rc.response(), new JsonObject().put("p-drop", spec.pDrop()).put("p-duplicate", spec.pDuplicate())
                .put("p-reorder", spec.pReorder()).put("p-corrupt", spec.pCorrupt())
                .put("p-invalid-json", spec.pInvalidJson()));
    }

    /** {@code {"deployment":..,"packing":"follow"|"ignore"}}; deployment may be omitted when the region has one. */
    void packing(RoutingContext rc) {
        Target t = target(rc, "{\"deployment\":..,\"packing\":\"follow\"|\"ignore\"}");
        if (t == null) {
            return;
        }
        Object value = t.body().getValue("packing");
        PackingMode mode = value instanceof String s ? PackingMode.fromYaml(s) : null;
        if (mode == null) {
            bad(rc.response(), "packing must be \"follow\" or \"ignore\", got " + value);
            return;
        }
        String name = t.deployment().config.name();
        region.setPacking(name, mode);
        ok(rc.response(), new JsonObject().put("deployment", name).put("packing", mode.yamlName()));
    }

    /** {@code {"api-keys":["k1",..]}}: the keys chat calls to this region are accepted with from now on. */
    void auth(RoutingContext rc) {
        JsonObject body;
        try {
            body = rc.body().asJsonObject();
        } catch (RuntimeException e) {
            body = null;
        }
        Object keys = body == null ? null : body.getValue("api-keys");
        if (!(keys instanceof io.vertx.core.json.JsonArray a) || a.isEmpty()
                || !a.stream().allMatch(k -> k instanceof String s && !s.isBlank())) {
            bad(rc.response(), "body must be {\"api-keys\":[\"key\",..]} with at least one non-blank key");
            return;
        }
        java.util.List<String> list = a.stream().map(String.class::cast).toList();
        region.setApiKeys(list);
        ok(rc.response(), new JsonObject().put("api-keys", list.size()));
    }

    /** The tail knobs of the region's latency model; keys not in the body keep their current value. */
    void latency(RoutingContext rc) {
        JsonObject body;
        try {
            body = rc.body().asJsonObject();
        } catch (RuntimeException e) {
            body = null;
        }
        if (body == null) {
            bad(rc.response(), "body must be a JSON object of latency keys");
            return;
        }
        java.util.Set<String> allowed = java.util.Set.of("multiplier", "p-slow", "tail-sigma", "stall-probability",
                "stall-ms");
        for (String k : body.fieldNames()) {
            if (!allowed.contains(k)) {
                bad(rc.response(), "unknown latency key " + k + " (one of " + new java.util.TreeSet<>(allowed) + ")");
                return;
            }
            if (!(body.getValue(k) instanceof Number)) {
                bad(rc.response(), k + " must be a number");
                return;
            }
        }
        LatencyConfig c = region.latency();
        LatencyConfig next;
        try {
            next = new LatencyConfig(c.rttMs(), c.ttftMs(), c.prefillMsPer1k(), c.tps(), c.ttftSigma(), c.tpsSigma(),
                    c.loadAlpha(), body.getDouble("multiplier", c.multiplier()), body.getDouble("p-slow", c.pSlow()),
                    body.getDouble("tail-sigma", c.tailSigma()),
                    body.getDouble("stall-probability", c.stallProbability()),
                    body.getDouble("stall-ms", c.stallMs()));
        } catch (SimulatorConfigException e) {
            bad(rc.response(), e.getMessage());
            return;
        }
        region.setLatency(next);
        ok(rc.response(), new JsonObject().put("multiplier", next.multiplier()).put("p-slow", next.pSlow())
                .put("tail-sigma", next.tailSigma()).put("stall-probability", next.stallProbability())
                .put("stall-ms", next.stallMs()));
    }

    /** {@code {"deployment":..,"missing":true|false}}: answer 404 DeploymentNotFound while missing. */
    void deployment(RoutingContext rc) {
        Target t = target(rc, "{\"deployment\":..,\"missing\":true|false}");
        if (t == null) {
            return;
        }
        if (!(t.body().getValue("missing") instanceof Boolean missing)) {
            bad(rc.response(), "missing must be true or false");
            return;
        }
        String name = t.deployment().config.name();
        region.setMissing(name, missing);
        ok(rc.response(), new JsonObject().put("deployment", name).put("missing", missing));
    }

    /** The JSON body and the deployment it names (or the region's only one); null after answering 400. */
    private Target target(RoutingContext rc, String shape) {
        JsonObject body;
        try {
            body = rc.body().asJsonObject();
        } catch (RuntimeException e) {
            body = null;
        }
        if (body == null) {
            bad(rc.response(), "body must be a JSON object " + shape);
            return null;
        }
        String deployment = body.getValue("deployment") instanceof String s ? s : region.soleDeployment();
        DeploymentState d = region.deployment(deployment);
        if (d == null) {
            bad(rc.response(), "deployment must name one of the region's deployments, got " + deployment);
            return null;
        }
        return new Target(body, d);
    }

    private record Target(JsonObject body, DeploymentState deployment) {
    }

    private static Long positiveLong(JsonObject body, String key, long current) {
        Object v = body.getValue(key);
        if (v == null) {
            return current;
        }
        if ((v instanceof Integer || v instanceof Long) && ((Number) v).longValue() > 0) {
            return ((Number) v).longValue();
        }
        return null;
    }

    private static void ok(HttpServerResponse resp, JsonObject body) {
        resp.putHeader("content-type", "application/json").end(body.encode());
    }

    private static void bad(HttpServerResponse resp, String message) {
        resp.setStatusCode(400).putHeader("content-type", "application/json")
                .end(new JsonObject().put("error", new JsonObject().put("code", "BadAdminRequest")
                        .put("message", message)).encode());
    }
}
