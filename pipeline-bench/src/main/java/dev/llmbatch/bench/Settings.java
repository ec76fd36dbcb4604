package dev.llmbatch.bench;

import java.util.List;

/**
 * Every knob of a benchmark run; {@link #quick()} and {@link #full()} are the two presets. Printed verbatim in the
 * report so that a run can be reproduced.
 */
public record Settings(
        boolean quick,
        long seed,
        double utilTimeScale,
        int utilDurationS,
        int warmupS,
        int utilBacklogQuotaMinutes,
        int roundRobinConcurrency,
        double leakyFraction,
        double stormTimeScale,
        int stormStartS,
        int stormLengthS,
        int stormEndOfBacklogS,
        int latencyJobChars,
        int overheadJobs,
        int latencySeconds,
        int latencyWarmupS,
        boolean latencyVariants,
        double latencyLoad,
        int memoryJobs,
        int memoryMaxDrainS,
        List<String> workerJvmOptions,
        int partitions,
        int reliabilityJobs,
        int reliabilityKills,
        int reliabilityAloCrashJobs,
        int reliabilityRateJobs,
        int reliabilityRateRounds) {

    /** Production-like heap for the worker process in the memory scenario (see the report). */
    static final List<String> WORKER_JVM = List.of("-Xms64m", "-Xmx256m", "-XX:MaxDirectMemorySize=64m",
            "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError");

    public static Settings quickRun() {
        return new Settings(true, 42, 20, 300, 60, 6, 64, 0.75, 20, 120, 60, 270, 600, 20_000, 45, 8, false, 0.5, 100_000,
                150, WORKER_JVM, 6,
                3_000, 3, 0, 3_000, 3);
    }

    public static Settings fullRun() {
        return new Settings(false, 42, 10, 600, 60, 11, 64, 0.75, 10, 120, 60, 270, 600, 100_000, 240, 20, true, 0.5,
                1_000_000, 1800, WORKER_JVM, 6,
                20_000, 3, 5_000, 20_000, 5);
    }
}
