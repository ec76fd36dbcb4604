package dev.llmbatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.llmbatch.core.config.ConfigLoader;
import dev.llmbatch.core.config.PipelineConfig;
import dev.llmbatch.simulator.SimulatorConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The shipped deployment files stay loadable: there is no Docker engine on the build machines, so docker-compose
 * cannot be run here; these checks catch what can be caught without it.
 */
class DeploymentFilesTest {
    static final Path ROOT = Path.of("..");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void composeWorkerConfig_loadsWithTheComposeEnvironment() {
        PipelineConfig cfg = ConfigLoader.load(ROOT.resolve("deploy/worker.yaml"),
                Map.of("PIPELINE_WORKER_HTTP_HOST", "0.0.0.0", "AOAI_KEY_SIM", "sim-key"));
        assertThat(cfg.worker().httpHost()).isEqualTo("0.0.0.0");
        assertThat(cfg.models().get("gpt-4o-mini").deployments()).hasSize(3);
        assertThat(cfg.tasks()).containsKeys("sentiment", "translate");
    }

    @Test
    void composeSimulatorConfig_loadsAndUsesTheWorkerEndpointsPorts() throws Exception {
        SimulatorConfig sim = SimulatorConfig.load(ROOT.resolve("deploy/simulator.yaml"));
        PipelineConfig worker = ConfigLoader.load(ROOT.resolve("deploy/worker.yaml"), Map.of());
        for (var d : worker.models().get("gpt-4o-mini").deployments()) {
            assertThat(sim.region(d.region()).port()).as(d.region()).isEqualTo(d.endpoint().getPort());
        }
    }

    @Test
    void azureExampleConfig_loadsAndNamesKeysOnlyByReference() throws Exception {
        PipelineConfig cfg = ConfigLoader.load(ROOT.resolve("examples/worker-azure.yaml"), Map.of());
        cfg.models().values().forEach(p -> p.deployments().forEach(d ->
                assertThat(d.apiKeyEnv() != null || d.apiKeyFile() != null).isTrue()));
        assertThat(Files.readString(ROOT.resolve("examples/worker-azure.yaml"))).doesNotContainPattern(
                "(?m)^\\s*api-key\\s*:");
    }

    @Test
    void eventHubsExampleConfig_loads_secretsOnlyByReference() throws Exception {
        PipelineConfig cfg = ConfigLoader.load(ROOT.resolve("examples/worker-eventhubs.yaml"), Map.of());
        assertThat(cfg.kafka().delivery()).isEqualTo(dev.llmbatch.core.config.Delivery.AT_LEAST_ONCE);
        assertThat(cfg.kafka().properties()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "PLAIN");
        assertThat(cfg.kafka().properties().get("sasl.jaas.config")).contains("${env:EVENTHUBS_CONNECTION_STRING}");
        cfg.models().values().forEach(p -> p.deployments().forEach(d -> {
            assertThat(d.auth().method()).isEqualTo(dev.llmbatch.core.config.DeploymentAuth.Method.ENTRA);
            assertThat(d.apiKeyEnv()).isNull();
        }));
    }

    @Test
    void dockerCompose_servicesReferenceFilesThatExist() throws Exception {
        JsonNode compose = YAML.readTree(ROOT.resolve("docker-compose.yml").toFile());
        JsonNode services = compose.path("services");
        assertThat(services.has("kafka") && services.has("worker") && services.has("simulator")).isTrue();
        assertThat(services.path("worker").path("command").toString()).contains("/config/worker.yaml");
        assertThat(services.path("worker").path("volumes").get(0).asText()).startsWith("./deploy:/config");
        assertThat(services.path("simulator").path("command").toString()).contains("/config/simulator.yaml");
        assertThat(services.path("worker").path("ports").get(0).asText()).startsWith("127.0.0.1:");
        for (JsonNode s : services) {
            if (s.has("build")) {
                JsonNode b = s.path("build");
                String context = b.isTextual() ? b.asText() : b.path("context").asText();
                assertThat(ROOT.resolve(context).resolve("Dockerfile")).exists();
                if (b.has("target")) {
                    assertThat(dockerfileStages().keySet()).contains(b.path("target").asText());
                }
            }
        }
    }

    @Test
    void dockerCompose_everyLongRunningServiceHasAHealthcheck_workersOnTheLeanImage() throws Exception {
        JsonNode services = YAML.readTree(ROOT.resolve("docker-compose.yml").toFile()).path("services");
        services.fields().forEachRemaining(e -> {
            JsonNode hc = e.getValue().path("healthcheck");
            if (e.getValue().has("profiles")) { // one-shot tools, run with `docker compose run`
                return;
            }
            assertThat(hc.path("test").isMissingNode()).as(e.getKey() + " healthcheck.test").isFalse();
            assertThat(hc.path("disable").asBoolean(false)).as(e.getKey() + " healthcheck disabled").isFalse();
        });
        // The worker image is the Dockerfile's default (last) stage, without the development commands.
        JsonNode workerBuild = services.path("worker").path("build");
        assertThat(workerBuild.isTextual() || !workerBuild.has("target")
                || workerBuild.path("target").asText().equals(lastStage())).isTrue();
        assertThat(services.path("simulator").path("build").path("target").asText()).isEqualTo("tools");
        assertThat(services.path("kafka").path("image").asText()).isEqualTo("apache/kafka:" + kafkaVersion());
    }

    @Test
    void dockerCompose_monitoringProfile_provisionsPrometheusAndGrafanaFromDeploy() throws Exception {
        JsonNode services = YAML.readTree(ROOT.resolve("docker-compose.yml").toFile()).path("services");
        for (String name : List.of("prometheus", "grafana")) {
            JsonNode s = services.path(name);
            assertThat(s.path("profiles").toString()).as(name + " profiles").isEqualTo("[\"monitoring\"]");
            assertThat(s.path("ports").get(0).asText()).as(name + " on localhost only").startsWith("127.0.0.1:");
            assertThat(s.path("healthcheck").path("test").asText()).as(name + " healthcheck").isNotBlank();
            for (JsonNode v : s.path("volumes")) {
                String host = v.asText().split(":")[0];
                if (host.startsWith("./")) {
                    assertThat(ROOT.resolve(host)).as(name + " mounts " + host).exists();
                }
            }
        }
        assertThat(services.path("prometheus").path("command").toString())
                .contains("--config.file=/etc/prometheus/prometheus.yml");
        JsonNode prom = YAML.readTree(ROOT.resolve("deploy/prometheus/prometheus.yml").toFile());
        assertThat(prom.path("rule_files").get(0).asText()).isEqualTo("alerts.yml");
        JsonNode scrape = prom.path("scrape_configs").get(0);
        assertThat(scrape.path("job_name").asText()).as("the job the alerts' up{job=...} names")
                .isEqualTo("llm-worker");
        assertThat(scrape.path("dns_sd_configs").get(0).path("names").get(0).asText()).isEqualTo("worker");
        assertThat(scrape.path("dns_sd_configs").get(0).path("port").asInt()).as("the worker's admin port")
                .isEqualTo(ConfigLoader.load(ROOT.resolve("deploy/worker.yaml"), Map.of()).worker().httpPort());

        // the dashboard's data source is the one provisioned, and the provider reads the directory it is mounted in
        JsonNode ds = YAML.readTree(ROOT.resolve("deploy/grafana/provisioning/datasources/prometheus.yml").toFile())
                .path("datasources").get(0);
        assertThat(ds.path("url").asText()).isEqualTo("http://prometheus:9090");
        JsonNode dashboard = new ObjectMapper().readTree(ROOT.resolve("deploy/grafana/llm-batch-pipeline.json")
                .toFile());
        assertThat(dashboard.findValues("uid").stream().map(JsonNode::asText).filter(u -> !u.equals(
                "llm-batch-pipeline")).distinct().toList()).containsExactly(ds.path("uid").asText());
        JsonNode provider = YAML.readTree(ROOT.resolve("deploy/grafana/provisioning/dashboards/dashboards.yml")
                .toFile()).path("providers").get(0);
        assertThat(services.path("grafana").path("volumes").toString())
                .contains("./deploy/grafana:" + provider.path("options").path("path").asText() + ":ro");
    }

    /** hadolint-style rules that matter here (hadolint itself is not installable on these machines). */
    @Test
    void dockerfile_pinsBaseImages_runsAsNonRoot_hasHealthcheck() throws Exception {
        Map<String, List<String>> stages = dockerfileStages();
        for (Map.Entry<String, List<String>> stage : stages.entrySet()) {
            String from = stage.getValue().get(0).split("\\s+")[1];
            if (stages.containsKey(from)) {
                continue; // built on an earlier stage
            }
            // DL3006/DL3007: an explicit tag that is not latest
            assertThat(from).as("base image of stage " + stage.getKey()).matches("[^:@\\s]+(:[^:@\\s]+|@sha256:.+)")
                    .doesNotEndWith(":latest");
        }
        String dockerfile = dockerfileText();
        assertThat(dockerfile).doesNotContainPattern("(?m)^ADD ") // DL3020
                .doesNotContainPattern("(?m)^MAINTAINER"); // DL4000
        for (String run : instructions(dockerfile, "RUN")) {
            if (run.contains("apt-get install")) {
                assertThat(run).as("DL3015/DL3009: " + run).contains("--no-install-recommends", "-y")
                        .contains("rm -rf /var/lib/apt/lists/*");
            }
        }
        for (String stageName : List.of(lastStage(), "tools")) {
            List<String> lines = stages.get(stageName);
            List<String> users = instructions(String.join("\n", lines), "USER");
            assertThat(users).as("USER of stage " + stageName).isNotEmpty();
            assertThat(users.get(users.size() - 1).trim()).as("DL3002: last USER of " + stageName)
                    .isNotIn("root", "0", "0:0");
            List<String> entry = instructions(String.join("\n", lines), "ENTRYPOINT");
            assertThat(entry).as("exec-form ENTRYPOINT of " + stageName).singleElement().asString().startsWith("[");
        }
        List<String> finalStage = stages.get(lastStage());
        assertThat(instructions(String.join("\n", finalStage), "HEALTHCHECK")).singleElement().asString()
                .contains("CMD curl");
        // The default image copies the runtime set only, never the development commands' lib-dev.
        assertThat(String.join("\n", finalStage) + String.join("\n", stages.get("runtime")))
                .doesNotContain("lib-dev").contains("/src/pipeline-cli/target/lib /app/lib");
    }

    @Test
    void podmanCompose_dryRunUp_printsEveryContainer() throws Exception {
        // Debian's podman-compose parses the compose spec and prints the commands it would run; --podman-path
        // /bin/true stands in for an engine (there is none here), so volume and image look-ups succeed quietly.
        Assumptions.assumeTrue(onPath("podman-compose"), "podman-compose is not installed (apt-get install "
                + "podman-compose); DeploymentFilesTest's structural checks still ran");
        Process p = new ProcessBuilder("podman-compose", "--podman-path", "/bin/true", "--dry-run", "up")
                .directory(ROOT.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("--target tools").contains("_kafka_1").contains("_simulator_1")
                .contains("_redis_1").contains("_worker_1").contains("_worker_3").doesNotContain("Traceback")
                // Debian's podman-compose 1.0.3 knows no profiles and lists the monitoring services too
                .contains("_prometheus_1").contains("_grafana_1")
                .contains("-v " + ROOT.toRealPath().resolve("deploy/prometheus") + ":/etc/prometheus:ro");
    }

    private static boolean onPath(String command) {
        return java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .anyMatch(d -> Files.isExecutable(Path.of(d, command)));
    }

    /** The poms' Kafka version (kafka-clients and the embedded broker). */
    private static String kafkaVersion() throws Exception {
        Matcher m = Pattern.compile("<kafka.version>([^<]+)</kafka.version>").matcher(Files.readString(
                ROOT.resolve("pom.xml")));
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    /** The Dockerfile's stages by name (an unnamed stage by its index), each as its logical lines, FROM first. */
    static Map<String, List<String>> dockerfileStages() throws Exception {
        Map<String, List<String>> stages = new java.util.LinkedHashMap<>();
        List<String> current = null;
        for (String line : dockerfileText().split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("FROM ")) {
                String[] parts = line.trim().split("\\s+");
                String name = parts.length >= 4 && parts[2].equalsIgnoreCase("AS") ? parts[3] : "" + stages.size();
                current = new ArrayList<>();
                stages.put(name, current);
            }
            if (current != null) {
                current.add(line);
            }
        }
        return stages;
    }

    /** The Dockerfile with continuation lines joined. */
    private static String dockerfileText() throws Exception {
        return Files.readString(ROOT.resolve("Dockerfile")).replaceAll("\\\\\\n", " ");
    }

    private static String lastStage() throws Exception {
        List<String> names = new ArrayList<>(dockerfileStages().keySet());
        return names.get(names.size() - 1);
    }

    /** The arguments of every {@code instruction} line in {@code text}. */
    private static List<String> instructions(String text, String instruction) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^" + instruction + "\\s+(.*)$").matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void dockerfile_copiesEveryModuleTheCliBuildNeeds() throws Exception {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        List<String> copied = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^COPY (pipeline-[a-z-]+)").matcher(dockerfile);
        while (m.find()) {
            copied.add(m.group(1));
        }
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        Matcher modules = Pattern.compile("<module>([^<]+)</module>").matcher(pom);
        while (modules.find()) {
            assertThat(copied).as("Dockerfile copies " + modules.group(1)).contains(modules.group(1));
            assertThat(ROOT.resolve(modules.group(1)).resolve("pom.xml")).exists();
        }
    }
}
