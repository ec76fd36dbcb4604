package dev.llmbatch.worker.admin;

import dev.llmbatch.core.time.Ticker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * The parts of {@code /status.json} built from the metrics and the consumer lag: {@code lag}, {@code totals} and
 * {@code errors}, with the plain keys the README documents as a contract. Error entries carry codes and counts only,
 * never a prompt or an answer. Stateless; every method reads thread-safe sources.
 */
public final class StatusSections {
    private StatusSections() {
    }

    /** The group's lag on the jobs topic: totals, pace, ETA and one entry per partition. */
    public static JsonObject lag(ConsumerLag.Snapshot s, Ticker ticker) {
        JsonArray parts = new JsonArray();
        for (ConsumerLag.Partition p : s.partitions()) {
            parts.add(new JsonObject().put("partition", p.partition()).put("committed", p.committed())
                    .put("end", p.end()).put("lag_records", p.records()).put("lag_tokens", p.tokens()));
        }
        return new JsonObject().put("topic", s.topic()).put("group", s.group()).put("lag_records", s.records())
                .put("lag_tokens", s.tokens()).put("tokens_per_job", round(s.tokensPerJob()))
                .put("records_per_second", round(s.recordsPerSecond())).put("eta_seconds", round(s.etaSeconds()))
                .put("age_ms", (ticker.nanos() - s.readAtNanos()) / 1_000_000).put("error", s.error())
                .put("partitions", parts);
    }

    /**
     * Running totals since the worker started (the page derives rates from successive polls): results, calls, 429s,
     * DLQ records and tokens, overall and per region.
     */
    public static JsonObject totals(Metrics m) {
        Map<String, JsonObject> regions = new TreeMap<>();
        for (String[] f : new String[][] {{"llm_calls_total", "calls"}, {"llm_rate_limited_total", "rate_limited"},
                {"llm_prompt_tokens_total", "prompt_tokens"}, {"llm_completion_tokens_total", "completion_tokens"},
                {"llm_admitted_tokens_total", "admitted_tokens"}}) {
            for (Map.Entry<Map<String, String>, Long> e : m.byLabels(f[0])) {
                String region = e.getKey().get("region");
                if (region != null) {
                    JsonObject r = regions.computeIfAbsent(region, k -> new JsonObject());
                    r.put(f[1], r.getLong(f[1], 0L) + e.getValue());
                }
            }
        }
        return new JsonObject().put("results", m.total("llm_results_total")).put("calls", m.total("llm_calls_total"))
                .put("rate_limited", m.total("llm_rate_limited_total")).put("dlq", m.total("llm_dlq_total"))
                .put("prompt_tokens", m.total("llm_prompt_tokens_total"))
                .put("completion_tokens", m.total("llm_completion_tokens_total"))
                .put("admitted_tokens", m.total("llm_admitted_tokens_total"))
                .put("regions", new JsonObject(new java.util.LinkedHashMap<>(regions)));
    }

    /**
     * Error counts since start, by source and code: calls that were not a 200 ({@code call}, code = the status or
     * transport failure, with region), 429s by limit kind ({@code rate_limited}, with region), DLQ records by reason
     * ({@code dlq}) and failed results by error code ({@code result}). Zero counts are left out.
     */
    public static JsonArray errors(Metrics m) {
        Map<String, JsonObject> out = new java.util.LinkedHashMap<>();
        for (Map.Entry<Map<String, String>, Long> e : m.byLabels("llm_calls_total")) {
            String outcome = e.getKey().get("outcome");
            if (!"200".equals(outcome) && !"429".equals(outcome)) {
                add(out, "call", outcome, e.getKey().get("region"), e.getValue());
            }
        }
        for (Map.Entry<Map<String, String>, Long> e : m.byLabels("llm_rate_limited_total")) {
            add(out, "rate_limited", e.getKey().get("kind"), e.getKey().get("region"), e.getValue());
        }
        for (Map.Entry<Map<String, String>, Long> e : m.byLabels("llm_dlq_total")) {
            add(out, "dlq", e.getKey().get("reason"), null, e.getValue());
        }
        for (Map.Entry<Map<String, String>, Long> e : m.byLabels("llm_result_errors_total")) {
            add(out, "result", e.getKey().get("code"), null, e.getValue());
        }
        return new JsonArray(new java.util.ArrayList<>(out.values()));
    }

    /** Adds {@code count} to the entry of (source, code, region); label sets differing otherwise are summed. */
    private static void add(Map<String, JsonObject> out, String source, String code, String region, long count) {
        if (count <= 0) {
            return;
        }
        JsonObject e = out.computeIfAbsent(source + '\u0000' + code + '\u0000' + region, k -> new JsonObject()
                .put("source", source).put("code", code).put("region", region).put("count", 0L));
        e.put("count", e.getLong("count") + count);
    }

    private static Double round(Double d) {
        return d == null || d.isNaN() || d.isInfinite() ? null : Math.round(d * 1000) / 1000.0;
    }
}
