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
                assertThat(ROOT.resolve(s.path("build").asText()).resolve("Dockerfile")).exists();
            }
        }
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
