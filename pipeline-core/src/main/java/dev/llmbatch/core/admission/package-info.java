/**
 * Admission: per-deployment token and request buckets (bucket4j) shaped to the service's sliding windows, 429
 * cooldowns, per-deployment circuit breakers for failing regions, and the choice of region for each request.
 */
package dev.llmbatch.core.admission;
