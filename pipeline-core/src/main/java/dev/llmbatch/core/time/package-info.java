/** Injected time: every elapsed-time decision in the pipeline reads a {@link dev.llmbatch.core.time.Ticker}. */
package dev.llmbatch.core.time;
