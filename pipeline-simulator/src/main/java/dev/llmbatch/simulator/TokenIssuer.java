package dev.llmbatch.simulator;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issues and checks the simulator's bearer tokens: random opaque strings valid for {@link TokenSettings#lifetimeS()}
 * wall seconds (a token's expiry is wall time for its holder too, so it is not scaled by {@code time-scale}). Shared
 * by every region, whose loops call it concurrently: thread-safe. Expired tokens are forgotten as they are met.
 */
final class TokenIssuer {
    private static final String PREFIX = "sim-token-";
    private final TokenSettings settings;
    private final Clock clock;
    private final Map<String, Instant> expiries = new ConcurrentHashMap<>();
    private final AtomicLong issued = new AtomicLong();
    private final AtomicLong expiredRejected = new AtomicLong();
    private final AtomicLong unknownRejected = new AtomicLong();

    TokenIssuer(TokenSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    /** A new token and when it expires. */
    Issued issue() {
        Instant expires = clock.instant().plusMillis(Math.round(settings.lifetimeS() * 1000));
        String token = PREFIX + UUID.randomUUID();
        expiries.put(token, expires);
        issued.incrementAndGet();
        return new Issued(token, expires);
    }

    record Issued(String token, Instant expires) {
    }

    /** Whether {@code token} was issued here and has not expired; counts why not. */
    boolean valid(String token) {
        Instant expires = expiries.get(token);
        if (expires == null) {
            unknownRejected.incrementAndGet();
            return false;
        }
        if (!clock.instant().isBefore(expires)) {
            expiries.remove(token);
            expiredRejected.incrementAndGet();
            return false;
        }
        return true;
    }

    /** Whether {@code bearer} has the form of a token issued here (so a 401 to it says "token", not "key"). */
    static boolean looksLikeToken(String bearer) {
        return bearer.startsWith(PREFIX);
    }

    boolean identityHeaderMatches(String value) {
        return settings.identityHeader().equals(value);
    }

    TokenStats stats() {
        return new TokenStats(issued.get(), expiredRejected.get(), unknownRejected.get());
    }
}
