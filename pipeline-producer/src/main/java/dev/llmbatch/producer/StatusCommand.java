package dev.llmbatch.producer;

import dev.llmbatch.command.Commands;
import dev.llmbatch.command.DurationConverter;
import dev.llmbatch.command.StreamCommand;
import dev.llmbatch.command.VersionProvider;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbatch.core.json.Json;
import dev.llmbatch.core.time.Ticker;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.StringJoiner;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pipeline status}: how far the workers' consumer group is behind on the jobs topic and when it will catch up.
 *
 * <pre>
 * pipeline status [--bootstrap[-server] localhost:9092] [--command-config client.properties] [--group llm-workers]
 *                 [--topic llm.jobs] [--interval 5s]
 *                 [--watch] [--output text|json]
 * </pre>
 *
 * <p>Prints, per partition, the group's committed offset, the end offset (read_committed), the lag and the member
 * that owns it (client id, host, member id, from the group description); the total
 * backlog in jobs; an <em>estimate</em> of the backlog in quota tokens (from up to {@value #SAMPLE_SIZE} sampled
 * unconsumed jobs, see {@link Snapshot#backlogTokens()}); the completion rate measured from two readings of the
 * committed offsets {@code --interval} apart; and the ETA (backlog / rate, "unknown" when the rate is 0).
 * The first reading is printed at once (no rate yet), the next one {@code --interval} later; without {@code --watch}
 * the command ends there, with it a reading follows every interval until interrupted (Ctrl-C). {@code --output json}
 * prints each reading as one JSON object per line ({@link Snapshot#toJson()}). Reads only: it joins no group and commits
 * nothing. Exit code 0, 1 for an unknown group or topic or an unreachable cluster, 2 on bad usage.
 *
 * <p>Stateless; each call works on its own.
 */
@Command(name = "status", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        sortOptions = false,
        description = {"Consumer lag per partition and its owner, backlog in jobs and tokens, completion rate and ETA.",
                "Exit codes: 0 done, 1 unknown group or topic or unreachable cluster, 2 bad usage."})
public final class StatusCommand extends StreamCommand {
    @Spec
    CommandSpec spec;

    /** Most unconsumed records read to estimate tokens per job. */
    public static final int SAMPLE_SIZE = 200;
    static final String DEFAULT_GROUP = "llm-workers";
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
    static final Duration SAMPLE_BUDGET = Duration.ofSeconds(5);

    @Option(names = {"--bootstrap", "--bootstrap-server"}, paramLabel = "HOST:PORT",
            defaultValue = SubmitCommand.DEFAULT_BOOTSTRAP, description = "Kafka bootstrap servers (default ${DEFAULT-VALUE})")
    String bootstrap;

    @Option(names = "--command-config", paramLabel = "FILE",
            description = "Kafka client settings (Java properties: security.protocol, sasl.*, ssl.*, config.providers)")
    java.nio.file.Path commandConfig;

    @Option(names = "--group", paramLabel = "GROUP", defaultValue = DEFAULT_GROUP,
            description = "the workers' consumer group (default ${DEFAULT-VALUE})")
    String group;

    @Option(names = "--topic", paramLabel = "TOPIC", defaultValue = JobSubmitter.DEFAULT_TOPIC,
            description = "jobs topic (default ${DEFAULT-VALUE})")
    String topic;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "5s", converter = DurationConverter.class,
            description = "time between the two offset readings that give the rate (default ${DEFAULT-VALUE})")
    Duration interval;

    @Option(names = "--watch", description = "print a new status every interval until Ctrl-C")
    boolean watch;

    /** How a reading is printed. */
    enum Output { text, json }

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (a table) or json (one JSON object per line and reading) (default ${DEFAULT-VALUE})")
    Output output;

    /**
     * One partition's position. Immutable.
     *
     * @param committed the group's committed offset; empty when it has committed none for this partition (then the
     *                  lag counts from the log start)
     * @param end       the end offset a read_committed consumer sees
     * @param lag       records not consumed yet
     */
    public record PartitionLag(int partition, OptionalLong committed, long end, long lag, Optional<Owner> owner) {
        public PartitionLag {
            Objects.requireNonNull(committed, "committed");
            Objects.requireNonNull(owner, "owner");
        }

        /** A partition no member is assigned. */
        public PartitionLag(int partition, OptionalLong committed, long end, long lag) {
            this(partition, committed, end, lag, Optional.empty());
        }
    }

    /**
     * The group member a partition is assigned to, as the group description names it. Immutable.
     *
     * @param memberId the member id the coordinator gave the consumer
     * @param clientId the consumer's client.id
     * @param host     where the member connects from, as the broker sees it ({@code /10.0.0.7})
     */
    public record Owner(String memberId, String clientId, String host) {
        /** The owner column of the table. */
        String text() {
            return clientId + " " + host + " " + memberId;
        }
    }

    /**
     * A status reading. Immutable.
     *
     * @param groupState    the group's state as the broker reports it (Stable, Empty, ...)
     * @param partitions    per partition, in partition order
     * @param backlogJobs   sum of the lags
     * @param sampledJobs   unconsumed records read to estimate tokens
     * @param backlogTokens an estimate: mean estimated quota tokens of the sampled records x backlog; each job counts
     *                      {@code ceil(code points/4) + 1 + max_tokens (16 if absent)}, a task job
     *                      {@code input + 60} code points for its instruction, a record that is not a valid job 0.
     *                      Empty when there is a backlog but nothing could be sampled
     * @param jobsPerSecond committed-offset progress over {@code interval}
     * @param interval      time between the two readings; zero for the first reading, which has no rate yet
     * @param eta           backlog / rate; empty (unknown) when the rate is 0
     */
    public record Snapshot(String group, String groupState, String topic, List<PartitionLag> partitions,
            long backlogJobs, int sampledJobs, OptionalLong backlogTokens, double jobsPerSecond, Duration interval,
            Optional<Duration> eta) {

        public Snapshot {
            partitions = List.copyOf(partitions);
        }

        /** Mean estimated tokens of the sampled jobs; empty when none were sampled. */
        public OptionalDouble meanTokensPerJob() {
            return sampledJobs == 0 || backlogTokens.isEmpty() || backlogJobs == 0 ? OptionalDouble.empty()
                    : OptionalDouble.of((double) backlogTokens.getAsLong() / backlogJobs);
        }

        /** The text {@code pipeline status} prints: a lag table and the backlog, rate and ETA lines. */
        public String format() {
            StringJoiner text = new StringJoiner(System.lineSeparator());
            text.add(String.format(Locale.ROOT, "group %s (%s), topic %s", group, groupState, topic));
            text.add(String.format(Locale.ROOT, "%10s %14s %14s %12s  %s", "partition", "committed", "end", "lag",
                    "owner (client id, host, member id)"));
            for (PartitionLag p : partitions) {
                text.add(String.format(Locale.ROOT, "%10d %14s %14d %12d  %s", p.partition(),
                        p.committed().isPresent() ? Long.toString(p.committed().getAsLong()) : "-", p.end(),
                        p.lag(), p.owner().map(Owner::text).orElse("-")).stripTrailing());
            }
            text.add(String.format(Locale.ROOT, "%10s %14s %14s %12d", "total", "", "", backlogJobs));
            String tokens;
            if (backlogTokens.isEmpty()) {
                tokens = "tokens unknown (no unconsumed job could be read)";
            } else if (backlogJobs == 0) {
                tokens = "0 tokens";
            } else {
                tokens = String.format(Locale.ROOT, "~%,d tokens (estimate: %.1f tokens/job over %d sampled jobs)",
                        backlogTokens.getAsLong(), meanTokensPerJob().orElse(0), sampledJobs);
            }
            text.add(String.format(Locale.ROOT, "backlog: %,d jobs, %s", backlogJobs, tokens));
            if (interval.isZero()) {
                text.add("rate:    unknown yet (first reading; the rate needs a second one)");
                text.add("ETA:     unknown yet");
                return text.toString();
            }
            text.add(String.format(Locale.ROOT, "rate:    %s (committed offsets over %s)",
                    Durations.formatRate(jobsPerSecond), Durations.formatElapsed(interval)));
            text.add("ETA:     " + (eta.isPresent() ? Durations.format(eta.get())
                    : "unknown (no progress in the last " + Durations.formatElapsed(interval) + ")"));
            return text.toString();
        }

        /**
         * The reading as one JSON object (what {@code --output json} prints, one per line): unknown values are
         * null, durations in milliseconds or seconds as the key says.
         */
        public ObjectNode toJson() {
            ObjectNode o = Json.mapper().createObjectNode();
            o.put("group", group).put("group_state", groupState).put("topic", topic);
            ArrayNode parts = o.putArray("partitions");
            for (PartitionLag p : partitions) {
                ObjectNode j = parts.addObject().put("partition", p.partition());
                if (p.committed().isPresent()) {
                    j.put("committed", p.committed().getAsLong());
                } else {
                    j.putNull("committed");
                }
                j.put("end", p.end()).put("lag", p.lag());
                if (p.owner().isPresent()) {
                    j.putObject("owner").put("member_id", p.owner().get().memberId())
                            .put("client_id", p.owner().get().clientId()).put("host", p.owner().get().host());
                } else {
                    j.putNull("owner");
                }
            }
            o.put("backlog_jobs", backlogJobs);
            if (backlogTokens.isPresent()) {
                o.put("backlog_tokens", backlogTokens.getAsLong());
            } else {
                o.putNull("backlog_tokens");
            }
            o.put("sampled_jobs", sampledJobs);
            o.put("interval_ms", interval.toMillis());
            if (interval.isZero()) {
                o.putNull("jobs_per_second");
                o.putNull("eta_seconds");
            } else {
                o.put("jobs_per_second", jobsPerSecond);
                if (eta.isPresent()) {
                    o.put("eta_seconds", eta.get().toMillis() / 1000.0);
                } else {
                    o.putNull("eta_seconds");
                }
            }
            return o;
        }
    }

    /**
     * Runs the command, printing to {@code out}.
     *
     * @return 0 on success, 1 when the group or topic is unknown or the cluster cannot be reached, 2 on bad usage
     */
    public static int run(String[] args, PrintStream out) {
        return Commands.execute(new StatusCommand(), args, out, out);
    }

    @Override
    public Integer call() {
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(stop::countDown, "status-stop");
        if (watch) {
            Runtime.getRuntime().addShutdownHook(hook);
        }
        boolean clear = watch && output == Output.text && System.console() != null;
        Map<String, Object> client;
        try {
            client = ClientConfig.load(commandConfig);
        } catch (IllegalArgumentException e) {
            throw Commands.usage(spec, e.getMessage());
        }
        try (StatusProbe probe = new StatusProbe(bootstrap, client, Ticker.system())) {
            StatusProbe.Offsets previous = probe.read(group, topic);
            // The first reading at once (no rate yet), then one per interval: the second ends a run without --watch.
            print(compute(group, topic, previous, previous,
                    probe.sample(topic, previous, SAMPLE_SIZE, SAMPLE_BUDGET)), clear, false);
            do {
                Optional<Sampled> next = next(probe, group, topic, previous, interval, stop);
                if (next.isEmpty()) {
                    break;
                }
                print(next.get().snapshot(), clear, true);
                previous = next.get().after();
            } while (watch);
            return 0;
        } catch (GroupIdNotFoundException | UnknownTopicOrPartitionException e) {
            out.println("status: " + e.getMessage());
            return 1;
        } catch (KafkaException e) {
            String refused = ClientConfig.refused(e, commandConfig);
            out.println("status: Kafka at " + bootstrap + ": " + (refused != null ? refused : e.getMessage()));
            return 1;
        } finally {
            if (watch) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException alreadyShuttingDown) {
                    // Ctrl-C: the hook is running, which is what ended the loop.
                }
            }
        }
    }

    private void print(Snapshot snapshot, boolean clear, boolean separate) {
        if (output == Output.json) {
            out.println(snapshot.toJson().toString());
        } else {
            if (clear) {
                out.print("\033[H\033[2J");
            } else if (separate) {
                out.println();
            }
            out.println(snapshot.format());
        }
        out.flush();
    }

    /**
     * Takes a status reading: offsets, a token sample, and offsets again {@code interval} later.
     *
     * @throws GroupIdNotFoundException         if the cluster does not know the group
     * @throws UnknownTopicOrPartitionException if the topic does not exist
     * @throws KafkaException                   if the cluster cannot be reached
     * @throws org.apache.kafka.common.errors.InterruptException if interrupted while waiting for the interval
     */
    public static Snapshot snapshot(String bootstrap, String group, String topic, Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive, got " + interval);
        }
        try (StatusProbe probe = new StatusProbe(bootstrap, Ticker.system())) {
            StatusProbe.Offsets before = probe.read(group, topic);
            return next(probe, group, topic, before, interval, new CountDownLatch(1))
                    .orElseThrow(() -> new org.apache.kafka.common.errors.InterruptException("interrupted"))
                    .snapshot();
        }
    }

    private record Sampled(Snapshot snapshot, StatusProbe.Offsets after) {
    }

    /** Samples tokens, waits out the rest of the interval, reads again; empty when stopped while waiting. */
    private static Optional<Sampled> next(StatusProbe probe, String group, String topic, StatusProbe.Offsets before,
            Duration interval, CountDownLatch stop) {
        StatusProbe.TokenSample sample = probe.sample(topic, before, SAMPLE_SIZE, SAMPLE_BUDGET);
        long remaining = before.atNanos() + interval.toNanos() - Ticker.system().nanos();
        try {
            if (remaining > 0 && stop.await(remaining, TimeUnit.NANOSECONDS)) {
                return Optional.empty();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        StatusProbe.Offsets after = probe.read(group, topic);
        return Optional.of(new Sampled(compute(group, topic, before, after, sample), after));
    }

    /** The pure part: lag, backlog, token estimate, rate and ETA from two readings and a sample. */
    static Snapshot compute(String group, String topic, StatusProbe.Offsets before, StatusProbe.Offsets after,
            StatusProbe.TokenSample sample) {
        List<PartitionLag> partitions = new ArrayList<>();
        long backlog = 0;
        long progressed = 0;
        for (int p : after.end().keySet()) {
            Long committed = after.committed().get(p);
            long lag = after.lag(p);
            partitions.add(new PartitionLag(p, committed == null ? OptionalLong.empty() : OptionalLong.of(committed),
                    after.end().get(p), lag, Optional.ofNullable(after.owners().get(p))));
            backlog += lag;
            if (before.end().containsKey(p)) {
                progressed += after.position(p) - before.position(p);
            }
        }
        Duration elapsed = Duration.ofNanos(after.atNanos() - before.atNanos());
        double rate = Durations.rate(Math.max(0, progressed), elapsed);
        OptionalLong tokens;
        if (backlog == 0) {
            tokens = OptionalLong.of(0);
        } else if (sample.jobs() == 0) {
            tokens = OptionalLong.empty();
        } else {
            tokens = OptionalLong.of(Math.round((double) sample.tokens() / sample.jobs() * backlog));
        }
        return new Snapshot(group, after.groupState(), topic, partitions, backlog, sample.jobs(), tokens, rate,
                elapsed, Durations.eta(backlog, rate));
    }
}
