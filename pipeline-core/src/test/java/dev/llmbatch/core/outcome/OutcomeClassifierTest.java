package dev.llmbatch.core.outcome;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.outcome.CallOutcome.RateLimited.Kind;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OutcomeClassifierTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-11-25T10:00:00Z"), ZoneOffset.UTC);
    private static final Duration DEFAULT_COOLDOWN = Duration.ofMillis(1_000);
    private static final Function<String, String> NO_HEADERS = Headers.of();

    /** Reference section 2, verbatim apart from the content. */
    private static final String SUCCESS_BODY = """
            {"id":"chatcmpl-Bb3PTuqhhybwwJR4iAz0CiYUNyr1D","object":"chat.completion","created":1748170943,
             "model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_7a53abb7a2",
             "prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},
               "jailbreak":{"filtered":false,"detected":false},"self_harm":{"filtered":false,"severity":"safe"},
               "sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}}],
             "choices":[{"index":0,"finish_reason":"stop","logprobs":null,
               "message":{"role":"assistant","content":"positive","refusal":null,"annotations":[]},
               "content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},
                 "sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}}],
             "usage":{"prompt_tokens":14,"completion_tokens":8,"total_tokens":22,
               "prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}
            """;

    private static final String LEGACY_TOKENS_429 = "{\"error\":{\"code\":\"429\",\"message\":\"Requests to the "
            + "ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit "
            + "of your current OpenAI S0 pricing tier. Please retry after 7 seconds. Please go here: "
            + "https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.\"}}";
    private static final String LEGACY_CALLS_429 = "{\"error\":{\"code\":\"429\",\"message\":\"Requests to the "
            + "ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded call rate limit "
            + "of your current OpenAI S0 pricing tier. Please retry after 3 seconds. Please go here: "
            + "https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.\"}}";
    private static final String SHORT_429 =
            "{\"error\":{\"code\":\"429\",\"message\":\"Rate limit is exceeded. Try again in 2 seconds.\"}}";
    private static final String RATE_LIMIT_REACHED_429 = "{\"error\":{\"code\":\"RateLimitReached\",\"message\":\"Your "
            + "requests to gpt-4.1 for gpt-4.1 in East US have exceeded the token rate limit for your current OpenAI S0 "
            + "pricing tier. This request was for ChatCompletions_Create under Azure OpenAI API version "
            + "2024-08-01-preview. Please retry after 15 seconds. To increase your default rate limit, visit: "
            + "https://aka.ms/oai/quotaincrease.\"}}";
    private static final String ZERO_QUOTA_429 = "{\"error\":{\"code\":\"429\",\"message\":\"Requests to the "
            + "ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit "
            + "of your current OpenAI S0 pricing tier. Please retry after 86400 seconds.\"}}";
    private static final String CAPACITY_429 = "{\"error\":{\"code\":\"429\",\"message\":\"The system is currently "
            + "experiencing high demand and cannot process your request. Your request exceeds the maximum usage size "
            + "allowed during peak load. Please retry after 20 seconds.\"}}";
    private static final String OPENAI_429 = "{\"error\":{\"message\":\"Rate limit reached for gpt-4o in organization "
            + "org-abc on tokens per min (TPM): Limit 30000, Used 29000, Requested 2000. Please try again in 2s. Visit "
            + "https://platform.openai.com/account/rate-limits to learn more.\",\"type\":\"tokens\",\"param\":null,"
            + "\"code\":\"rate_limit_exceeded\"}}";

    private final OutcomeClassifier classifier = new OutcomeClassifier(CLOCK, DEFAULT_COOLDOWN);

    @Test
    void classify_200ReferenceBody_isSuccessWithContentUsageAndRemainingHeaders() {
        CallOutcome o = classifier.classify(200, Headers.of("x-ratelimit-remaining-tokens", "449000",
                "X-RateLimit-Remaining-Requests", "2699"), SUCCESS_BODY);

        assertThat(o).isEqualTo(new CallOutcome.Success("positive", "stop", 14, 8, 449_000, 2_699));
    }

    @Test
    void classify_200WithoutRemainingHeaders_reportsMinusOne() {
        CallOutcome o = classifier.classify(200, Headers.of("x-ratelimit-remaining-tokens", "lots"), SUCCESS_BODY);

        assertThat(o).isInstanceOf(CallOutcome.Success.class);
        assertThat(((CallOutcome.Success) o).remainingTokens()).isEqualTo(-1);
        assertThat(((CallOutcome.Success) o).remainingRequests()).isEqualTo(-1);
    }

    @Test
    void classify_200OutputFilteredWithNullContent_isSuccessWithEmptyContentAndContentFilter() {
        String body = "{\"choices\":[{\"index\":0,\"finish_reason\":\"content_filter\",\"message\":{\"role\":"
                + "\"assistant\",\"content\":null}}],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":3}}";

        CallOutcome o = classifier.classify(200, NO_HEADERS, body);

        assertThat(o).isEqualTo(new CallOutcome.Success("", "content_filter", 20, 3, -1, -1));
    }

    @Test
    void classify_200LengthWithPartialContent_isSuccessWithLength() {
        String body = "{\"choices\":[{\"finish_reason\":\"length\",\"message\":{\"content\":\"posi\"}}],"
                + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1}}";

        assertThat(classifier.classify(200, NO_HEADERS, body))
                .isEqualTo(new CallOutcome.Success("posi", "length", 5, 1, -1, -1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "garbage", "<html>bad gateway</html>", "{}", "[]", "null", "{\"choices\":[]}",
            "{\"choices\":[1]}", "{\"choices\":[{\"finish_reason\":\"stop\",\"message\":{\"content\":null}}]}",
            "{\"choices\":[{\"finish_reason\":\"stop\"}]}", "{\"choices\":[{\"message\":{\"content\":\"x\"}}]} trailing"})
    void classify_200Malformed_isRetriableMalformedResponse(String body) {
        CallOutcome o = classifier.classify(200, NO_HEADERS, body);

        assertThat(o).isInstanceOf(CallOutcome.Retriable.class);
        assertThat(((CallOutcome.Retriable) o).code()).isEqualTo("malformed_response");
        assertThat(o.status()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "garbage", "{\"choices\":[]}",
            "{\"choices\":[{\"message\":{\"content\":\"x\"}}]} trailing",
            "{\"choices\":[{\"finish_reason\":\"stop\",\"message\":{\"content\":\"\u3053\u3093\u306b\u3061\u306f \ud83d\ude00\"}}],"
                    + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4}}"})
    void classifyUtf8_readsTheBytesAsTheTextIsRead(String body) {
        byte[] utf8 = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);

        assertThat(classifier.classifyUtf8(200, NO_HEADERS, utf8)).isEqualTo(classifier.classify(200, NO_HEADERS, body));
        assertThat(classifier.classifyUtf8(429, NO_HEADERS, utf8)).isEqualTo(classifier.classify(429, NO_HEADERS, body));
        assertThat(classifier.classifyUtf8(200, NO_HEADERS, SUCCESS_BODY.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .isEqualTo(new CallOutcome.Success("positive", "stop", 14, 8, -1, -1));
    }

    @Test
    void classify_200NullBody_isRetriableMalformedResponse() {
        assertThat(classifier.classify(200, NO_HEADERS, null)).isInstanceOf(CallOutcome.Retriable.class);
    }

    @Test
    void classify_429LegacyTokenBody_isTokensWithMessageWait() {
        assertThat(classifier.classify(429, NO_HEADERS, LEGACY_TOKENS_429)).isEqualTo(
                new CallOutcome.RateLimited(Duration.ofSeconds(7), RetryAfter.Source.MESSAGE, Kind.TOKENS));
    }

    @Test
    void classify_429LegacyCallBody_isRequests() {
        assertThat(classifier.classify(429, NO_HEADERS, LEGACY_CALLS_429)).isEqualTo(
                new CallOutcome.RateLimited(Duration.ofSeconds(3), RetryAfter.Source.MESSAGE, Kind.REQUESTS));
    }

    @Test
    void classify_429ShortBody_isUnknownKindWithMessageWait() {
        assertThat(classifier.classify(429, NO_HEADERS, SHORT_429)).isEqualTo(
                new CallOutcome.RateLimited(Duration.ofSeconds(2), RetryAfter.Source.MESSAGE, Kind.UNKNOWN));
    }

    @Test
    void classify_429RateLimitReachedBody_isTokens() {
        assertThat(classifier.classify(429, NO_HEADERS, RATE_LIMIT_REACHED_429)).isEqualTo(
                new CallOutcome.RateLimited(Duration.ofSeconds(15), RetryAfter.Source.MESSAGE, Kind.TOKENS));
    }

    @Test
    void classify_429InsufficientQuota_isPermanent() {
        CallOutcome o = classifier.classify(429, NO_HEADERS,
                "{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":\"insufficient_quota\","
                        + "\"code\":\"insufficient_quota\"}}");
        assertThat(o).isInstanceOf(CallOutcome.Permanent.class);
        assertThat(((CallOutcome.Permanent) o).code()).isEqualTo("insufficient_quota");
    }

    @Test
    void classify_429MessageWithGoDuration_waitsThatLong() {
        CallOutcome o = classifier.classify(429, NO_HEADERS,
                "{\"error\":{\"message\":\"Rate limit reached. Please try again in 1m30s.\"}}");
        assertThat(((CallOutcome.RateLimited) o).retryAfter()).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void classify_429ZeroQuota_isADay() {
        assertThat(classifier.classify(429, NO_HEADERS, ZERO_QUOTA_429)).isEqualTo(
                new CallOutcome.RateLimited(Duration.ofSeconds(86_400), RetryAfter.Source.MESSAGE, Kind.TOKENS));
    }

    @Test
    void classify_429CapacityShedding_isCapacity() {
        assertThat(classifier.classify(429, NO_HEADERS, CAPACITY_429)).isEqualTo(
                new CallOutcome.RateLimited(Duration.ofSeconds(20), RetryAfter.Source.MESSAGE, Kind.CAPACITY));
    }

    @Test
    void classify_429OpenAiBodyWithResetHeaders_isTokensWaitingForTheLongerReset() {
        CallOutcome o = classifier.classify(429,
                Headers.of("x-ratelimit-reset-requests", "12ms", "x-ratelimit-reset-tokens", "9ms"), OPENAI_429);

        assertThat(o).isEqualTo(
                new CallOutcome.RateLimited(Duration.ofMillis(12), RetryAfter.Source.RESET_HEADER, Kind.TOKENS));
    }

    @Test
    void classify_429OpenAiBodyWithoutHeaders_usesMessage() {
        assertThat(classifier.classify(429, NO_HEADERS, OPENAI_429)).isEqualTo(
                new CallOutcome.RateLimited(Duration.ofSeconds(2), RetryAfter.Source.MESSAGE, Kind.TOKENS));
    }

    @Test
    void classify_429WithRetryAfterHeaders_headersWinOverMessage() {
        CallOutcome o = classifier.classify(429, Headers.of("retry-after", "7", "retry-after-ms", "6800"),
                LEGACY_TOKENS_429);

        assertThat(o).isEqualTo(
                new CallOutcome.RateLimited(Duration.ofMillis(6_800), RetryAfter.Source.RETRY_AFTER_MS, Kind.TOKENS));
    }

    @Test
    void classify_429NoHeadersNoWaitInMessage_usesDefaultCooldown() {
        CallOutcome o = classifier.classify(429, NO_HEADERS, "{\"error\":{\"code\":\"429\",\"message\":\"Too many\"}}");

        assertThat(o).isEqualTo(new CallOutcome.RateLimited(DEFAULT_COOLDOWN, RetryAfter.Source.DEFAULT, Kind.UNKNOWN));
    }

    @Test
    void classify_429EmptyBody_usesDefaultCooldown() {
        assertThat(classifier.classify(429, NO_HEADERS, "")).isEqualTo(
                new CallOutcome.RateLimited(DEFAULT_COOLDOWN, RetryAfter.Source.DEFAULT, Kind.UNKNOWN));
    }

    @Test
    void classify_400PromptContentFilter_isFiltered() {
        String body = "{\"error\":{\"message\":\"The response was filtered due to the prompt triggering Azure OpenAI's "
                + "content management policy.\",\"type\":null,\"param\":\"prompt\",\"code\":\"content_filter\","
                + "\"status\":400,\"innererror\":{\"code\":\"ResponsibleAIPolicyViolation\",\"content_filter_result\":"
                + "{\"hate\":{\"filtered\":true,\"severity\":\"high\"}}}}}";

        CallOutcome o = classifier.classify(400, NO_HEADERS, body);

        assertThat(o).isInstanceOf(CallOutcome.Filtered.class);
        CallOutcome.Filtered f = (CallOutcome.Filtered) o;
        assertThat(f.status()).isEqualTo(400);
        assertThat(f.code()).isEqualTo("content_filter");
        assertThat(f.message()).startsWith("The response was filtered");
    }

    @Test
    void classify_400InnerErrorPolicyViolationOnly_isFiltered() {
        String body = "{\"error\":{\"code\":\"BadRequest\",\"innererror\":{\"code\":\"ResponsibleAIPolicyViolation\"}}}";

        assertThat(classifier.classify(400, NO_HEADERS, body)).isInstanceOf(CallOutcome.Filtered.class);
    }

    @Test
    void classify_400ContextLengthExceeded_isPermanentWithThatCode() {
        String body = "{\"error\":{\"message\":\"This model's maximum context length is 128000 tokens. However, your "
                + "messages resulted in 192041 tokens. Please reduce the length of the messages.\",\"type\":"
                + "\"invalid_request_error\",\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}";

        CallOutcome o = classifier.classify(400, NO_HEADERS, body);

        assertThat(o).isInstanceOf(CallOutcome.Permanent.class);
        assertThat(((CallOutcome.Permanent) o).code()).isEqualTo("context_length_exceeded");
        assertThat(((CallOutcome.Permanent) o).message()).contains("maximum context length");
        assertThat(o.status()).isEqualTo(400);
    }

    @Test
    void classify_401NumericCode_isAMisconfiguredDeploymentNotAFailedJob() {
        String body = "{\"error\":{\"code\":\"401\",\"message\":\"Access denied due to invalid subscription key or "
                + "wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct "
                + "regional API endpoint for your resource.\"}}";

        CallOutcome o = classifier.classify(401, NO_HEADERS, body);

        assertThat(o).isInstanceOf(CallOutcome.Misconfigured.class);
        assertThat(((CallOutcome.Misconfigured) o).code()).isEqualTo("unauthorized");
        assertThat(((CallOutcome.Misconfigured) o).message()).startsWith("Access denied");
    }

    @Test
    void classify_404DeploymentNotFound_isMisconfiguredWithServiceCode() {
        String body = "{\"error\":{\"code\":\"DeploymentNotFound\",\"message\":\"The API deployment for this resource "
                + "does not exist. If you created the deployment within the last 5 minutes, please wait a moment and "
                + "try again.\"}}";

        CallOutcome o = classifier.classify(404, NO_HEADERS, body);

        assertThat(o).isEqualTo(new CallOutcome.Misconfigured(404, "DeploymentNotFound",
                "The API deployment for this resource does not exist. If you created the deployment within the last 5 "
                        + "minutes, please wait a moment and try again."));
    }

    @Test
    void classify_404ResourceNotFound_isPermanentNotFound() {
        CallOutcome o = classifier.classify(404, NO_HEADERS,
                "{\"error\":{\"code\":\"404\",\"message\":\"Resource not found\"}}");

        assertThat(o).isEqualTo(new CallOutcome.Misconfigured(404, "not_found", "Resource not found"));
    }

    @Test
    void classify_408Timeout_isRetriableWithServiceCode() {
        CallOutcome o = classifier.classify(408, NO_HEADERS,
                "{\"error\":{\"code\":\"Timeout\",\"message\":\"The operation was timeout.\"}}");

        assertThat(o).isEqualTo(new CallOutcome.Retriable(408, "Timeout", "The operation was timeout."));
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 502, 503, 504})
    void classify_serverError_isRetriable(int status) {
        String body = "{\"error\":{\"message\":\"The server had an error while processing your request. Sorry about "
                + "that!\",\"type\":\"server_error\",\"param\":null,\"code\":null}}";

        CallOutcome o = classifier.classify(status, NO_HEADERS, body);

        assertThat(o).isEqualTo(new CallOutcome.Retriable(status, "http_" + status,
                "The server had an error while processing your request. Sorry about that!"));
    }

    @Test
    void classify_502HtmlFromGateway_isRetriable() {
        CallOutcome o = classifier.classify(502, NO_HEADERS, "<html><body>502 Bad Gateway</body></html>");

        assertThat(o).isEqualTo(new CallOutcome.Retriable(502, "http_502", "HTTP 502"));
    }

    @ParameterizedTest
    @ValueSource(ints = {501, 505})
    void classify_notImplementedOrVersionNotSupported_isPermanent(int status) {
        CallOutcome o = classifier.classify(status, NO_HEADERS, "");

        assertThat(o).isEqualTo(new CallOutcome.Permanent(status, "http_" + status, "HTTP " + status));
    }

    @Test
    void classify_400WithErrorAsString_isPermanentBadRequest() {
        CallOutcome o = classifier.classify(400, NO_HEADERS, "{\"error\":\"bad\"}");

        assertThat(o).isEqualTo(new CallOutcome.Permanent(400, "bad_request", "HTTP 400"));
    }

    @Test
    void classify_longMessage_isTruncated() {
        String longMessage = "x".repeat(5_000);
        CallOutcome o = classifier.classify(400, NO_HEADERS,
                "{\"error\":{\"code\":\"invalid\",\"message\":\"" + longMessage + "\"}}");

        assertThat(((CallOutcome.Permanent) o).message()).hasSizeLessThan(400);
    }
}
