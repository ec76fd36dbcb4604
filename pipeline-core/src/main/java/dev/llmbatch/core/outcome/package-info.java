/**
 * The HTTP boundary: one sealed {@link dev.llmbatch.core.outcome.CallOutcome} per call, the classifier that makes
 * it, and the parser for every retry-after form the service uses.
 */
package dev.llmbatch.core.outcome;
