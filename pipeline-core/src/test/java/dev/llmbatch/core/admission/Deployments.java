package dev.llmbatch.core.admission;

import dev.llmbatch.core.config.ApiStyle;
import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.time.Ticker;
import java.net.URI;
import java.time.Duration;

/** Test fixtures for deployments and their limiters. */
public final class Deployments {
    private Deployments() {
    }

    public static DeploymentConfig config(String region, long tpm, long rpm, int priority) {
        return new DeploymentConfig(region, URI.create("https://" + region + ".openai.azure.com"), "gpt-4o-mini",
                ApiStyle.CLASSIC, "2024-10-21", "AOAI_KEY_" + region.toUpperCase(), null, tpm, rpm, priority);
    }

    public static DeploymentLimiter limiter(String region, long tpm, long rpm, int priority, Ticker ticker,
            Duration margin) {
        return new DeploymentLimiter(config(region, tpm, rpm, priority), ticker, Long.MAX_VALUE, margin);
    }
}
