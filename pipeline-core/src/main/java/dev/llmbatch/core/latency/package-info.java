/**
 * Hedging's building blocks: what a deployment's calls usually take ({@link dev.llmbatch.core.latency.LatencyModel})
 * and how many extra tokens hedges may spend ({@link dev.llmbatch.core.latency.HedgeBudget}). Pure and clock-driven
 * (an injected {@link dev.llmbatch.core.time.Ticker}); the worker's dispatcher decides when to send the copy.
 */
package dev.llmbatch.core.latency;
