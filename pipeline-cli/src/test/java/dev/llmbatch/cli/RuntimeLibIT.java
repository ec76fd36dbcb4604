package dev.llmbatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Docker image's runtime classpath (target/lib, the directory the Dockerfile's default stage copies) holds no
 * broker, simulator or benchmark, yet runs the worker's commands; with target/lib-dev (what bin/pipeline adds) every
 * command is there. Runs after package, when both directories exist.
 */
class RuntimeLibIT {
    static final Path ROOT = Path.of("..");
    static final Path TARGET = Path.of("target");
    static final Path JAR = TARGET.resolve("pipeline-cli-0.1.0-SNAPSHOT.jar");

    /** The jars the Dockerfile copies into the image's /app/lib, as a directory of this build. */
    static Path imageLib() throws IOException {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        Matcher m = Pattern.compile("(?m)^COPY --from=build /src/(\\S+) /app/lib$").matcher(dockerfile);
        assertThat(m.find()).as("the Dockerfile copies a lib directory to /app/lib").isTrue();
        Path lib = ROOT.resolve(m.group(1));
        assertThat(m.find()).as("only one directory becomes /app/lib").isFalse();
        return lib;
    }

    static List<Path> jars(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
    }

    @Test
    void imageLib_noBrokerSimulatorOrBenchJars() throws IOException {
        List<String> names = jars(imageLib()).stream().map(p -> p.getFileName().toString()).toList();
        assertThat(names).contains("pipeline-worker-0.1.0-SNAPSHOT.jar", "kafka-clients-4.4.0.jar")
                .noneMatch(n -> n.startsWith("kafka_2.13") || n.startsWith("kafka-server")
                        || n.startsWith("kafka-raft") || n.startsWith("kafka-metadata")
                        || n.startsWith("scala-") || n.startsWith("pipeline-simulator")
                        || n.startsWith("pipeline-bench") || n.startsWith("pipeline-kafka-embedded")
                        || n.startsWith("pipeline-redis-embedded") || n.startsWith("embedded-redis"));
    }

    @Test
    void imageLib_noBrokerSimulatorOrBenchClassesInAnyJar() throws IOException {
        List<String> offending = new ArrayList<>();
        List<Path> all = new ArrayList<>(jars(imageLib()));
        all.add(JAR);
        for (Path jar : all) {
            try (JarFile j = new JarFile(jar.toFile())) {
                j.stream().map(e -> e.getName())
                        .filter(n -> n.startsWith("dev/llmbatch/simulator/") || n.startsWith("dev/llmbatch/bench/")
                                || n.startsWith("dev/llmbatch/kafka/embedded/") || n.equals("kafka/Kafka.class")
                                || n.startsWith("kafka/server/") || n.startsWith("scala/"))
                        .limit(3).forEach(n -> offending.add(jar.getFileName() + "!" + n));
            }
        }
        assertThat(offending).isEmpty();
    }

    @Test
    void imageClasspath_offersTheRuntimeCommandsOnly() throws Exception {
        String help = run(classpath(false), "--help");
        assertThat(commands(help)).containsExactly("help", "worker", "submit", "status", "topics", "plan",
                "generate-completion");
        // plan needs a config here: local's simulated regions are not installed.
        String plan = run(classpath(false), "plan", "--input", ROOT.resolve("examples/reviews-sentiment.jsonl")
                .toString(), "--config", ROOT.resolve("deploy/worker.yaml").toString(), "--output", "json");
        assertThat(plan).contains("\"pools\"");
    }

    @Test
    void withLibDev_everyCommand() throws Exception {
        assertThat(commands(run(classpath(true), "--help"))).containsExactly("help", "local", "worker", "submit",
                "status", "topics", "plan", "simulator", "kafka", "bench", "generate-completion");
    }

    private static String classpath(boolean dev) throws IOException {
        String cp = JAR + File.pathSeparator + imageLib() + File.separator + "*";
        return dev ? cp + File.pathSeparator + TARGET.resolve("lib-dev") + File.separator + "*" : cp;
    }

    /** The command names of a {@code --help} listing, in order. */
    private static List<String> commands(String help) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^  ([a-z-]+)\\s").matcher(help.substring(help.indexOf("Commands:")));
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static String run(String classpath, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath, Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", args) + ":\n" + out).isZero();
        return out;
    }
}
