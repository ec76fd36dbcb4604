package dev.llmbatch.worker.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbatch.core.config.ConfigLoader;
import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.config.PipelineConfig;
import dev.llmbatch.core.job.ChatMessage;
import dev.llmbatch.core.job.Job;
import dev.llmbatch.core.job.JobResolver;
import dev.llmbatch.core.outcome.CallOutcome;
import dev.llmbatch.core.outcome.RetryAfter;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.core.time.Ticker;
import dev.llmbatch.worker.admin.Metrics;
import dev.llmbatch.worker.emission.Completion;
import dev.llmbatch.worker.emission.Ticket;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher with a scripted {@link ChatClient} in place of HTTP: every outcome path ends in exactly one result
 * per job, and nothing taken from a deployment (a call slot) is kept when a call never goes out.
 */
class DispatcherTest {
    private static final String CONFIG = """
            worker:
              max-attempts: 3
              misconfigured-probe-ms: %d
              backoff: {initial-ms: 1, max-ms: 4, multiplier: 2.0, jitter: 0.5}
              pool: {max-connections-per-region: %d, max-wait-queue: 16}
              http: {port: -1}
            models:
              gpt-4o-mini:
                encoding: o200k_base
                deployments:
                  - {region: swedencentral, endpoint: "https://a.openai.azure.com", deployment: gpt-4o-mini,
                     api-key-env: K, tpm: 450000, rpm: 2700}
                  - {region: eastus, endpoint: "https://b.openai.azure.com", deployment: gpt-4o-mini,
                     api-key-env: K, tpm: 450000, rpm: 2700}
            """;

    private final Vertx vertx = Vertx.vertx();
    private final Queue<Completion> completions = new ConcurrentLinkedQueue<>();
    private final ScriptedClient client = new ScriptedClient();
    private final Metrics metrics = new Metrics();
    private Dispatcher dispatcher;
    private JobResolver resolver;

    @AfterEach
    void close() {
        if (dispatcher != null) {
            dispatcher.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private void start(int slots) {
        start(slots, 300);
    }

    private void start(int slots, long probeMs) {
        start(CONFIG.formatted(probeMs, slots));
    }

    private void start(String yaml) {
        PipelineConfig config = ConfigLoader.parse(yaml, Map.of());
        dispatcher = new Dispatcher(config, Ticker.system(), Ticker.system(), Clock.systemUTC(), metrics, client,
                completions::add);
        vertx.deployVerticle(dispatcher).toCompletionStage().toCompletableFuture().join();
        resolver = new JobResolver(config, dispatcher::largestAdmissible);
    }

    private void submit(int jobs) {
        submit(jobs, "job");
    }

    private void submit(int jobs, String prefix) {
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            Job job = Job.ofMessages(prefix + "-" + i, "gpt-4o-mini",
                    List.of(ChatMessage.user("Translate: hello " + i)), 20);
            items.add(new Item(((JobResolver.Resolution.Ok) resolver.resolve(job)).job(),
                    new Ticket("llm.jobs", 0, i, 0), System.nanoTime()));
        }
        dispatcher.submit(items);
    }

    private List<JobResult> awaitResults(int n) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> completions.size() >= n);
        List<JobResult> out = completions.stream().map(Completion::result).toList();
        assertThat(out).as("exactly one result per job").hasSize(n);
        assertThat(out.stream().map(JobResult::id).distinct()).hasSize(n);
        return out;
    }

    private static CallOutcome ok() {
        // No x-ratelimit-remaining-* headers: a figure here would be taken for the deployment's real room.
        return new CallOutcome.Success("hej", "stop", 12, 3, -1, -1);
    }

    @Test
    void submit_answeredJobs_eachGetOneSucceededResult() {
        start(4);

        submit(5);

        List<JobResult> results = awaitResults(5);
        assertThat(results).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(Status.SUCCEEDED);
            assertThat(r.output()).isEqualTo("hej");
            assertThat(r.attempts()).isEqualTo(1);
        });
        assertThat(client.calls).hasSize(5);
    }

    @Test
    void rateLimited_goesToTheOtherDeploymentAtOnce_withoutCountingAsAFailure() {
        start(4);
        client.script.add(() -> new CallOutcome.RateLimited(Duration.ofSeconds(30), RetryAfter.Source.RETRY_AFTER,
                CallOutcome.RateLimited.Kind.TOKENS));

        submit(1);

        JobResult r = awaitResults(1).get(0);
        assertThat(r.status()).isEqualTo(Status.SUCCEEDED);
        assertThat(client.calls).hasSize(2);
        assertThat(client.calls.get(1)).as("the second call avoids the cooling deployment")
                .isNotEqualTo(client.calls.get(0));
        assertThat(r.trace()).containsExactly(client.calls.get(0) + ":429", client.calls.get(1) + ":200");
    }

    @Test
    void serverError_backsOffAndSucceedsElsewhere() {
        start(4);
        client.script.add(() -> new CallOutcome.Retriable(500, "server_error", "boom"));

        submit(1);

        JobResult r = awaitResults(1).get(0);
        assertThat(r.status()).isEqualTo(Status.SUCCEEDED);
        assertThat(r.attempts()).isEqualTo(2);
        assertThat(client.calls.get(1)).isNotEqualTo(client.calls.get(0));
    }

    @Test
    void retriableEverywhere_failsAfterTheAttemptBudget() {
        start(4);
        IntStream.range(0, 3).forEach(i -> client.script.add(() -> new CallOutcome.Retriable(503, "busy", "busy")));

        submit(1);

        JobResult r = awaitResults(1).get(0);
        assertThat(r.status()).isEqualTo(Status.FAILED);
        assertThat(r.attempts()).isEqualTo(3);
        assertThat(r.error().code()).isEqualTo("busy");
    }

    @Test
    void permanentFailure_failsThatJobOnly() {
        start(4);
        client.script.add(() -> new CallOutcome.Permanent(400, "context_length_exceeded", "too long"));

        submit(3);

        List<JobResult> results = awaitResults(3);
        assertThat(results.stream().filter(r -> r.status() == Status.FAILED)).hasSize(1);
        assertThat(results.stream().filter(r -> r.status() == Status.SUCCEEDED)).hasSize(2);
    }

    @Test
    void clientThrowsBeforeTheCall_theJobIsRetriedAndTheCallSlotGivenBack() {
        // One call slot per deployment: a slot kept by the call that never went out would stall the other jobs.
        start(1);
        client.script.add(() -> {
            throw new IllegalStateException("encoder bug");
        });
        client.script.add(() -> {
            throw new IllegalStateException("encoder bug");
        });

        submit(4);

        List<JobResult> results = awaitResults(4);
        assertThat(results).allSatisfy(r -> assertThat(r.status()).isEqualTo(Status.SUCCEEDED));
        assertThat(results.stream().mapToInt(JobResult::attempts).sum()).as("no call was counted that never went out")
                .isEqualTo(4);
    }

    @Test
    void deploymentAnswering401_isPutAside_andItsJobsSucceedElsewhere() {
        start(4, 600_000);
        client.unauthorized.add("eastus");

        submit(6);

        List<JobResult> results = awaitResults(6);
        assertThat(results).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(Status.SUCCEEDED);
            assertThat(r.region()).isEqualTo("swedencentral");
        });
        assertThat(dispatcher.regions()).anySatisfy(m -> {
            assertThat(m.get("region")).isEqualTo("eastus");
            assertThat(m.get("state")).isEqualTo("misconfigured");
            assertThat(m.get("misconfigured_code")).isEqualTo("unauthorized");
        });
        long before = client.calls.stream().filter("eastus"::equals).count();
        assertThat(before).as("at most the calls in flight before the first 401 came back").isBetween(1L, 4L);

        completions.clear();
        submit(6);

        awaitResults(6);
        assertThat(client.calls.stream().filter("eastus"::equals).count()).as("no call to it until a probe is due")
                .isEqualTo(before);
    }

    @Test
    void everyDeploymentMisconfigured_jobsWaitThenSucceedWhenAProbeAnswers() {
        start(4);
        client.script.add(() -> new CallOutcome.Misconfigured(404, "DeploymentNotFound", "no such deployment"));
        client.script.add(() -> new CallOutcome.Misconfigured(404, "DeploymentNotFound", "no such deployment"));

        submit(1);

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !dispatcher.degradedPools().isEmpty());
        assertThat(completions).as("waiting, not failed").isEmpty();
        JobResult r = awaitResults(1).get(0);
        assertThat(r.status()).isEqualTo(Status.SUCCEEDED);
        assertThat(r.trace()).hasSize(3).endsWith(client.calls.get(2) + ":200");
        assertThat(dispatcher.degradedPools()).isEmpty();
    }

    /** A scripted outcome that never comes: the call runs until it is cancelled. */
    private static final CallOutcome HANG = new CallOutcome.Retriable(0, "hang", "never answers");

    private static final String HEDGING = """
            worker: {http: {port: -1}}
            models:
              gpt-4o-mini:
                encoding: o200k_base
                hedging: {min-samples: 1, min-delay-ms: 20, max-extra-token-share: SHARE}
                deployments:
                  - {region: swedencentral, endpoint: "https://a.openai.azure.com", deployment: gpt-4o-mini,
                     api-key-env: K, tpm: 450000, rpm: 2700}
                  - {region: eastus, endpoint: "https://b.openai.azure.com", deployment: gpt-4o-mini,
                     api-key-env: K, tpm: 450000, rpm: 2700}
            """;

    /** Jobs answered until both deployments have answered at least once (the hedging model's min-samples). */
    private void warmUpBothDeployments() {
        for (int n = 1; n <= 10 && (!client.calls.contains("swedencentral") || !client.calls.contains("eastus")); n++) {
            submit(1, "warm-" + n);
            int done = n;
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> completions.size() >= done);
        }
        assertThat(client.calls).as("both deployments answered").contains("swedencentral", "eastus");
        completions.clear();
    }

    @Test
    void straggler_getsACopyOnTheOtherDeployment_firstAnswerWins_andTheStragglerIsCancelled() {
        start(HEDGING.replace("SHARE", "1.0"));
        warmUpBothDeployments();
        int before = client.calls.size();
        client.script.add(() -> HANG);

        submit(1, "slow");

        JobResult r = awaitResults(1).get(0);
        String straggler = client.calls.get(before);
        String other = straggler.equals("eastus") ? "swedencentral" : "eastus";
        assertThat(r.status()).isEqualTo(Status.SUCCEEDED);
        assertThat(r.region()).isEqualTo(other);
        assertThat(r.attempts()).isEqualTo(2);
        assertThat(r.trace()).containsExactly(straggler + ":cancelled", other + ":200:hedge");
        assertThat(r.hedged()).isEqualTo(new dev.llmbatch.core.result.Hedged("hedge", r.hedged().extraTokens()));
        assertThat(r.hedged().extraTokens()).as("the cancelled call's prompt").isPositive();
        assertThat(r.usage().promptTokens()).isEqualTo(12 + r.hedged().extraTokens());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> client.cancelled.contains(straggler));
        assertThat(metrics.counter("llm_hedges_total", "pool", "gpt-4o-mini", "outcome", "won")).isEqualTo(1);
    }

    @Test
    void straggler_withoutBudget_isNotHedged_andKeepsWaitingForItsOwnAnswer() {
        start(HEDGING.replace("SHARE", "0.0"));
        warmUpBothDeployments();
        int before = client.calls.size();
        client.script.add(() -> HANG);

        submit(1, "slow");

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                metrics.counter("llm_hedges_total", "pool", "gpt-4o-mini", "outcome", "refused_budget") == 1);
        assertThat(client.calls).as("no copy went out").hasSize(before + 1);
        assertThat(completions).as("the job still waits for its call").isEmpty();
        assertThat(client.cancelled).isEmpty();
    }

    /** Answers in order from {@link #script} (then successes); a scripted exception is thrown by {@code call}. */
    private final class ScriptedClient implements ChatClient {
        final Deque<Supplier<CallOutcome>> script = new ArrayDeque<>();
        /** Regions that answer every call with 401 (a wrong key). */
        final java.util.Set<String> unauthorized = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final List<String> calls = new ArrayList<>();
        final List<String> cancelled = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public synchronized Call call(DeploymentConfig d, byte[] body) {
            Supplier<CallOutcome> next = unauthorized.contains(d.region())
                    ? () -> new CallOutcome.Misconfigured(401, "unauthorized", "Access denied") : script.poll();
            CallOutcome o = next == null ? ok() : next.get();
            calls.add(d.region());
            Promise<CallOutcome> p = Promise.promise();
            if (o != HANG) {
                vertx.getOrCreateContext().runOnContext(v -> p.complete(o));
            }
            return new Call() {
                @Override
                public Future<CallOutcome> outcome() {
                    return p.future();
                }

                @Override
                public void cancel() {
                    if (p.tryComplete(CANCELLED)) {
                        cancelled.add(d.region());
                    }
                }
            };
        }

        @Override
        public void close() {
        }
    }
}
