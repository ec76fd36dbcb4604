package dev.llmbatch.core.request;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbatch.core.config.ApiStyle;
import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.job.ChatMessage;
import dev.llmbatch.core.job.ResolvedJob;
import dev.llmbatch.core.json.Json;

/**
 * Builds the JSON body of a non-streaming chat-completions request for a job and a deployment. For the v1 and
 * OpenAI routes the deployment goes in {@code model}; the classic route names it in the path. Thread-safe.
 */
public final class ChatRequestBody {
    private ChatRequestBody() {
    }

    public static byte[] of(ResolvedJob job, DeploymentConfig deployment) {
        return of(RequestSpec.of(job), deployment);
    }

    public static byte[] of(RequestSpec job, DeploymentConfig deployment) {
        ObjectNode o = Json.mapper().createObjectNode();
        if (deployment.apiStyle() != ApiStyle.CLASSIC) {
            o.put("model", deployment.deployment());
        }
        ArrayNode messages = o.putArray("messages");
        for (ChatMessage m : job.messages()) {
            messages.addObject().put("role", m.role()).put("content", m.content());
        }
        // Always send max_tokens: the service reserves this much of the quota, and leaving it out makes it reserve
        // far more (reference 3.2).
        o.put("max_tokens", job.maxTokens());
        if (job.temperature() != null) {
            o.put("temperature", job.temperature());
        }
        if (job.n() != 1) {
            o.put("n", job.n());
        }
        if (job.responseFormat() != null) {
            o.set("response_format", job.responseFormat());
        }
        try {
            return Json.mapper().writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a chat request", e);
        }
    }

    /** The request path (and query) relative to the deployment's endpoint. */
    public static String path(DeploymentConfig d) {
        return switch (d.apiStyle()) {
            case CLASSIC -> "/openai/deployments/" + d.deployment() + "/chat/completions?api-version="
                    + d.apiVersion();
            case V1 -> "/openai/v1/chat/completions";
            case OPENAI -> "/v1/chat/completions";
        };
    }
}
