/**
 * The simulator's admission arithmetic, free of HTTP and Vert.x: sliding windows over simulated time, the
 * per-deployment limiter that reproduces Azure OpenAI's 60 s token window and 10 s (optionally 1 s) request window,
 * the cost estimators, and the bookkeeping behind the statistics (peak window sums, a per-second series).
 *
 * <p>Every class here is single-threaded by design: the simulator confines one region's instances to that region's
 * event-loop context, and unit tests drive them with a {@code FakeTicker} (pipeline-core's test-jar)'s readings.
 * Times are passed in as nanosecond readings of a {@link dev.llmbatch.core.time.Ticker}.
 */
package dev.llmbatch.simulator.quota;
