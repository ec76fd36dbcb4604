package dev.llmbatch.bench;

import java.time.Duration;
import java.util.Optional;

/** CPU time of processes, for per-job CPU accounting (ProcessHandle: user + system time). */
final class Cpu {
    private Cpu() {
    }

    static double seconds(ProcessHandle p) {
        return p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L) / 1e9;
    }

    /** The embedded broker: the child JVM of this process whose command line runs the broker main. */
    static Optional<ProcessHandle> brokerProcess() {
        // ProcessHandle.Info.arguments() is empty for the broker's very long command line: read /proc directly
        return ProcessHandle.current().children().filter(c -> cmdline(c.pid()).contains("BrokerMain")).findFirst();
    }

    static String cmdline(long pid) {
        try {
            return new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc", Long.toString(pid),
                    "cmdline")), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException | RuntimeException e) {
            return "";
        }
    }

    /** CPU seconds of self, broker and (optionally) another process, sampled together. */
    record Snapshot(double self, double broker, double other) {
        static Snapshot take(ProcessHandle other) {
            return new Snapshot(seconds(ProcessHandle.current()), brokerProcess().map(Cpu::seconds).orElse(0.0),
                    other == null ? 0 : seconds(other));
        }

        Snapshot minus(Snapshot o) {
            return new Snapshot(self - o.self, broker - o.broker, other - o.other);
        }
    }
}
