package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmbatch.core.job.Job;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.simulator.SimulatorConfig;
import dev.llmbatch.worker.Worker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The status page and the operator files against a real run (broker, simulator with two regions, one of them told to
 * the worker, as the first tier, with ten times its quota so that 429s come): headless Chromium opens {@code /}, lets the page poll
 * {@code /status.json} several times, and the rendered DOM shows every region with the numbers {@code /status.json}
 * gives, the lag per partition and the errors; a screenshot taken mid-run goes to {@code target/status-page.png}. The Grafana
 * dashboard and the Prometheus alert rules reference only series the worker's {@code /metrics} exposes after that run.
 *
 * <p>Chromium is required (Debian's {@code chromium}; .ci/run installs it): without it the test fails, it does not skip.
 */
class StatusPageIT {
    private static final String SIM = """
            time-scale: 30
            seed: 11
            api-keys: [it-key]
            regions:
              - name: eastus
                latency: {rtt-ms: 10, ttft-ms: 200, tps: 200}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 20000, rpm: 120,
                               shedding-rate: 0.2, shedding-retry-after-s: 3}]
              - name: swedencentral
                latency: {rtt-ms: 10, ttft-ms: 100, tps: 300}
                deployments: [{name: gpt-4o-mini, model: gpt-4o-mini-2024-07-18, tpm: 450000, rpm: 2700}]
            """;
    private static final Path ROOT = Path.of("..");
    /** 600 by default; {@code -Dstatuspage.jobs=3000} makes a run long enough for a picture with lag and rates. */
    private static final int JOBS = Integer.getInteger("statuspage.jobs", 600);
    private static final Path SHOT = Path.of("target", "status-page.png").toAbsolutePath();
    private static final Pattern SERIES = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{[^}]*})? ");
    private static final Pattern NAME_IN_EXPR = Pattern.compile(
            "\\b((?:llm|kafka|jvm|process|cache|system|executor)_[a-zA-Z0-9_]+)\\b");

    private static Cluster cluster;
    private static Simulator sim;
    private static Worker worker;
    private static Cluster.Topics topics;

    @BeforeAll
    static void run() throws Exception {
        cluster = Cluster.shared();
        topics = cluster.topics(3);
        sim = Simulator.start(SimulatorConfig.parse(SIM));
        // eastus is the first tier, sheds a fifth of its calls with 429 (capacity) and the worker believes it has ten
        // times its quota, so the page has 429s to show on any machine (the quota alone gave none on a machine where
        // the service's remaining-quota headers taught the worker the real room in time); swedencentral, the second
        // tier, takes the rest
        String yaml = Cluster.workerYaml(sim, topics, 30, null).replace("tpm: 20000, rpm: 120",
                "tpm: 200000, rpm: 1200").replace("tpm: 450000, rpm: 2700}", "tpm: 450000, rpm: 2700, priority: 2}");
        assertThat(yaml).contains("priority: 2}").contains("tpm: 200000");
        worker = cluster.startWorker(yaml, sim);
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            jobs.add(Jobs.job("page", i));
        }
        cluster.produce(topics.jobs(), Jobs.records(jobs));
        // the picture is taken mid-run, where it shows lag, rates and 429s (the DOM is checked once all is quiet)
        // (a loaded machine may answer one poll late while the dispatcher works through 429s: polls that time out
        // are tried again)
        Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> status().getJsonObject("totals").getLong("results") >= JOBS / 10);
        Files.createDirectories(SHOT.getParent());
        Files.deleteIfExists(SHOT);
        chromium("--screenshot=" + SHOT, "http://127.0.0.1:" + worker.adminPort() + "/");
        cluster.awaitResults(topics.results(), Cluster.allOf(QuotaIT.ids(jobs)), Duration.ofMinutes(2));
        // every partition read and committed to its end, as the group's lag shows it
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            JsonObject lag = status().getJsonObject("lag");
            return lag.getJsonArray("partitions").size() == 3 && lag.getLong("lag_records") == 0
                    && lag.getValue("error") == null;
        });
    }

    @AfterAll
    static void stop() {
        if (worker != null) {
            worker.close();
        }
        if (sim != null) {
            sim.close();
        }
    }

    private static JsonObject status() throws Exception {
        return new JsonObject(AdminHttp.get(worker, "/status.json"));
    }

    @Test
    void statusPage_inHeadlessChromium_showsEveryRegionLagAndErrorsAsStatusJsonSays() throws Exception {
        String url = "http://127.0.0.1:" + worker.adminPort() + "/";
        String dom = chromium("--dump-dom", url);
        JsonObject s = status();

        Matcher polls = Pattern.compile("id=\"updated\"[^>]*data-polls=\"(\\d+)\"").matcher(dom);
        assertThat(polls.find()).as("the page rendered a poll: %s", dom).isTrue();
        assertThat(Integer.parseInt(polls.group(1))).as("the page updated itself after its first poll")
                .isGreaterThanOrEqualTo(2);
        assertThat(dom).doesNotContain("cannot read status.json");

        JsonArray regions = s.getJsonArray("regions");
        assertThat(regions).hasSize(2);
        Map<String, String> rows = rows(dom, "data-region");
        assertThat(rows.keySet()).containsExactlyInAnyOrder("eastus", "swedencentral");
        for (int i = 0; i < regions.size(); i++) {
            JsonObject r = regions.getJsonObject(i);
            String row = rows.get(r.getString("region"));
            assertThat(number(cell(row, "num tpm"))).as("TPM quota of %s", r.getString("region"))
                    .isEqualTo(r.getLong("tpm"));
            assertThat(number(cell(row, "num rpm"))).isEqualTo(r.getLong("rpm"));
            assertThat(cell(row, "deployment")).isEqualTo(r.getString("deployment"));
            assertThat(cell(row, "priority")).isEqualTo(String.valueOf(r.getInteger("priority")));
            assertThat(cell(row, "breaker breaker-" + r.getString("breaker"))).startsWith(r.getString("breaker"));
        }
        assertThat(number(text(dom, "results-total"))).as("results total").isEqualTo(JOBS)
                .isEqualTo(s.getJsonObject("totals").getLong("results"));
        JsonObject totals = s.getJsonObject("totals");
        assertThat(number(text(dom, "tokens-total")))
                .isEqualTo(totals.getLong("prompt_tokens") + totals.getLong("completion_tokens"));

        JsonObject lag = s.getJsonObject("lag");
        Map<String, String> parts = rows(dom, "data-partition");
        assertThat(parts).hasSize(lag.getJsonArray("partitions").size()).hasSize(3);
        for (Object o : lag.getJsonArray("partitions")) {
            JsonObject p = (JsonObject) o;
            String row = parts.get(String.valueOf(p.getInteger("partition")));
            assertThat(number(cell(row, "num end"))).isEqualTo(p.getLong("end"));
            assertThat(number(cell(row, "num committed"))).isEqualTo(p.getLong("committed"));
            assertThat(number(cell(row, "num lag"))).isEqualTo(p.getLong("lag_records")).isZero();
        }
        assertThat(text(dom, "lag-eta")).isEqualTo("0 s");

        long limited = s.getJsonArray("errors").stream().map(JsonObject.class::cast)
                .filter(e -> e.getString("source").equals("rate_limited")).mapToLong(e -> e.getLong("count")).sum();
        assertThat(limited).as("the region with a quota set too high answered 429s").isPositive();
        long shown = 0;
        Matcher m = Pattern.compile("<tr data-source=\"rate_limited\".*?<td class=\"num count\">([^<]*)</td>")
                .matcher(dom);
        while (m.find()) {
            shown += number(m.group(1));
        }
        assertThat(shown).as("429s shown on the page").isEqualTo(limited);
        assertThat(dom).as("no prompt text reaches the page").doesNotContain(Jobs.text(7))
                .doesNotContain(Jobs.text(8));
        assertThat(SHOT).as("the screenshot taken mid-run").exists();
        assertThat(Files.size(SHOT)).isGreaterThan(10_000);
    }

    @Test
    void dashboardAndAlertRules_referenceOnlySeriesTheWorkerExposes() throws Exception {
        Set<String> exposed = new TreeSet<>();
        Matcher m = SERIES.matcher(AdminHttp.get(worker, "/metrics"));
        while (m.find()) {
            exposed.add(m.group(1));
        }
        assertThat(exposed).contains("llm_consumer_lag_records", "llm_result_visible_seconds_bucket",
                "kafka_consumer_fetch_manager_records_consumed_total", "cache_gets_total");

        JsonNode dashboard = new ObjectMapper().readTree(ROOT.resolve("deploy/grafana/llm-batch-pipeline.json")
                .toFile());
        List<String> exprs = new ArrayList<>();
        dashboard.findValues("expr").forEach(e -> exprs.add(e.asText()));
        assertThat(exprs).as("dashboard queries").hasSizeGreaterThan(10);
        JsonNode rules = DeploymentFilesTest.YAML.readTree(ROOT.resolve("deploy/prometheus/alerts.yml").toFile());
        List<String> alertExprs = new ArrayList<>();
        rules.findValues("expr").forEach(e -> alertExprs.add(e.asText()));
        assertThat(alertExprs).hasSizeGreaterThanOrEqualTo(5);
        exprs.addAll(alertExprs);

        // and the series described but without a sample yet (a counter whose labels have not occurred in this run,
        // such as a DLQ reason); a histogram is described without its unit and suffixes
        for (String d : worker.metrics().described()) {
            exposed.add(d);
            for (String suffix : List.of("_bucket", "_count", "_sum", "_max")) {
                exposed.add(d + "_seconds" + suffix);
            }
        }
        Map<String, String> unknown = new HashMap<>();
        for (String expr : exprs) {
            Matcher n = NAME_IN_EXPR.matcher(expr);
            while (n.find()) {
                if (!exposed.contains(n.group(1))) {
                    unknown.put(n.group(1), expr);
                }
            }
        }
        assertThat(unknown).as("series the dashboard or the alerts use but /metrics does not have").isEmpty();
    }

    /** Runs headless Chromium on {@code url} with {@code mode} and returns its standard output. */
    private static String chromium(String mode, String url) throws Exception {
        String binary = chromiumBinary();
        Path profile = Files.createTempDirectory("statuspage-chromium");
        // the page polls every 2 s: 7 s of virtual time lets it poll several times before the DOM or the picture is
        // taken (virtual time waits for the requests in flight, so a slow machine changes nothing)
        Process p = new ProcessBuilder(binary, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile,
                "--window-size=1400,1000", "--hide-scrollbars", "--virtual-time-budget=7000", mode, url)
                .redirectError(Path.of("target", "chromium-stderr.txt").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        assertThat(p.exitValue()).as("chromium's exit code (stderr in target/chromium-stderr.txt)").isZero();
        return out;
    }

    private static String chromiumBinary() {
        String env = System.getenv("CHROMIUM");
        if (env != null && !env.isBlank()) {
            return env;
        }
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                if (Files.isExecutable(Path.of(dir, name))) {
                    return Path.of(dir, name).toString();
                }
            }
        }
        throw new AssertionError("headless Chromium is needed to test the status page and none is on the PATH: "
                + "install Debian's chromium (apt-get install -y chromium; .ci/run does) or set CHROMIUM to its path");
    }

    /** Table rows by the value of their {@code attribute} (data-region, data-partition), as HTML. */
    private static Map<String, String> rows(String dom, String attribute) {
        Map<String, String> out = new HashMap<>();
        Matcher m = Pattern.compile("<tr " + attribute + "=\"([^\"]+)\"(.*?)</tr>", Pattern.DOTALL).matcher(dom);
        while (m.find()) {
            out.put(m.group(1), m.group(2));
        }
        return out;
    }

    private static String cell(String row, String cls) {
        Matcher m = Pattern.compile("<td class=\"" + Pattern.quote(cls) + "\"[^>]*>([^<]*)").matcher(row);
        assertThat(m.find()).as("a cell of class '%s' in %s", cls, row).isTrue();
        return m.group(1).trim();
    }

    private static String text(String dom, String id) {
        Matcher m = Pattern.compile("id=\"" + Pattern.quote(id) + "\"[^>]*>([^<]*)<").matcher(dom);
        assertThat(m.find()).as("element #%s", id).isTrue();
        return m.group(1).trim();
    }

    private static long number(String formatted) {
        return Long.parseLong(formatted.replace(",", "").trim());
    }
}
