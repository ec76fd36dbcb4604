package dev.llmbatch.core.outcome;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.outcome.RetryAfter.Source;
import dev.llmbatch.core.outcome.RetryAfter.Wait;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RetryAfterTest {
    /** Tue, 25 Nov 2025 10:00:00 GMT */
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-11-25T10:00:00Z"), ZoneOffset.UTC);

    private static Optional<Wait> parse(String body, String... headers) {
        return RetryAfter.parse(Headers.of(headers), body, CLOCK);
    }

    @Test
    void parse_retryAfterMsAndRetryAfter_retryAfterMsWins() {
        assertThat(parse(null, "retry-after", "7", "retry-after-ms", "6500"))
                .contains(new Wait(Duration.ofMillis(6_500), Source.RETRY_AFTER_MS));
    }

    @Test
    void parse_xMsRetryAfterMs_isMilliseconds() {
        assertThat(parse(null, "x-ms-retry-after-ms", "250", "retry-after", "1"))
                .contains(new Wait(Duration.ofMillis(250), Source.RETRY_AFTER_MS));
    }

    @Test
    void parse_retryAfterMsFractional_keepsSubMillisecondPrecision() {
        assertThat(parse(null, "retry-after-ms", "12.5"))
                .contains(new Wait(Duration.ofNanos(12_500_000), Source.RETRY_AFTER_MS));
    }

    @Test
    void parse_retryAfterIntegerSeconds_isThatManySeconds() {
        assertThat(parse(null, "Retry-After", "7")).contains(new Wait(Duration.ofSeconds(7), Source.RETRY_AFTER));
    }

    @Test
    void parse_retryAfterFractionalSeconds_isExact() {
        assertThat(parse(null, "retry-after", "1.5")).contains(new Wait(Duration.ofMillis(1_500), Source.RETRY_AFTER));
    }

    @Test
    void parse_retryAfterZero_isZeroNotAbsent() {
        assertThat(parse("Please retry after 7 seconds.", "retry-after", "0"))
                .contains(new Wait(Duration.ZERO, Source.RETRY_AFTER));
    }

    @Test
    void parse_retryAfterHttpDateInFuture_isTimeUntilThatDate() {
        assertThat(parse(null, "retry-after", "Tue, 25 Nov 2025 10:00:42 GMT"))
                .contains(new Wait(Duration.ofSeconds(42), Source.RETRY_AFTER));
    }

    @Test
    void parse_retryAfterHttpDateInPast_isZero() {
        assertThat(parse(null, "retry-after", "Tue, 25 Nov 2025 09:59:00 GMT"))
                .contains(new Wait(Duration.ZERO, Source.RETRY_AFTER));
    }

    @Test
    void parse_resetTokensSeconds_isResetHeader() {
        assertThat(parse(null, "x-ratelimit-reset-tokens", "3"))
                .contains(new Wait(Duration.ofSeconds(3), Source.RESET_HEADER));
    }

    @Test
    void parse_resetTokensGoDurationMinutesAndSeconds_isNinetySeconds() {
        assertThat(parse(null, "x-ratelimit-reset-tokens", "1m30s"))
                .contains(new Wait(Duration.ofSeconds(90), Source.RESET_HEADER));
    }

    @Test
    void parse_resetTokensMilliseconds_isMilliseconds() {
        assertThat(parse(null, "x-ratelimit-reset-tokens", "12ms"))
                .contains(new Wait(Duration.ofMillis(12), Source.RESET_HEADER));
    }

    @Test
    void parse_resetTokensFractionalSecondsUnit_isExact() {
        assertThat(parse(null, "x-ratelimit-reset-tokens", "6.5s"))
                .contains(new Wait(Duration.ofMillis(6_500), Source.RESET_HEADER));
    }

    @Test
    void parse_misspeltResetTokensHeader_isRead() {
        assertThat(parse(null, "x-rate-limit-reset-tokens", "4"))
                .contains(new Wait(Duration.ofSeconds(4), Source.RESET_HEADER));
    }

    @Test
    void parse_resetRequestsOnly_isRead() {
        assertThat(parse(null, "x-ratelimit-reset-requests", "12ms"))
                .contains(new Wait(Duration.ofMillis(12), Source.RESET_HEADER));
    }

    @Test
    void parse_retryAfterAndResetHeader_retryAfterWins() {
        assertThat(parse(null, "x-ratelimit-reset-tokens", "30", "retry-after", "2"))
                .contains(new Wait(Duration.ofSeconds(2), Source.RETRY_AFTER));
    }

    @Test
    void parse_legacyAzureMessage_isMessageSeconds() {
        String body = "{\"error\":{\"code\":\"429\",\"message\":\"Requests to the ChatCompletions_Create Operation under "
                + "Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing "
                + "tier. Please retry after 7 seconds. Please go here: https://aka.ms/oai/quotaincrease if you would "
                + "like to further increase the default rate limit.\"}}";

        assertThat(parse(body)).contains(new Wait(Duration.ofSeconds(7), Source.MESSAGE));
    }

    @Test
    void parse_shortMessage_isMessageSeconds() {
        assertThat(parse("{\"error\":{\"code\":\"429\",\"message\":\"Rate limit is exceeded. Try again in 2 seconds.\"}}"))
                .contains(new Wait(Duration.ofSeconds(2), Source.MESSAGE));
    }

    @Test
    void parse_openAiMessageWithUnitSuffix_isMessageSeconds() {
        assertThat(parse("Rate limit reached for gpt-4o on tokens per min (TPM): Limit 30000, Used 29000, "
                + "Requested 2000. Please try again in 2s. Visit https://platform.openai.com/account/rate-limits"))
                .contains(new Wait(Duration.ofSeconds(2), Source.MESSAGE));
    }

    @Test
    void parse_messageInMilliseconds_isMilliseconds() {
        assertThat(parse("Please try again in 120ms.")).contains(new Wait(Duration.ofMillis(120), Source.MESSAGE));
    }

    @Test
    void parse_zeroQuotaMessage_isADay() {
        assertThat(parse("... Please retry after 86400 seconds. ..."))
                .contains(new Wait(Duration.ofDays(1), Source.MESSAGE));
    }

    @Test
    void parse_headerAndMessage_headerWins() {
        assertThat(parse("Please retry after 7 seconds.", "retry-after", "3"))
                .contains(new Wait(Duration.ofSeconds(3), Source.RETRY_AFTER));
    }

    @Test
    void parse_nothingPresent_isEmpty() {
        assertThat(parse(null)).isEmpty();
        assertThat(parse("")).isEmpty();
        assertThat(parse("{\"error\":{\"code\":\"429\",\"message\":\"Too many requests\"}}")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"soon", "-5", "", "  ", "NaN", "Infinity", "Tue, 99 Nov 2025 10:00:42 GMT"})
    void parse_garbageRetryAfter_isIgnored(String value) {
        assertThat(parse(null, "retry-after", value)).isEmpty();
        assertThat(parse(null, "retry-after", value, "x-ratelimit-reset-tokens", "5"))
                .contains(new Wait(Duration.ofSeconds(5), Source.RESET_HEADER));
    }

    @ParameterizedTest
    @ValueSource(strings = {"soon", "-1", "", "NaN", "1s"})
    void parse_garbageRetryAfterMs_fallsThroughToRetryAfter(String value) {
        assertThat(parse(null, "retry-after-ms", value, "retry-after", "4"))
                .contains(new Wait(Duration.ofSeconds(4), Source.RETRY_AFTER));
    }

    @ParameterizedTest
    @ValueSource(strings = {"soon", "-3", "1x", "m", "1m30", "s1", "1m 30s", "NaN"})
    void parse_garbageResetHeader_isIgnored(String value) {
        assertThat(parse(null, "x-ratelimit-reset-tokens", value)).isEmpty();
        assertThat(parse("Try again in 9 seconds", "x-ratelimit-reset-tokens", value))
                .contains(new Wait(Duration.ofSeconds(9), Source.MESSAGE));
    }
}
