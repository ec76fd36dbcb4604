package dev.llmbatch.simulator;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The snake_case JSON form of {@link RegionStats}, both ways; the per-deployment keys are listed on
 * {@link DeploymentStats}. Derived values ({@code rate_limited.total}, {@code requests_per_10s_limit},
 * {@code billed_tokens}) are written for readers of the JSON and recomputed, not read, on the way back. Stateless.
 */
final class StatsJson {

    private StatsJson() {
    }

    static JsonObject toJson(RegionStats s) {
        JsonObject deployments = new JsonObject();
        s.deployments().forEach((name, d) -> deployments.put(name, toJson(d)));
        return new JsonObject()
                .put("region", s.region())
                .put("display_name", s.displayName())
                .put("simulated_seconds", s.simulatedSeconds())
                .put("unauthorized", s.unauthorized())
                .put("not_routed", s.notRouted())
                .put("hanging_connections", s.hangingConnections())
                .put("deployments", deployments);
    }

    private static JsonObject toJson(DeploymentStats d) {
        JsonObject errors = new JsonObject();
        d.errorsByStatus().forEach((status, n) -> errors.put(String.valueOf(status), n));
        return new JsonObject()
                .put("model", d.model())
                .put("requests", d.requests())
                .put("accepted", d.accepted())
                .put("packed_requests", d.packedRequests())
                .put("packed_items", d.packedItems())
                .put("rate_limited", new JsonObject()
                        .put("tokens", d.rateLimitedTokens())
                        .put("requests", d.rateLimitedRequests())
                        .put("shedding", d.rateLimitedShedding())
                        .put("total", d.rateLimited()))
                .put("errors", errors)
                .put("hangs", d.hangs())
                .put("resets", d.resets())
                .put("admitted_tokens", d.admittedTokens())
                .put("max_tokens_in_60s", d.maxTokensIn60s())
                .put("max_requests_in_10s", d.maxRequestsIn10s())
                .put("tpm", d.tpm())
                .put("rpm", d.rpm())
                .put("requests_per_10s_limit", d.requestsPer10sLimit())
                .put("succeeded", d.succeeded())
                .put("billed_prompt_tokens", d.billedPromptTokens())
                .put("billed_completion_tokens", d.billedCompletionTokens())
                .put("billed_tokens", d.billedTokens())
                .put("token_windows_over", d.tokenWindowsOver())
                .put("request_windows_over", d.requestWindowsOver())
                .put("packing_ignored", d.packingIgnored())
                .put("stalls", d.stalls())
                .put("requests_during_retry_after", d.requestsDuringRetryAfter())
                .put("cancelled", d.cancelled())
                .put("cancelled_billed_prompt_tokens", d.cancelledBilledPromptTokens())
                .put("cancelled_billed_completion_tokens", d.cancelledBilledCompletionTokens())
                .put("cancelled_billed_tokens", d.cancelledBilledTokens())
                .put("admitted_tokens_per_second_from", d.admittedTokensPerSecondFrom())
                .put("admitted_tokens_per_second", new JsonArray(new ArrayList<Object>(d.admittedTokensPerSecond())));
    }

    static RegionStats fromJson(JsonObject j) {
        Map<String, DeploymentStats> deployments = new LinkedHashMap<>();
        JsonObject ds = j.getJsonObject("deployments", new JsonObject());
        for (String name : ds.fieldNames()) {
            deployments.put(name, deploymentFromJson(name, ds.getJsonObject(name)));
        }
        return new RegionStats(j.getString("region"), j.getString("display_name"),
                j.getDouble("simulated_seconds", 0.0), j.getLong("unauthorized", 0L), j.getLong("not_routed", 0L),
                j.getInteger("hanging_connections", 0), deployments);
    }

    private static DeploymentStats deploymentFromJson(String name, JsonObject d) {
        JsonObject rl = d.getJsonObject("rate_limited", new JsonObject());
        Map<Integer, Long> errors = new TreeMap<>();
        JsonObject e = d.getJsonObject("errors", new JsonObject());
        for (String status : e.fieldNames()) {
            errors.put(Integer.parseInt(status), e.getLong(status));
        }
        List<Long> series = new ArrayList<>();
        for (Object v : d.getJsonArray("admitted_tokens_per_second", new JsonArray())) {
            series.add(((Number) v).longValue());
        }
        return new DeploymentStats(name, d.getString("model"), d.getLong("requests", 0L), d.getLong("accepted", 0L),
                d.getLong("packed_requests", 0L), d.getLong("packed_items", 0L), rl.getLong("tokens", 0L),
                rl.getLong("requests", 0L), rl.getLong("shedding", 0L), errors,
                d.getLong("hangs", 0L), d.getLong("resets", 0L), d.getLong("admitted_tokens", 0L),
                d.getLong("max_tokens_in_60s", 0L), d.getLong("max_requests_in_10s", 0L), d.getLong("tpm", 0L),
                d.getLong("rpm", 0L), d.getLong("admitted_tokens_per_second_from", 0L), series,
                d.getLong("succeeded", 0L), d.getLong("billed_prompt_tokens", 0L),
                d.getLong("billed_completion_tokens", 0L), d.getLong("token_windows_over", 0L),
                d.getLong("request_windows_over", 0L), d.getLong("packing_ignored", 0L),
                d.getLong("stalls", 0L), d.getLong("requests_during_retry_after", 0L), d.getLong("cancelled", 0L),
                d.getLong("cancelled_billed_prompt_tokens", 0L), d.getLong("cancelled_billed_completion_tokens", 0L));
    }
}
