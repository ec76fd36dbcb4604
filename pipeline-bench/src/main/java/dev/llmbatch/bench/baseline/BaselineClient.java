package dev.llmbatch.bench.baseline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbatch.bench.Workload;
import dev.llmbatch.core.job.ChatMessage;
import dev.llmbatch.core.time.Ticker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What a team would write without the pipeline: an async client (java.net.http) that sends the same chat request
 * bodies straight to the regions. Subclasses decide where and when to send. Time for pacing and retry-after is the
 * simulator's simulated clock; a simulated wait is scheduled as {@code wait / time-scale} of wall time.
 */
public abstract class BaselineClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_SECONDS = 7200;

    /** A region endpoint this client may call. */
    public record Endpoint(String name, String baseUrl, long tpm, long rpm) {
    }

    /** One HTTP answer, reduced to what the baselines need. */
    public record Answer(int status, long retryAfterSimMs, int billedTokens, long retryAfterMsHeader,
                         long retryAfterSHeader) {
        Answer(int status, long retryAfterSimMs, int billedTokens) {
            this(status, retryAfterSimMs, billedTokens, -1, -1);
        }
    }

    protected final List<Endpoint> endpoints;
    protected final List<Workload.Item> jobs;
    protected final Ticker simClock;
    protected final long simStartNanos;
    protected final double timeScale;
    protected final ScheduledExecutorService timers;
    private final ExecutorService httpExecutor;
    private final HttpClient http;
    private final String apiKey;
    private final AtomicInteger nextJob = new AtomicInteger();
    private final AtomicLongArray billedPerSecond = new AtomicLongArray(MAX_SECONDS);
    protected final AtomicLong sent = new AtomicLong();
    protected final AtomicLong rateLimited = new AtomicLong();
    protected final AtomicLong failures = new AtomicLong();
    protected volatile boolean stopped;

    protected BaselineClient(List<Endpoint> endpoints, List<Workload.Item> jobs, Ticker simClock, long simStartNanos,
            double timeScale, String apiKey) {
        this.endpoints = List.copyOf(endpoints);
        this.jobs = jobs;
        this.simClock = simClock;
        this.simStartNanos = simStartNanos;
        this.timeScale = timeScale;
        this.apiKey = apiKey;
        this.timers = Executors.newScheduledThreadPool(1, r -> daemon(r, "baseline-timer"));
        this.httpExecutor = Executors.newFixedThreadPool(2, r -> daemon(r, "baseline-http"));
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(httpExecutor)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Starts sending; returns at once. */
    public abstract void start();

    /** The name used in the report. */
    public abstract String name();

    /** The next job body, cycling through the job list (a backlog that never runs dry). */
    protected Workload.Item nextJob() {
        return jobs.get(Math.floorMod(nextJob.getAndIncrement(), jobs.size()));
    }

    /** Runs {@code r} after {@code simNanos} of simulated time. */
    protected void afterSim(long simNanos, Runnable r) {
        long wallMicros = Math.max(0, (long) (simNanos / timeScale / 1000));
        timers.schedule(() -> {
            if (!stopped) {
                r.run();
            }
        }, wallMicros, TimeUnit.MICROSECONDS);
    }

    /** Sends one job to one region. */
    protected CompletableFuture<Answer> send(Endpoint e, Workload.Item item) {
        sent.incrementAndGet();
        long sentAt = simClock.nanos();
        HttpRequest req = HttpRequest.newBuilder(URI.create(e.baseUrl()
                        + "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21"))
                .header("content-type", "application/json").header("api-key", apiKey)
                .timeout(Duration.ofSeconds(120))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body(item))).build();
        return http.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray()).handle((r, err) -> {
            if (err != null) {
                failures.incrementAndGet();
                return new Answer(0, 1000, 0);
            }
            if (r.statusCode() == 429) {
                rateLimited.incrementAndGet();
                return new Answer(429, retryAfterMs(r), 0, header(r, "retry-after-ms"), header(r, "retry-after"));
            }
            int billed = 0;
            if (r.statusCode() == 200) {
                try {
                    JsonNode u = JSON.readTree(r.body()).path("usage");
                    billed = u.path("prompt_tokens").asInt() + u.path("completion_tokens").asInt();
                } catch (java.io.IOException ex) {
                    failures.incrementAndGet();
                }
                long second = Math.floorDiv(sentAt - simStartNanos, 1_000_000_000L);
                if (second >= 0 && second < MAX_SECONDS) {
                    billedPerSecond.addAndGet((int) second, billed);
                }
            }
            return new Answer(r.statusCode(), 0, billed, header(r, "retry-after-ms"), header(r, "retry-after"));
        });
    }

    /** A numeric header's value, -1 when absent or not a number. */
    static long header(HttpResponse<?> r, String name) {
        var v = r.headers().firstValue(name);
        if (v.isEmpty()) {
            return -1;
        }
        try {
            return Long.parseLong(v.get().trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static long retryAfterMs(HttpResponse<?> r) {
        var ms = r.headers().firstValue("retry-after-ms");
        if (ms.isPresent()) {
            try {
                return Long.parseLong(ms.get().trim());
            } catch (NumberFormatException ignored) {
                // fall through to retry-after
            }
        }
        var s = r.headers().firstValue("retry-after");
        if (s.isPresent()) {
            try {
                return Long.parseLong(s.get().trim()) * 1000;
            } catch (NumberFormatException ignored) {
                // no usable hint
            }
        }
        return 1000;
    }

    /** The chat request the worker would send for this job: messages and max_tokens. */
    static byte[] body(Workload.Item item) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode msgs = root.putArray("messages");
        for (ChatMessage m : item.job().messages()) {
            msgs.addObject().put("role", m.role()).put("content", m.content());
        }
        root.put("max_tokens", item.job().maxTokens());
        try {
            return JSON.writeValueAsBytes(root);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Usage tokens (prompt + completion) of 200 answers to requests sent in simulated seconds {@code [from, to)}. */
    public long billedTokens(long from, long to) {
        long sum = 0;
        for (long s = Math.max(0, from); s < Math.min(to, MAX_SECONDS); s++) {
            sum += billedPerSecond.get((int) s);
        }
        return sum;
    }

    public long sent() {
        return sent.get();
    }

    public long rateLimited() {
        return rateLimited.get();
    }

    public long failures() {
        return failures.get();
    }

    /** Stops sending; answers still in flight are ignored. */
    public void stop() {
        stopped = true;
    }

    @Override
    public void close() {
        stopped = true;
        timers.shutdownNow();
        httpExecutor.shutdownNow();
    }
}
