package dev.llmbatch.simulator;

import dev.llmbatch.core.batch.PackingProtocol;
import dev.llmbatch.simulator.quota.Decision;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * The chat-completions flow of one region, in the reference's order: route, validate (400, not charged), capacity
 * shedding (429, not charged), admission (429, nothing recorded), then faults or the answer after the simulated
 * latency. A packed request (one that {@link PackingProtocol#parse} recognises) goes through the same flow and is
 * answered with {@link FakeModel#packedReply}, corrupted per the deployment's {@link BatchFaults}, or as plain text
 * when the deployment's model ignores the packing schema ({@link PackingMode}). Runs on the region's event loop only.
 */
final class ChatHandler {
    private static final long NANOS_PER_MS = 1_000_000L;
    private static final long NANOS_PER_S = 1_000_000_000L;

    private final Vertx vertx;
    private final Region region;

    ChatHandler(Vertx vertx, Region region) {
        this.vertx = vertx;
        this.region = region;
    }

    /** {@code POST /openai/deployments/{deployment}/chat/completions?api-version=V}. */
    void classic(RoutingContext rc) {
        String apiVersion = rc.request().getParam("api-version");
        if (apiVersion == null || !region.apiVersions.matcher(apiVersion).matches()) {
            region.notRouted++;
            send(rc.response(), 404, Bodies.resourceNotFound());
            return;
        }
        DeploymentState d = region.deployment(rc.pathParam("deployment"));
        if (d == null || d.missing) {
            region.notRouted++;
            send(rc.response(), 404, Bodies.deploymentNotFound());
            return;
        }
        d.requests++;
        JsonObject body;
        try {
            body = ChatRequest.decode(rc.body().buffer());
        } catch (BadRequest e) {
            d.error(400);
            send(rc.response(), 400, e.body());
            return;
        }
        handle(rc.response(), d, body, apiVersion);
    }

    /** {@code POST /openai/v1/chat/completions} and {@code POST /v1/chat/completions}: deployment = body model. */
    void v1(RoutingContext rc) {
        JsonObject body;
        try {
            body = ChatRequest.decode(rc.body().buffer());
        } catch (BadRequest e) {
            region.notRouted++;
            send(rc.response(), 400, e.body());
            return;
        }
        if (!(body.getValue("model") instanceof String model) || model.isEmpty()) {
            region.notRouted++;
            send(rc.response(), 400, Bodies.invalidRequest("you must provide a model parameter", "model", null));
            return;
        }
        DeploymentState d = region.deployment(model);
        if (d == null || d.missing) {
            region.notRouted++;
            send(rc.response(), 404, Bodies.deploymentNotFound());
            return;
        }
        d.requests++;
        handle(rc.response(), d, body, "v1");
    }

    private void handle(HttpServerResponse resp, DeploymentState d, JsonObject body, String apiVersion) {
        DeploymentConfig cfg = d.config;
        ChatRequest req;
        try {
            req = ChatRequest.parse(body);
        } catch (BadRequest e) {
            d.error(400);
            send(resp, 400, e.body());
            return;
        }
        if (d.contentFilter != null && req.anyContentMatches(d.contentFilter)) {
            d.error(400);
            send(resp, 400, Bodies.promptFiltered());
            return;
        }
        int promptTokens = PromptTokens.count(d.encoding, req.messages());
        long requested = promptTokens + (req.maxTokens() == null ? 0L : req.maxTokens());
        if (requested > cfg.contextWindow()) {
            d.error(400);
            send(resp, 400, Bodies.contextLengthExceeded(cfg.contextWindow(), promptTokens, req.maxTokens()));
            return;
        }
        if (req.jsonObjectFormat() && !req.mentionsJson()) {
            d.error(400);
            send(resp, 400, Bodies.jsonModeWithoutJson());
            return;
        }

        long now = region.now();
        if (cfg.sheddingRate() > 0 && region.random.nextDouble() < cfg.sheddingRate()) {
            d.rateLimitedShedding++;
            long seconds = cfg.sheddingRetryAfterS();
            long used = d.limiter.usedTokens(now);
            Decision pseudo = new Decision(false, Decision.Limit.TOKENS, seconds * NANOS_PER_S,
                    Math.max(0, d.limiter.tpm() - used), d.limiter.requestCap());
            rateLimitHeaders(resp, d, pseudo);
            send(resp, 429, Bodies.shedding(seconds));
            return;
        }

        long maxTokens = req.maxTokens() == null ? cfg.defaultMaxTokens() : req.maxTokens();
        long cost = cfg.estimator().estimate(req.contentCodePoints(), promptTokens, maxTokens, req.n());
        if (d.retryAfterAnnounced && d.retryAfterUntil - now > 0) {
            d.requestsDuringRetryAfter++;
        }
        Decision decision = d.limiter.tryAcquire(now, cost);
        if (!decision.admitted()) {
            long until = now + decision.retryAfterNanos();
            if (!d.retryAfterAnnounced || until - d.retryAfterUntil > 0) {
                d.retryAfterUntil = until;
                d.retryAfterAnnounced = true;
            }
            boolean tokens = decision.limitedBy() == Decision.Limit.TOKENS;
            if (tokens) {
                d.rateLimitedTokens++;
            } else {
                d.rateLimitedRequests++;
            }
            rateLimitHeaders(resp, d, decision);
            send(resp, 429, Bodies.rateLimited(cfg.bodyStyle(), tokens, seconds(decision.retryAfterNanos()),
                    apiVersion, cfg.name(), cfg.model(), region.config.displayName()));
            return;
        }
        d.admitted(now, region.second(now), cost);
        PackingProtocol.Parsed packed = req.packed().orElse(null);
        if (packed != null) {
            d.admittedPacked(packed.items().size());
        }
        answerAdmitted(resp, d, req, packed, promptTokens, decision, now);
    }

    private void answerAdmitted(HttpServerResponse resp, DeploymentState d, ChatRequest req,
                                PackingProtocol.Parsed packed, int promptTokens, Decision decision, long now) {
        FaultSpec faults = region.faults(now);
        Fault fault = Fault.draw(faults, region.random);
        LatencyConfig latency = region.latency();
        switch (fault) {
            case HANG -> {
                d.hangs++;
                region.hanging.add(resp);
                resp.closeHandler(v -> region.hanging.remove(resp));
            }
            case RESET -> {
                d.resets++;
                after(resp, LatencyModel.rttMs(latency, faults.latencyMultiplier()), () -> resp.reset(), null);
            }
            case E500, E503 -> {
                int status = fault == Fault.E500 ? 500 : 503;
                d.error(status);
                after(resp, LatencyModel.rttMs(latency, faults.latencyMultiplier()),
                        () -> send(resp, status, status == 500 ? Bodies.serverError() : Bodies.overloaded()), null);
            }
            case E408, NONE -> {
                Completion completion = complete(d, req, packed);
                double utilisation = Math.min(1.0, d.limiter.usedTokens(now) / (double) d.limiter.tpm());
                LatencyModel.Sample sample = LatencyModel.sample(latency, region.random, promptTokens,
                        completion.tokensPerChoice, utilisation, faults.latencyMultiplier());
                if (sample.stalled()) {
                    d.stalls++;
                }
                double ms = sample.ms();
                if (fault == Fault.E408) {
                    d.error(408);
                    after(resp, ms, () -> send(resp, 408, Bodies.timeout()), () -> d.cancelled(0, 0));
                } else {
                    long completionTokens = (long) completion.tokensPerChoice * req.n();
                    after(resp, ms, () -> {
                        successHeaders(resp, d, decision);
                        d.billed(promptTokens, completionTokens);
                        send(resp, 200, successBody(d, req, promptTokens, completion));
                    }, () -> d.cancelled(promptTokens, completionTokens));
                }
            }
            default -> throw new IllegalStateException("unhandled fault " + fault);
        }
    }

    /**
     * The fake model's reply; for a packed request, the items' JSON under the same token and truncation rule, or the
     * plain text of a model that ignores the schema ({@link PackingMode#IGNORE}).
     */
    private Completion complete(DeploymentState d, ChatRequest req, PackingProtocol.Parsed packed) {
        FakeModel.Completion c;
        if (packed != null && d.packing == PackingMode.IGNORE) {
            d.packingIgnored++;
            c = FakeModel.limit(FakeModel.ignoredPackingReply(req.systemInstruction(), req.lastUserMessage()),
                    req.maxTokens());
        } else if (packed != null) {
            String json = PackedReply.content(packed.instruction(), packed.items(), region.batchFaults(d),
                    region.batchRandom);
            c = FakeModel.limit(json, req.maxTokens());
        } else if (req.maxTokens() == null) {
            c = FakeModel.complete(req.systemInstruction(), req.lastUserMessage());
        } else {
            c = FakeModel.complete(req.systemInstruction(), req.lastUserMessage(), req.maxTokens());
        }
        boolean filtered = d.outputFilter != null && d.outputFilter.matcher(c.content()).find();
        return new Completion(filtered ? "" : c.content(), c.completionTokens(),
                filtered ? "content_filter" : c.finishReason(), filtered);
    }

    private JsonObject successBody(DeploymentState d, ChatRequest req, int promptTokens, Completion c) {
        JsonArray choices = new JsonArray();
        for (int i = 0; i < req.n(); i++) {
            choices.add(new JsonObject()
                    .put("index", i)
                    .put("finish_reason", c.finishReason)
                    .putNull("logprobs")
                    .put("message", new JsonObject()
                            .put("role", "assistant")
                            .put("content", c.content)
                            .putNull("refusal")
                            .put("annotations", new JsonArray()))
                    .put("content_filter_results", Bodies.filterResults(false, c.filtered)));
        }
        long completionTokens = (long) c.tokensPerChoice * req.n();
        return new JsonObject()
                .put("id", region.newCompletionId())
                .put("object", "chat.completion")
                .put("created", System.currentTimeMillis() / 1000)
                .put("model", d.config.model())
                .put("system_fingerprint", "fp_sim0001")
                .put("prompt_filter_results", new JsonArray().add(new JsonObject()
                        .put("prompt_index", 0)
                        .put("content_filter_results", Bodies.filterResults(true, false))))
                .put("choices", choices)
                .put("usage", new JsonObject()
                        .put("prompt_tokens", promptTokens)
                        .put("completion_tokens", completionTokens)
                        .put("total_tokens", promptTokens + completionTokens)
                        .put("prompt_tokens_details", new JsonObject().put("cached_tokens", 0))
                        .put("completion_tokens_details", new JsonObject().put("reasoning_tokens", 0)));
    }

    /**
     * Runs {@code action} after {@code simulatedMs} of simulated time, unless the client has gone by then (closed
     * the connection or reset the stream, as a client cancelling a call does): then {@code onCancel} runs instead,
     * once, if given.
     */
    private void after(HttpServerResponse resp, double simulatedMs, Runnable action, Runnable onCancel) {
        long wallMs = (long) (simulatedMs / region.global.timeScale());
        if (wallMs < 1) {
            action.run();
            return;
        }
        long timer = vertx.setTimer(wallMs, id -> {
            if (!resp.closed()) {
                action.run();
            } else if (onCancel != null) {
                onCancel.run();
            }
        });
        resp.closeHandler(v -> {
            // false once the timer has fired: the answer went out (or the timer saw the close itself)
            if (vertx.cancelTimer(timer) && onCancel != null) {
                onCancel.run();
            }
        });
    }

    void commonHeaders(HttpServerResponse resp) {
        String id = region.newRequestId();
        resp.putHeader("apim-request-id", id)
                .putHeader("x-request-id", id)
                .putHeader("x-ms-region", region.config.displayName());
    }

    private void successHeaders(HttpServerResponse resp, DeploymentState d, Decision decision) {
        commonHeaders(resp);
        limitHeaders(resp, d, decision);
        resp.putHeader("x-ms-deployment-name", d.config.name())
                .putHeader("azureml-model-session", "sim-" + region.config.name());
    }

    private void rateLimitHeaders(HttpServerResponse resp, DeploymentState d, Decision decision) {
        commonHeaders(resp);
        limitHeaders(resp, d, decision);
        long nanos = decision.retryAfterNanos();
        switch (d.config.headerProfile()) {
            case FULL -> {
                resp.putHeader("retry-after", Long.toString(seconds(nanos)));
                if (d.config.retryAfterMsHeader()) {
                    resp.putHeader("retry-after-ms", Long.toString(Math.max(1, ceilDiv(nanos, NANOS_PER_MS))));
                }
            }
            case NO_RETRY_AFTER -> resp.putHeader("x-rate-limit-reset-tokens", Long.toString(seconds(nanos)));
            case NONE -> {
                // deliberately no hint: clients must fall back to their own backoff
            }
            default -> throw new IllegalStateException("unhandled profile " + d.config.headerProfile());
        }
    }

    private static void limitHeaders(HttpServerResponse resp, DeploymentState d, Decision decision) {
        resp.putHeader("x-ratelimit-remaining-requests", Long.toString(decision.remainingRequests()))
                .putHeader("x-ratelimit-remaining-tokens", Long.toString(decision.remainingTokens()))
                .putHeader("x-ratelimit-limit-requests", Long.toString(d.limiter.rpm()))
                .putHeader("x-ratelimit-limit-tokens", Long.toString(d.limiter.tpm()));
    }

    /** Whole seconds for {@code retry-after}: rounded up, at least 1. */
    static long seconds(long nanos) {
        return Math.max(1, ceilDiv(nanos, NANOS_PER_S));
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    void send(HttpServerResponse resp, int status, JsonObject body) {
        if (resp.closed() || resp.ended()) {
            return;
        }
        if (!resp.headers().contains("apim-request-id")) {
            commonHeaders(resp);
        }
        resp.setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
    }

    /** The reply as sent, per choice. */
    private record Completion(String content, int tokensPerChoice, String finishReason, boolean filtered) {
    }
}
