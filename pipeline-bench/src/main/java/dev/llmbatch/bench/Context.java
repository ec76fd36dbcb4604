package dev.llmbatch.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbatch.bench.report.Report;
import dev.llmbatch.kafka.embedded.EmbeddedKafka;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/** What every scenario gets: settings, the broker, the output directory, the report being built, a log. */
final class Context {
    final Settings settings;
    final EmbeddedKafka kafka;
    final Path out;
    final PrintStream log;
    final ObjectNode json;
    final Map<String, Report> sections = new LinkedHashMap<>();
    /** Summary rows: scenario, metric, target, measured, verdict. */
    final List<List<String>> summary = new ArrayList<>();
    final long startNanos = System.nanoTime();

    Context(Settings settings, EmbeddedKafka kafka, Path out, PrintStream log, ObjectNode json) {
        this.settings = settings;
        this.kafka = kafka;
        this.out = out;
        this.log = log;
        this.json = json;
    }

    String bootstrap() {
        return kafka.bootstrapServers();
    }

    Report section(String name) {
        return sections.computeIfAbsent(name, k -> new Report());
    }

    void summary(String scenario, String metric, String target, String measured, Boolean pass) {
        summary.add(List.of(scenario, metric, target, measured, pass == null ? "info" : Report.verdict(pass)));
    }

    void log(String fmt, Object... args) {
        double t = (System.nanoTime() - startNanos) / 1e9;
        log.printf(Locale.ROOT, "[bench %6.1fs] %s%n", t, String.format(Locale.ROOT, fmt, args));
        log.flush();
    }

    /** Fresh topic names (created with the run's partition count; DLQ one partition). */
    SimSetup.Topics topics(String scenario) {
        SimSetup.Topics t = SimSetup.Topics.named("bench-" + scenario + "-" + UUID.randomUUID().toString()
                .substring(0, 6));
        kafka.createTopics(Map.of(t.jobs(), settings.partitions(), t.results(), settings.partitions(), t.dlq(), 1));
        return t;
    }
}
