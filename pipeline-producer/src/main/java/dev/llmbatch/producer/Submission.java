package dev.llmbatch.producer;

import dev.llmbatch.core.result.JobResult;
import dev.llmbatch.core.result.Status;
import dev.llmbatch.core.time.Ticker;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;

/**
 * One run of {@code submit}: streams a JSONL file to the jobs topic line by line and, when asked, follows the
 * results of the ids that will get one. Lines are sent as written; a line that is not a valid job is reported (by
 * line number) but still sent, so the worker's rejection and DLQ paths see it. Single use, not thread-safe.
 */
final class Submission {
    static final int MAX_REPORTED = 10;
    private static final int MAX_PROBLEM_CHARS = 200;

    record Options(Path input, String bootstrap, String jobsTopic, String resultsTopic, boolean await,
            Duration timeout, Map<String, Object> client) {

        Options(Path input, String bootstrap, String jobsTopic, String resultsTopic, boolean await, Duration timeout) {
            this(input, bootstrap, jobsTopic, resultsTopic, await, timeout, Map.of());
        }
    }

    /** What happened; {@code timedOut} is set when the wait timed out, {@code sendError} when sending stopped. */
    record Outcome(SubmitCommand.Summary summary, ResultTimeoutException timedOut, String sendError,
            Throwable sendCause) {

        Outcome(SubmitCommand.Summary summary, ResultTimeoutException timedOut, String sendError) {
            this(summary, timedOut, sendError, null);
        }

        boolean complete() {
            return timedOut == null && sendError == null && summary.notSent() == 0;
        }
    }

    private final Options options;
    private final PrintStream report;
    private final Consumer<JobResult> sink;
    private final boolean terminal;
    private final Ticker ticker;

    /**
     * @param report   where the submission report and progress go
     * @param sink     receives each awaited id's result on the calling thread
     * @param terminal whether {@code report} is an interactive terminal
     */
    Submission(Options options, PrintStream report, Consumer<JobResult> sink, boolean terminal, Ticker ticker) {
        this.options = options;
        this.report = report;
        this.sink = sink;
        this.terminal = terminal;
        this.ticker = ticker;
    }

    Outcome run() throws IOException {
        long start = ticker.nanos();
        ResultFollower follower = options.await()
                ? ResultFollower.fromNow(options.bootstrap(), options.resultsTopic(), options.client()) : null;
        try {
            return run(start, follower);
        } finally {
            if (follower != null) {
                follower.close();
            }
        }
    }

    private Outcome run(long start, ResultFollower follower) throws IOException {
        Set<String> awaited = new HashSet<>();
        long lines = 0;
        long invalid = 0;
        long duplicates = 0;
        List<String> problems = new ArrayList<>();
        AtomicLong acked = new AtomicLong();
        AtomicLong notSent = new AtomicLong();
        List<String> sendProblems = Collections.synchronizedList(new ArrayList<>());
        Set<String> notSentIds = ConcurrentHashMap.newKeySet();
        AtomicReference<Throwable> fatal = new AtomicReference<>();
        long stoppedAt = 0;

        ProgressPrinter submitProgress = new ProgressPrinter(report, terminal, ticker);
        try (JobSubmitter submitter = JobSubmitter.builder(options.bootstrap()).topic(options.jobsTopic())
                .clientProperties(options.client()).build();
                JsonlReader reader = new JsonlReader(Files.newInputStream(options.input()))) {
            for (JsonlReader.Line line = reader.next(); line != null; line = reader.next()) {
                if (fatal.get() != null) {
                    stoppedAt = line.number();
                    break;
                }
                if (line.isBlank()) {
                    continue;
                }
                lines++;
                LineCheck check = LineCheck.of(line.bytes());
                if (!check.valid()) {
                    invalid++;
                    if (problems.size() < MAX_REPORTED) {
                        problems.add("line " + line.number() + ": " + shorten(check.problem()));
                    }
                }
                if (check.resultId() != null && !awaited.add(check.resultId())) {
                    duplicates++;
                }
                long number = line.number();
                submitter.submitRaw(check.key(), line.bytes()).whenComplete((ok, error) -> {
                    if (error == null) {
                        acked.incrementAndGet();
                        return;
                    }
                    Throwable cause = error instanceof CompletionException && error.getCause() != null
                            ? error.getCause() : error;
                    notSent.incrementAndGet();
                    if (check.resultId() != null) {
                        notSentIds.add(check.resultId());
                    }
                    if (sendProblems.size() < MAX_REPORTED) {
                        sendProblems.add("line " + number + ": " + shorten(String.valueOf(cause)));
                    }
                    // One oversized line should not stop a file; anything else (broker gone, auth) would fail
                    // every following line too.
                    if (!(cause instanceof RecordTooLargeException || cause instanceof RecordBatchTooLargeException)) {
                        fatal.compareAndSet(null, cause);
                    }
                });
                submitProgress.status("sending: " + lines + " lines");
            }
            submitter.flush();
        }
        submitProgress.finish();
        Duration sendTime = Duration.ofNanos(ticker.nanos() - start);
        awaited.removeAll(notSentIds);

        report.printf("sent %d lines to %s in %s%s%n", acked.get(), options.jobsTopic(),
                Durations.formatElapsed(sendTime), options.await() ? " (" + awaited.size() + " results awaited)" : "");
        if (invalid > 0) {
            report.printf("%s (sent anyway: the worker rejects or dead-letters %s):%n",
                    invalid == 1 ? "1 line is not a valid job" : invalid + " lines are not valid jobs",
                    invalid == 1 ? "it" : "them");
            problems.forEach(p -> report.println("  " + p));
            if (invalid > problems.size()) {
                report.printf("  ... and %d more%n", invalid - problems.size());
            }
        }
        if (duplicates > 0) {
            report.printf("%d line%s repeat an earlier id; one result is awaited per id%n", duplicates,
                    duplicates == 1 ? "" : "s");
        }
        if (notSent.get() > 0) {
            report.printf("%d line%s could not be sent:%n", notSent.get(), notSent.get() == 1 ? "" : "s");
            sendProblems.forEach(p -> report.println("  " + p));
        }
        Throwable stop = fatal.get();
        if (stop != null) {
            String where = stoppedAt > 0 ? "stopped before line " + stoppedAt + ": " : "sending failed: ";
            return new Outcome(summary(acked.get(), invalid, notSent.get(), 0, Map.of(), start), null,
                    where + stop, stop);
        }
        if (follower == null) {
            return new Outcome(summary(acked.get(), invalid, notSent.get(), 0, Map.of(), start), null, null);
        }

        Map<Status, Long> byStatus = new EnumMap<>(Status.class);
        ProgressPrinter waitProgress = new ProgressPrinter(report, terminal, ticker);
        ResultTimeoutException timedOut = null;
        try {
            follower.await(awaited, result -> {
                byStatus.merge(result.status(), 1L, Long::sum);
                sink.accept(result);
            }, options.timeout(), waitProgress);
        } catch (ResultTimeoutException e) {
            timedOut = e;
        } finally {
            waitProgress.finish();
        }
        return new Outcome(summary(acked.get(), invalid, notSent.get(), awaited.size(), byStatus, start), timedOut,
                null);
    }

    private SubmitCommand.Summary summary(long submitted, long invalid, long notSent, long awaited,
            Map<Status, Long> byStatus, long start) {
        return new SubmitCommand.Summary(submitted, invalid, notSent, awaited, byStatus,
                Duration.ofNanos(ticker.nanos() - start));
    }

    private static String shorten(String s) {
        String oneLine = s.replace('\n', ' ').replace('\r', ' ');
        return oneLine.length() <= MAX_PROBLEM_CHARS ? oneLine : oneLine.substring(0, MAX_PROBLEM_CHARS) + "...";
    }
}
