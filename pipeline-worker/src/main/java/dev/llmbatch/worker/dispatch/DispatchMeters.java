package dev.llmbatch.worker.dispatch;

import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.worker.admin.Metrics;
import java.util.List;

/** The dispatcher's meters: their help texts, and the gauges each model pool reads from its lane. */
final class DispatchMeters {
    private DispatchMeters() {
    }

    /** Help texts of the dispatcher's series. */
    static void describe(Metrics m) {
        m.describe("llm_breaker_state", "Circuit breaker per deployment: 0 closed, 1 half-open, 2 open.");
        m.describe("llm_breaker_transitions_total", "Circuit breaker state changes, by the state entered.");
        m.describe("llm_prompt_rule", "How prompts are reserved per pool: 0 chars, 1 tokens, 2 max (safe).");
        m.describe("llm_packing_stopped", "1 while a pool does not pack because its model breaks the schema.");
        m.describe("llm_budget_resent_total", "Answers cut under a learned max_tokens, sent again in full.");
        m.describe("llm_deployment_misconfigured", "1 while a deployment answers 401/403/404 and gets no calls.");
        m.describe("llm_region_tokens_available", "Tokens this worker's window of the deployment has free.");
        m.describe("llm_region_requests_available", "Requests this worker's window of the deployment has free.");
        m.describe("llm_region_cooldown_seconds", "Cooldown left after a 429, in seconds (0: none).");
        m.describe("llm_service_remaining_tokens", "The service's last x-ratelimit-remaining-tokens (-1: none).");
        m.describe("llm_service_remaining_requests",
                "The service's last x-ratelimit-remaining-requests (-1: none).");
        m.describe("llm_prompt_tokens_total", "Prompt tokens the service billed (usage.prompt_tokens).");
        m.describe("llm_completion_tokens_total", "Completion tokens the service billed.");
        m.describe("llm_call_duration", "Chat-completion calls from send to answer, by region and outcome.");
        m.describe("llm_job_latency", "Jobs from intake to their result, by pool and status.");
        m.describe("llm_queue_wait", "Jobs from intake to their first call (packing and admission), by pool.");
        m.describe("llm_deployment_misconfigured_total", "Times a deployment was put aside as misconfigured.");
        m.describe("llm_hedges_total", "Hedges of straggling calls by outcome: sent, won (by the copy), lost "
                + "(the original answered first), refused_budget, skipped_backlog, no_room.");
        m.describe("llm_hedge_extra_token_share", "Hedge tokens / admitted tokens over the pool's hedging window.");
        m.describe("llm_deployment_latency_seconds", "Learned time to answer per deployment (decaying quantile; "
                + "NaN until it has answered).");
    }

    /** A pool's gauges: its prompt rule, packing, hedging and its deployments' learned latency. */
    static void lane(Metrics metrics, Lane lane) {
        String pool = lane.pool.name();
        metrics.gauge("llm_prompt_rule", () -> lane.calibrator.rule().ordinal(), "pool", pool);
        metrics.gauge("llm_packing_stopped", () -> lane.packing.stopped() ? 1 : 0, "pool", pool);
        hedging(metrics, lane);
    }

    /** Hedges by outcome, the budget's share, and each deployment's learned latency (issue 15). */
    private static void hedging(Metrics metrics, Lane lane) {
        String pool = lane.pool.name();
        for (String outcome : List.of("sent", "won", "lost", "refused_budget", "skipped_backlog", "no_room")) {
            metrics.declare("llm_hedges_total", "pool", pool, "outcome", outcome);
        }
        metrics.gauge("llm_hedge_extra_token_share", () -> lane.hedgeShareView, "pool", pool);
        for (DeploymentConfig d : lane.pool.deployments()) {
            metrics.gauge("llm_deployment_latency_seconds", () -> latencySeconds(lane, d, false), "pool", pool,
                    "region", d.region(), "deployment", d.deployment(), "quantile", "0.5");
            metrics.gauge("llm_deployment_latency_seconds", () -> latencySeconds(lane, d, true), "pool", pool,
                    "region", d.region(), "deployment", d.deployment(), "quantile", "0.95");
        }
    }

    private static double latencySeconds(Lane lane, DeploymentConfig d, boolean p95) {
        var l = lane.latencyView.get(d.id());
        return l == null ? Double.NaN : (p95 ? l.answerP95() : l.answerP50()).toNanos() / 1e9;
    }
}
