package dev.llmbatch.simulator;

/**
 * The simulator's bearer-token counters, over all regions. Immutable.
 *
 * @param issued          tokens handed out by {@code /sim/token}
 * @param expiredRejected chat calls refused with 401 because their token had expired
 * @param unknownRejected chat calls refused with 401 because their bearer value was neither a token issued here nor
 *                        an accepted key
 */
public record TokenStats(long issued, long expiredRejected, long unknownRejected) {
}
