package dev.llmbatch.producer;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.llmbatch.command.Commands;
import dev.llmbatch.command.DurationConverter;
import dev.llmbatch.command.StreamCommand;
import dev.llmbatch.command.VersionProvider;
import dev.llmbatch.core.json.Json;
import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.ResultCodec;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.core.time.Ticker;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.function.Consumer;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pipeline submit}: streams a JSONL file of jobs to the jobs topic and, with {@code --wait}, collects one
 * result per job into a JSONL file (or standard output) while showing progress.
 *
 * <pre>
 * pipeline submit --input jobs.jsonl [--bootstrap[-server] localhost:9092] [--topic llm.jobs]
 *                 [--results-topic llm.results] [--output results.jsonl] [--wait] [--timeout 30m]
 *                 [--command-config client.properties]
 * </pre>
 *
 * <p>Every non-blank line is sent as written, keyed by its string {@code id} when it has one; the worker validates,
 * so a line that is not a valid job is reported (line numbers of the first ten) but still sent. With {@code --wait},
 * results are awaited for each id that will get one: valid jobs, and invalid ones with a usable id (they come back
 * {@code rejected}); a line without a usable id only reaches the DLQ. Exit code 0 when everything was sent (and,
 * with {@code --wait}, every result arrived), 1 on a timeout or a send or Kafka error, 2 on bad usage.
 *
 * <p>Stateless; each call works on its own. Not meant to be called concurrently with the same output file.
 */
@Command(name = "submit", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        sortOptions = false,
        description = {"Publishes a JSONL file of jobs; with --wait follows the results topic, shows progress, rate and "
                + "ETA, and writes one result per job as JSONL.",
                "Exit codes: 0 done, 1 timeout or Kafka error, 2 bad usage."})
public final class SubmitCommand extends StreamCommand {
    static final String DEFAULT_BOOTSTRAP = "localhost:9092";
    static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);

    @Spec
    CommandSpec spec;

    @Option(names = "--input", paramLabel = "FILE", required = true,
            description = "JSONL file of jobs, one per line")
    Path input;

    @Option(names = {"--bootstrap", "--bootstrap-server"}, paramLabel = "HOST:PORT",
            defaultValue = DEFAULT_BOOTSTRAP, description = "Kafka bootstrap servers (default ${DEFAULT-VALUE})")
    String bootstrap;

    @Option(names = "--command-config", paramLabel = "FILE",
            description = "Kafka client settings (Java properties: security.protocol, sasl.*, ssl.*, config.providers)")
    Path commandConfig;

    @Option(names = "--topic", paramLabel = "TOPIC", defaultValue = JobSubmitter.DEFAULT_TOPIC,
            description = "jobs topic (default ${DEFAULT-VALUE})")
    String topic;

    @Option(names = "--results-topic", paramLabel = "TOPIC", defaultValue = ResultFollower.DEFAULT_TOPIC,
            description = "results topic followed with --wait (default ${DEFAULT-VALUE})")
    String resultsTopic;

    @Option(names = "--wait", description = "wait for one result per job and write them as JSONL")
    boolean await;

    @Option(names = "--output", paramLabel = "FILE",
            description = "file for the results (default: standard output); needs --wait")
    Path output;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30m", converter = DurationConverter.class,
            description = "how long to wait for results after the last line was sent (default ${DEFAULT-VALUE}; "
                    + DurationConverter.FORMS + ")")
    Duration timeout;

    /**
     * What a submission did. {@code resultsByStatus} counts the results received per status (empty without waiting);
     * {@code elapsed} runs from the first line read to the last result received (or the last line acknowledged).
     * Immutable.
     *
     * @param submitted       lines the broker acknowledged
     * @param invalidLines    lines that are not valid jobs (sent anyway)
     * @param notSent         lines that could not be sent
     * @param awaited         distinct ids whose result was awaited (0 without waiting)
     * @param resultsByStatus results received, per status
     * @param elapsed         wall time of the whole run
     */
    public record Summary(long submitted, long invalidLines, long notSent, long awaited,
            Map<Status, Long> resultsByStatus, Duration elapsed) {

        public Summary {
            EnumMap<Status, Long> copy = new EnumMap<>(Status.class);
            copy.putAll(resultsByStatus);
            resultsByStatus = Collections.unmodifiableMap(copy);
            Objects.requireNonNull(elapsed, "elapsed");
        }

        /** Results received, all statuses together. */
        public long results() {
            return resultsByStatus.values().stream().mapToLong(Long::longValue).sum();
        }

        /** Results per second when results were awaited, else acknowledged lines per second. */
        public double jobsPerSecond() {
            return Durations.rate(awaited > 0 ? results() : submitted, elapsed);
        }

        /** The summary as printed at the end of {@code pipeline submit}, several lines, no trailing newline. */
        public String format() {
            StringJoiner text = new StringJoiner(System.lineSeparator());
            text.add(String.format(Locale.ROOT, "submitted: %d lines (%d not valid jobs%s)", submitted,
                    invalidLines, notSent > 0 ? ", " + notSent + " not sent" : ""));
            if (awaited > 0) {
                StringJoiner statuses = new StringJoiner(", ");
                for (Status s : Status.values()) {
                    statuses.add(s.wire() + " " + resultsByStatus.getOrDefault(s, 0L));
                }
                text.add(String.format(Locale.ROOT, "results:   %d of %d (%s)", results(), awaited, statuses));
            }
            text.add(String.format(Locale.ROOT, "elapsed:   %s, %s", Durations.formatElapsed(elapsed),
                    Durations.formatRate(jobsPerSecond())));
            return text.toString();
        }
    }

    /** Runs the command line with diagnostics on {@code out}, or on standard error while results go to {@code out}. */
    public static int run(String[] args, PrintStream out) {
        return run(args, out, System.err);
    }

    /**
     * Runs the command line. Usage errors go to {@code err}; the report, progress and the summary go to {@code out};
     * when results are written to {@code out} (no {@code --output}), everything but the results goes to {@code err}
     * instead, so the output stays valid JSONL.
     *
     * @return 0 on success, 1 on timeout or send/Kafka failure, 2 on bad usage
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return Commands.execute(new SubmitCommand(), args, out, err);
    }

    @Override
    public Integer call() {
        Submission.Options options = options();
        if (output != null && !await) {
            throw Commands.usage(spec, "--output needs --wait (results are only collected while waiting)");
        }
        boolean resultsToOut = options.await() && output == null;
        PrintStream report = resultsToOut ? err : out;
        BufferedWriter writer = null;
        try {
            if (output != null) {
                try {
                    writer = Files.newBufferedWriter(output, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw Commands.usage(spec, "--output: cannot write " + output + ": " + e.getMessage());
                }
            }
            Consumer<JobResult> sink = writer != null ? writerSink(writer) : resultsToOut ? streamSink(out) : r -> {
            };
            Submission.Outcome outcome = new Submission(options, report, sink, System.console() != null,
                    Ticker.system()).run();
            if (outcome.sendError() != null) {
                String refused = ClientConfig.refused(outcome.sendCause(), commandConfig);
                report.println("submit: " + (refused != null ? "Kafka at " + options.bootstrap() + ": " + refused
                        : outcome.sendError()));
            }
            if (outcome.timedOut() != null) {
                report.println("submit: " + outcome.timedOut().getMessage());
            }
            report.println(outcome.summary().format());
            return outcome.complete() ? 0 : 1;
        } catch (IOException | UncheckedIOException e) {
            report.println("submit: " + e);
            return 1;
        } catch (KafkaException | IllegalStateException e) {
            String refused = ClientConfig.refused(e, commandConfig);
            report.println("submit: Kafka at " + options.bootstrap() + ": " + (refused != null ? refused
                    : e.getMessage()));
            return 1;
        } finally {
            if (writer != null) {
                try {
                    writer.close();
                } catch (IOException e) {
                    report.println("submit: cannot finish " + output + ": " + e.getMessage());
                }
            }
        }
    }

    /**
     * Submits every line of {@code input} and waits for all results; used by {@code pipeline local}. Writes the
     * submission report and progress (but not the final summary, see {@link Summary#format()}) to
     * {@code progressOut}.
     *
     * @param output where to write the results as JSONL, or null to only count them
     * @throws ResultTimeoutException if some results did not arrive within {@code timeout} after the last line was
     *                                sent
     * @throws IOException            if {@code input} cannot be read or {@code output} written
     * @throws KafkaException         if sending failed
     */
    public static Summary submitAndWait(Path input, Path output, String bootstrap, String jobsTopic,
            String resultsTopic, Duration timeout, PrintStream progressOut) throws IOException {
        return submitAndWait(input, output, bootstrap, Map.of(), jobsTopic, resultsTopic, timeout, progressOut);
    }

    /** As {@link #submitAndWait(Path, Path, String, String, String, Duration, PrintStream)} with client settings. */
    public static Summary submitAndWait(Path input, Path output, String bootstrap, Map<String, Object> client,
            String jobsTopic, String resultsTopic, Duration timeout, PrintStream progressOut) throws IOException {
        Submission.Options options = new Submission.Options(input, bootstrap, jobsTopic, resultsTopic, true, timeout,
                client);
        try (BufferedWriter writer = output == null ? null : Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
            Consumer<JobResult> sink = writer == null ? r -> { } : writerSink(writer);
            Submission.Outcome outcome = new Submission(options, progressOut, sink, System.console() != null,
                    Ticker.system()).run();
            if (outcome.sendError() != null) {
                throw new KafkaException(outcome.sendError());
            }
            if (outcome.timedOut() != null) {
                throw outcome.timedOut();
            }
            return outcome.summary();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    Submission.Options options() {
        if (!Files.isRegularFile(input)) {
            throw Commands.usage(spec, "--input: no such file: " + input);
        }
        if (!Files.isReadable(input)) {
            throw Commands.usage(spec, "--input: cannot read " + input);
        }
        Map<String, Object> client;
        try {
            client = ClientConfig.load(commandConfig);
        } catch (IllegalArgumentException e) {
            throw Commands.usage(spec, e.getMessage());
        }
        return new Submission.Options(input, bootstrap, topic, resultsTopic, await, timeout, client);
    }

    static String jsonLine(JobResult r) {
        try {
            return Json.mapper().writeValueAsString(ResultCodec.toJson(r)) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode result " + r.id(), e);
        }
    }

    private static Consumer<JobResult> writerSink(BufferedWriter writer) {
        return r -> {
            try {
                writer.write(jsonLine(r));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    private static Consumer<JobResult> streamSink(PrintStream out) {
        return r -> out.print(jsonLine(r));
    }
}
