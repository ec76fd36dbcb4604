package dev.llmbatch.core.request;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.llmbatch.core.config.ApiStyle;
import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.job.ChatMessage;
import dev.llmbatch.core.job.ResolvedJob;
import dev.llmbatch.core.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

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

    /**
     * The body, written straight to bytes by Jackson's streaming generator (no JSON tree per request: this runs once
     * per call on the dispatcher's event loop).
     */
    public static byte[] of(RequestSpec job, DeploymentConfig deployment) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + 2 * contentChars(job));
        try (JsonGenerator g = Json.mapper().getFactory().createGenerator(out)) {
            g.writeStartObject();
            if (deployment.apiStyle() != ApiStyle.CLASSIC) {
                g.writeStringField("model", deployment.deployment());
            }
            g.writeArrayFieldStart("messages");
            for (ChatMessage m : job.messages()) {
                g.writeStartObject();
                g.writeStringField("role", m.role());
                g.writeStringField("content", m.content());
                g.writeEndObject();
            }
            g.writeEndArray();
            // Always send max_tokens: the service reserves this much of the quota, and leaving it out makes it
            // reserve far more (reference 3.2).
            g.writeNumberField("max_tokens", job.maxTokens());
            if (job.temperature() != null) {
                g.writeNumberField("temperature", job.temperature());
            }
            if (job.n() != 1) {
                g.writeNumberField("n", job.n());
            }
            if (job.responseFormat() != null) {
                g.writeFieldName("response_format");
                g.writeTree(job.responseFormat());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a chat request", e);
        }
        return out.toByteArray();
    }

    private static int contentChars(RequestSpec job) {
        int n = 0;
        for (ChatMessage m : job.messages()) {
            n += m.content().length();
        }
        return n;
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
