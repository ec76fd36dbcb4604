package dev.llmbatch.worker.auth;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.identity.DefaultAzureCredentialBuilder;
import dev.llmbatch.core.config.DeploymentAuth;
import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.config.ModelPool;
import dev.llmbatch.core.config.PipelineConfig;
import dev.llmbatch.core.time.Ticker;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The credentials of every deployment of a worker: an {@link ApiKey} per {@code auth: api-key} deployment, one
 * {@link EntraToken} per distinct Entra ID sign-in ({@code tenant-id}, {@code client-id}) shared by the deployments
 * that use it. The HTTP client asks for each call's {@link #header}; a 401 is reported back through
 * {@link #rejected}, and whenever a credential changes (a new token, a re-read key file) the listener given to
 * {@link #onChanged} is told which deployments to probe again.
 *
 * <p>Thread-safe: {@link #header} never blocks and may be called on an event loop; the listener is called on a
 * Vert.x thread and must not block.
 */
public final class Credentials implements AutoCloseable {
    /** The OAuth scope of Azure OpenAI (Cognitive Services) tokens. */
    public static final String ENTRA_SCOPE = EntraToken.SCOPE;
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);

    private final Map<String, Credential> byDeployment = new HashMap<>();
    private final List<Credential> all = new ArrayList<>();
    private volatile Consumer<String> changed = id -> { };

    private Credentials() {
    }

    /**
     * The credentials of {@code config}'s deployments: keys read from {@code env} or their files now (a missing one
     * is a {@link dev.llmbatch.core.config.ConfigException} naming the setting), Entra ID through
     * {@link #defaultAzureCredential}. Call {@link #start()} to fetch the first tokens.
     */
    public static Credentials create(Vertx vertx, PipelineConfig config, Map<String, String> env, Clock clock) {
        return create(vertx, config, env, clock, Credentials::defaultAzureCredential, FIRST_RETRY);
    }

    /** As {@link #create(Vertx, PipelineConfig, Map, Clock)} with the Entra ID credential of each sign-in given. */
    public static Credentials create(Vertx vertx, PipelineConfig config, Map<String, String> env, Clock clock,
            Function<DeploymentAuth, TokenCredential> entra, Duration firstRetry) {
        Credentials c = new Credentials();
        Map<DeploymentAuth, List<String>> entraUsers = new LinkedHashMap<>();
        Map<DeploymentAuth, EntraToken> tokens = new HashMap<>();
        Ticker ticker = Ticker.system();
        for (ModelPool pool : config.models().values()) {
            for (DeploymentConfig d : pool.deployments()) {
                if (d.auth().method() == DeploymentAuth.Method.ENTRA) {
                    List<String> users = entraUsers.computeIfAbsent(d.auth(), a -> new ArrayList<>());
                    users.add(d.id());
                    EntraToken t = tokens.computeIfAbsent(d.auth(), a -> new EntraToken(label(a), entra.apply(a),
                            vertx, clock, firstRetry, () -> List.copyOf(users).forEach(c::notifyChanged)));
                    c.byDeployment.put(d.id(), t);
                } else {
                    String id = d.id();
                    c.byDeployment.put(id, new ApiKey(d, Secret.resolve(d, env), vertx, ticker,
                            () -> c.notifyChanged(id)));
                }
            }
        }
        c.all.addAll(new java.util.LinkedHashSet<>(c.byDeployment.values()));
        return c;
    }

    /**
     * What {@code auth: entra} signs in with: azure-identity's {@code DefaultAzureCredential} (environment service
     * principal, workload identity, managed identity, then developer tools), sending its own requests over the JDK's
     * HTTP client rather than a second Netty next to Vert.x's. {@code tenant-id} picks the tenant; {@code client-id}
     * a user-assigned managed identity (or the workload identity's client).
     */
    public static TokenCredential defaultAzureCredential(DeploymentAuth auth) {
        DefaultAzureCredentialBuilder b = new DefaultAzureCredentialBuilder()
                .httpClient(new JdkHttpClientBuilder().build());
        if (auth.tenantId() != null) {
            b.tenantId(auth.tenantId());
        }
        if (auth.clientId() != null) {
            b.managedIdentityClientId(auth.clientId());
            b.workloadIdentityClientId(auth.clientId());
        }
        return b.build();
    }

    private static String label(DeploymentAuth a) {
        return "auth: entra (tenant " + (a.tenantId() == null ? "default" : a.tenantId()) + ", client "
                + (a.clientId() == null ? "default" : a.clientId()) + ")";
    }

    /**
     * Fetches the first Entra ID tokens (on worker threads; returns at once) and schedules their refreshes. The stage
     * completes when every first fetch has succeeded or failed (a failed one goes on being retried).
     */
    public java.util.concurrent.CompletableFuture<Void> start() {
        return java.util.concurrent.CompletableFuture.allOf(all.stream().map(Credential::start)
                .toArray(java.util.concurrent.CompletableFuture[]::new));
    }

    /** The listener told the id of each deployment whose credential just changed. Set it before {@link #start()}. */
    public void onChanged(Consumer<String> deploymentId) {
        this.changed = deploymentId;
    }

    private void notifyChanged(String deploymentId) {
        changed.accept(deploymentId);
    }

    /** The header to send to {@code d} now, or null while it has no usable credential (see {@link #unavailable}). */
    public AuthHeader header(DeploymentConfig d) {
        return credential(d).header();
    }

    /** Why {@link #header} is null for {@code d}; names no secret. */
    public String unavailable(DeploymentConfig d) {
        return credential(d).unavailableReason();
    }

    /** A call to {@code d} sent with {@code used} answered 401. Any thread; returns at once. */
    public void rejected(DeploymentConfig d, AuthHeader used) {
        credential(d).rejected(used);
    }

    /** Whether every deployment has a usable credential now (every first token has come). */
    public boolean ready() {
        return all.stream().allMatch(c -> c.header() != null);
    }

    private Credential credential(DeploymentConfig d) {
        Credential c = byDeployment.get(d.id());
        if (c == null) {
            throw new IllegalArgumentException("no credential for deployment " + d.id());
        }
        return c;
    }

    @Override
    public void close() {
        all.forEach(Credential::close);
    }
}
