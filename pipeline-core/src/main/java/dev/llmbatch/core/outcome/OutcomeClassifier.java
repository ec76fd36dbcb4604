package dev.llmbatch.core.outcome;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.llmbatch.core.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Turns one HTTP response from a chat-completions endpoint into a {@link CallOutcome}. This is the only place that
 * interprets status codes, headers and error bodies. Pure apart from the injected wall clock (for HTTP-date
 * retry-after values); thread-safe.
 */
public final class OutcomeClassifier {
    private static final int MAX_MESSAGE = 300;

    private final Clock clock;
    private final Duration defaultCooldown;

    public OutcomeClassifier(Clock clock, Duration defaultCooldown) {
        this.clock = clock;
        this.defaultCooldown = defaultCooldown;
    }

    /**
     * @param status HTTP status
     * @param header case-insensitive header lookup, null when absent
     * @param body   response body as text (may be empty)
     */
    public CallOutcome classify(int status, Function<String, String> header, String body) {
        if (status == 200) {
            return success(header, () -> REPLY.readValue(body == null ? "" : body));
        }
        if (status == 429 && "insufficient_quota".equals(text(errorNode(body), "code"))) {
            // OpenAI's billing limit: no region will answer until someone adds credit.
            return new CallOutcome.Permanent(429, "insufficient_quota", "the account has no quota left");
        }
        if (status == 429) {
            RetryAfter.Wait wait = RetryAfter.parse(header, body, clock)
                    .orElse(new RetryAfter.Wait(defaultCooldown, RetryAfter.Source.DEFAULT));
            return new CallOutcome.RateLimited(wait.duration(), wait.source(), kind(body));
        }
        JsonNode error = errorNode(body);
        String code = text(error, "code");
        String message = truncate(text(error, "message"));
        if (status == 400) {
            String inner = text(error.path("innererror"), "code");
            if ("content_filter".equals(code) || "ResponsibleAIPolicyViolation".equals(inner)) {
                return new CallOutcome.Filtered(status, "content_filter",
                        message == null ? "the prompt was blocked by the content filter" : message);
            }
        }
        if (status == 408 || status == 409 || (status >= 500 && status != 501 && status != 505)) {
            return new CallOutcome.Retriable(status, code == null ? "http_" + status : code,
                    message == null ? "HTTP " + status : message);
        }
        String named = code == null || code.equals(Integer.toString(status)) ? defaultCode(status) : code;
        if (status == 401 || status == 403 || status == 404) {
            // Credentials, network rules or the deployment's name: wrong for every job sent there.
            return new CallOutcome.Misconfigured(status, named, message == null ? "HTTP " + status : message);
        }
        return new CallOutcome.Permanent(status, named, message == null ? "HTTP " + status : message);
    }

    /**
     * As {@link #classify(int, Function, String)}, with the body as UTF-8 bytes: an answer is bound from them
     * directly (the common case, once per call, makes no String of the body).
     */
    public CallOutcome classifyUtf8(int status, Function<String, String> header, byte[] body) {
        if (status == 200) {
            return success(header, () -> REPLY.readValue(body));
        }
        return classify(status, header, new String(body, StandardCharsets.UTF_8));
    }

    /** Reads an answer's body. */
    @FunctionalInterface
    private interface ReplyReader {
        Reply read() throws IOException;
    }

    private static CallOutcome success(Function<String, String> header, ReplyReader body) {
        Reply reply;
        try {
            // Bound straight to the few fields read (no JSON tree per answer: this runs once per call).
            reply = body.read();
        } catch (JsonParseException e) {
            return new CallOutcome.Retriable(200, "malformed_response", "200 with a body that is not JSON");
        } catch (IOException e) {
            return new CallOutcome.Retriable(200, "malformed_response", "200 with an unexpected body");
        }
        Choice choice = reply == null || reply.choices() == null || reply.choices().isEmpty() ? null
                : reply.choices().get(0);
        if (choice == null) {
            return new CallOutcome.Retriable(200, "malformed_response", "200 without choices");
        }
        String finish = choice.finishReason();
        Object content = choice.message() == null ? null : choice.message().content();
        if (!(content instanceof String) && !"content_filter".equals(finish)) {
            return new CallOutcome.Retriable(200, "malformed_response", "200 without message content");
        }
        ReplyUsage usage = reply.usage() == null ? new ReplyUsage(0, 0) : reply.usage();
        return new CallOutcome.Success(content instanceof String text ? text : "", finish, usage.promptTokens(),
                usage.completionTokens(), longHeader(header, "x-ratelimit-remaining-tokens"),
                longHeader(header, "x-ratelimit-remaining-requests"));
    }

    private static final ObjectReader REPLY = Json.mapper().readerFor(Reply.class);

    /** The fields of a chat-completions answer the worker reads; everything else is skipped. */
    record Reply(List<Choice> choices, ReplyUsage usage) {
    }

    record Choice(Message message, @JsonProperty("finish_reason") String finishReason) {
    }

    /** {@code content} is a string, or null (filtered), or anything else (malformed). */
    record Message(Object content) {
    }

    record ReplyUsage(@JsonProperty("prompt_tokens") int promptTokens,
            @JsonProperty("completion_tokens") int completionTokens) {
    }

    /** A header as a non-negative long, or -1 when absent or unreadable. */
    public static long longHeader(Function<String, String> header, String name) {
        String v = header.apply(name);
        if (v == null) {
            return -1;
        }
        try {
            return Math.max(-1, Long.parseLong(v.trim()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static CallOutcome.RateLimited.Kind kind(String body) {
        String b = body == null ? "" : body.toLowerCase(Locale.ROOT);
        if (b.contains("token rate limit") || b.contains("tokens per min")) {
            return CallOutcome.RateLimited.Kind.TOKENS;
        }
        if (b.contains("call rate limit") || b.contains("requests per min")) {
            return CallOutcome.RateLimited.Kind.REQUESTS;
        }
        if (b.contains("high demand") || b.contains("peak load")) {
            return CallOutcome.RateLimited.Kind.CAPACITY;
        }
        return CallOutcome.RateLimited.Kind.UNKNOWN;
    }

    private static JsonNode errorNode(String body) {
        try {
            JsonNode root = Json.mapper().readTree(body == null || body.isEmpty() ? "{}" : body);
            return root == null ? Json.mapper().createObjectNode() : root.path("error");
        } catch (IOException e) {
            return Json.mapper().createObjectNode();
        }
    }

    private static String defaultCode(int status) {
        return switch (status) {
            case 400 -> "bad_request";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not_found";
            default -> "http_" + status;
        };
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static String truncate(String s) {
        return s == null || s.length() <= MAX_MESSAGE ? s : s.substring(0, MAX_MESSAGE) + "...";
    }
}
