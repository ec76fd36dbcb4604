package dev.llmbatch.simulator;

import io.vertx.core.json.JsonObject;

/**
 * The error bodies of reference sections 3.5 and 4, word for word where the reference quotes them. Stateless.
 */
final class Bodies {
    private static final String QUOTA_URL = "https://aka.ms/oai/quotaincrease";

    private Bodies() {
    }

    static JsonObject unauthorized() {
        return azureError("401", "Access denied due to invalid subscription key or wrong API endpoint. Make sure to "
                + "provide a valid key for an active subscription and use a correct regional API endpoint for your "
                + "resource.");
    }

    /** Azure's 401 to a bearer token that is expired, unknown or for another audience. */
    static JsonObject invalidToken() {
        return azureError("401", "Unauthorized. Access token is missing, invalid, audience is incorrect "
                + "(https://cognitiveservices.azure.com), or have expired.");
    }

    static JsonObject resourceNotFound() {
        return azureError("404", "Resource not found");
    }

    static JsonObject deploymentNotFound() {
        return azureError("DeploymentNotFound", "The API deployment for this resource does not exist. If you created "
                + "the deployment within the last 5 minutes, please wait a moment and try again.");
    }

    static JsonObject timeout() {
        return azureError("Timeout", "The operation was timeout.");
    }

    static JsonObject serverError() {
        return openAiError("The server had an error while processing your request. Sorry about that! You can retry "
                + "your request, or contact us through an Azure support request at: "
                + "https://go.microsoft.com/fwlink/?linkid=2213926 if the error persists.", "server_error", null, null);
    }

    static JsonObject overloaded() {
        return openAiError("That model is currently overloaded with other requests. You can retry your request, or "
                + "contact us through an Azure support request at: https://go.microsoft.com/fwlink/?linkid=2213926 "
                + "if the error persists.", "server_error", null, null);
    }

    static JsonObject invalidRequest(String message, String param, String code) {
        return openAiError(message, "invalid_request_error", param, code);
    }

    static JsonObject contextLengthExceeded(int contextWindow, int promptTokens, Integer maxTokens) {
        String message = maxTokens == null
                ? "This model's maximum context length is " + contextWindow + " tokens. However, your messages "
                        + "resulted in " + promptTokens + " tokens. Please reduce the length of the messages."
                : "This model's maximum context length is " + contextWindow + " tokens. However, you requested "
                        + (promptTokens + (long) maxTokens) + " tokens (" + promptTokens + " in the messages, "
                        + maxTokens + " in the completion). Please reduce the length of the messages or completion.";
        return invalidRequest(message, "messages", "context_length_exceeded");
    }

    static JsonObject jsonModeWithoutJson() {
        return invalidRequest("'messages' must contain the word 'json' in some form, to use 'response_format' of "
                + "type 'json_object'.", "messages", null);
    }

    static JsonObject promptFiltered() {
        JsonObject error = new JsonObject()
                .put("message", "The response was filtered due to the prompt triggering Azure OpenAI's content "
                        + "management policy. Please modify your prompt and retry. To learn more about our content "
                        + "filtering policies please read our documentation: "
                        + "https://go.microsoft.com/fwlink/?linkid=2198766")
                .putNull("type")
                .put("param", "prompt")
                .put("code", "content_filter")
                .put("status", 400)
                .put("innererror", new JsonObject()
                        .put("code", "ResponsibleAIPolicyViolation")
                        .put("content_filter_result", filterResults(true, true)));
        return new JsonObject().put("error", error);
    }

    static JsonObject rateLimited(BodyStyle style, boolean tokens, long seconds, String apiVersion,
                                  String deployment, String model, String regionDisplayName) {
        String kind = tokens ? "token rate limit" : "call rate limit";
        return switch (style) {
            case LEGACY -> azureError("429", "Requests to the ChatCompletions_Create Operation under Azure OpenAI "
                    + "API version " + apiVersion + " have exceeded " + kind + " of your current OpenAI S0 pricing "
                    + "tier. Please retry after " + seconds + " seconds. Please go here: " + QUOTA_URL
                    + " if you would like to further increase the default rate limit.");
            case SHORT -> azureError("429", "Rate limit is exceeded. Try again in " + seconds + " seconds.");
            case RATE_LIMIT_REACHED -> azureError("RateLimitReached", "Your requests to " + deployment + " for "
                    + model + " in " + regionDisplayName + " have exceeded the " + kind + " for your current "
                    + "OpenAI S0 pricing tier. This request was for ChatCompletions_Create under Azure OpenAI API "
                    + "version " + apiVersion + ". Please retry after " + seconds + " seconds. To increase your "
                    + "default rate limit, visit: " + QUOTA_URL + ".");
        };
    }

    static JsonObject shedding(long seconds) {
        return azureError("429", "The system is currently experiencing high demand and cannot process your request. "
                + "Your request exceeds the maximum usage size allowed during peak load. Please retry after "
                + seconds + " seconds. For improved capacity reliability, consider Provisioned Throughput.");
    }

    /** Per-category results; {@code flagged} marks "hate" as filtered (the simulator's single filter category). */
    static JsonObject filterResults(boolean withJailbreak, boolean flagged) {
        JsonObject r = new JsonObject()
                .put("hate", new JsonObject().put("filtered", flagged).put("severity", flagged ? "high" : "safe"));
        if (withJailbreak) {
            r.put("jailbreak", new JsonObject().put("filtered", false).put("detected", false));
        }
        return r.put("self_harm", safe()).put("sexual", safe()).put("violence", safe());
    }

    private static JsonObject safe() {
        return new JsonObject().put("filtered", false).put("severity", "safe");
    }

    private static JsonObject azureError(String code, String message) {
        return new JsonObject().put("error", new JsonObject().put("code", code).put("message", message));
    }

    private static JsonObject openAiError(String message, String type, String param, String code) {
        JsonObject e = new JsonObject().put("message", message).put("type", type);
        e.put("param", param);
        e.put("code", code);
        return new JsonObject().put("error", e);
    }
}
