package dev.llmbatch.worker.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.identity.DefaultAzureCredential;
import dev.llmbatch.core.config.ConfigLoader;
import dev.llmbatch.core.config.DeploymentAuth;
import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.config.PipelineConfig;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

class CredentialsTest {
    private final Vertx vertx = Vertx.vertx();
    private final List<String> probed = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private static PipelineConfig config(String deploymentAuth) {
        return ConfigLoader.parse("""
                models:
                  gpt-4o-mini:
                    encoding: o200k_base
                    deployments:
                      - {region: eastus, endpoint: "https://e.openai.azure.com", deployment: d1, AUTH, tpm: 1000, rpm: 6}
                      - {region: westus, endpoint: "https://w.openai.azure.com", deployment: d2, AUTH, tpm: 1000, rpm: 6}
                """.replace("AUTH", deploymentAuth), Map.of());
    }

    private static DeploymentConfig deployment(PipelineConfig c, int i) {
        return c.models().get("gpt-4o-mini").deployments().get(i);
    }

    /** Hands out tokens valid for {@code lifetime}, failing the first {@code failures} requests. */
    private static final class FakeIdentity implements TokenCredential {
        final AtomicInteger requests = new AtomicInteger();
        final Duration lifetime;
        final int failures;

        FakeIdentity(Duration lifetime, int failures) {
            this.lifetime = lifetime;
            this.failures = failures;
        }

        @Override
        public Mono<AccessToken> getToken(TokenRequestContext request) {
            return Mono.fromCallable(() -> getTokenSync(request));
        }

        @Override
        public AccessToken getTokenSync(TokenRequestContext request) {
            assertThat(request.getScopes()).containsExactly("https://cognitiveservices.azure.com/.default");
            int n = requests.incrementAndGet();
            if (n <= failures) {
                throw new IllegalStateException("identity endpoint unreachable");
            }
            return new AccessToken("token-" + n, OffsetDateTime.now().plus(lifetime));
        }
    }

    private Credentials entra(PipelineConfig c, FakeIdentity identity) {
        Credentials creds = Credentials.create(vertx, c, Map.of(), Clock.systemUTC(), a -> identity,
                Duration.ofMillis(100));
        creds.onChanged(probed::add);
        return creds;
    }

    @Test
    void entra_tokenRefreshedBeforeItExpires_headerNeverMissing() throws Exception {
        PipelineConfig c = config("auth: entra");
        FakeIdentity identity = new FakeIdentity(Duration.ofMillis(1200), 0);
        try (Credentials creds = entra(c, identity)) {
            creds.start().get(10, TimeUnit.SECONDS);
            AuthHeader first = creds.header(deployment(c, 0));
            assertThat(first.name()).isEqualTo("authorization");
            assertThat(first.value()).isEqualTo("Bearer token-1");
            assertThat(creds.header(deployment(c, 1)).value()).as("one sign-in shared by both").isEqualTo(
                    "Bearer token-1");

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(creds.header(deployment(c, 0))).as("a valid token at every moment").isNotNull();
                assertThat(identity.requests.get()).isGreaterThanOrEqualTo(4);
            });
            assertThat(creds.header(deployment(c, 0)).value()).isNotEqualTo("Bearer token-1");
            assertThat(probed).contains("eastus/d1", "westus/d2");
        }
    }

    @Test
    void entra_fetchFails_noHeaderAndRetriedWithBackoff_thenDeploymentsProbed() throws Exception {
        PipelineConfig c = config("auth: entra");
        FakeIdentity identity = new FakeIdentity(Duration.ofMinutes(60), 2);
        try (Credentials creds = entra(c, identity)) {
            creds.start().get(10, TimeUnit.SECONDS);
            assertThat(creds.header(deployment(c, 0))).isNull();
            assertThat(creds.unavailable(deployment(c, 0))).contains("no Entra ID token")
                    .contains("identity endpoint unreachable");
            assertThat(creds.ready()).isFalse();

            await().atMost(Duration.ofSeconds(10)).until(creds::ready);
            assertThat(identity.requests.get()).isEqualTo(3);
            assertThat(creds.header(deployment(c, 0)).value()).isEqualTo("Bearer token-3");
            assertThat(probed).containsExactlyInAnyOrder("eastus/d1", "westus/d2");
        }
    }

    @Test
    void entra_refreshTime_halfTheLifetimeAtMostFiveMinutesEarly() {
        java.time.Instant now = java.time.Instant.parse("2026-01-01T00:00:00Z");
        AccessToken hour = new AccessToken("t", now.plus(Duration.ofHours(1)).atOffset(java.time.ZoneOffset.UTC));
        AccessToken short20s = new AccessToken("t", now.plusSeconds(20).atOffset(java.time.ZoneOffset.UTC));
        AccessToken epochRefresh = new AccessToken("t", now.plusSeconds(20).atOffset(java.time.ZoneOffset.UTC),
                OffsetDateTime.parse("1970-01-01T00:00:00Z"));

        assertThat(EntraToken.refreshDelayMs(hour, now)).isEqualTo(Duration.ofMinutes(55).toMillis());
        assertThat(EntraToken.refreshDelayMs(short20s, now)).isEqualTo(10_000);
        assertThat(EntraToken.refreshDelayMs(epochRefresh, now)).as("a past refresh time is ignored")
                .isEqualTo(10_000);
    }

    @Test
    void entra_builds_defaultAzureCredential() {
        assertThat(Credentials.defaultAzureCredential(new DeploymentAuth(DeploymentAuth.Method.ENTRA, null, null)))
                .isInstanceOf(DefaultAzureCredential.class);
        assertThat(Credentials.defaultAzureCredential(new DeploymentAuth(DeploymentAuth.Method.ENTRA, "tenant",
                "00000000-0000-0000-0000-000000000001"))).isInstanceOf(DefaultAzureCredential.class);
    }

    @Test
    void apiKeyFile_rewrittenThen401_newKeyUsedAndDeploymentProbed(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("key"), "key-one\n");
        PipelineConfig c = config("api-key-file: " + file);
        try (Credentials creds = Credentials.create(vertx, c, Map.of(), Clock.systemUTC())) {
            creds.onChanged(probed::add);
            AuthHeader before = creds.header(deployment(c, 0));
            assertThat(before.name()).isEqualTo("api-key");
            assertThat(before.value()).isEqualTo("key-one");
            assertThat(before.toString()).doesNotContain("key-one");

            Files.writeString(file, "key-two\n");
            assertThat(creds.header(deployment(c, 0)).value()).as("not re-read until a call is refused")
                    .isEqualTo("key-one");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                creds.rejected(deployment(c, 0), before);
                assertThat(creds.header(deployment(c, 0)).value()).isEqualTo("key-two");
            });
            assertThat(probed).contains("eastus/d1");
        }
    }

    @Test
    void apiKeyFile_401WithSameKey_noProbe(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("key"), "key-one");
        PipelineConfig c = config("api-key-file: " + file);
        try (Credentials creds = Credentials.create(vertx, c, Map.of(), Clock.systemUTC())) {
            creds.onChanged(probed::add);
            AuthHeader h = creds.header(deployment(c, 0));
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                creds.rejected(deployment(c, 0), h);
                assertThat(probed).isEmpty();
            });
            assertThat(creds.header(deployment(c, 0)).value()).isEqualTo("key-one");
        }
    }

    @Test
    void apiKeyEnv_openaiStyle_isBearer() {
        PipelineConfig c = ConfigLoader.parse("""
                models:
                  gpt-4o-mini:
                    encoding: o200k_base
                    deployments:
                      - {region: o, endpoint: "https://api.example.com", deployment: m, api-style: openai,
                         api-key-env: K, tpm: 1000, rpm: 6}
                """, Map.of());
        try (Credentials creds = Credentials.create(vertx, c, Map.of("K", "sk-1"), Clock.systemUTC())) {
            AuthHeader h = creds.header(deployment(c, 0));
            assertThat(h.name()).isEqualTo("authorization");
            assertThat(h.value()).isEqualTo("Bearer sk-1");
            assertThat(h.toString()).isEqualTo("authorization: ****");
        }
    }
}
