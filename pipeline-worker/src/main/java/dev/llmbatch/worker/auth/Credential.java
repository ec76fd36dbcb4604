package dev.llmbatch.worker.auth;

/**
 * One source of the header that authenticates calls: an API key ({@link ApiKey}) or an Entra ID token
 * ({@link EntraToken}). Thread-safe: {@link #header()} is read on the dispatcher's event loop and must not block;
 * refreshes run on Vert.x worker threads.
 */
sealed interface Credential permits ApiKey, EntraToken {

    /** The header for the next call, or null while none is usable (no token yet, or the last one expired). */
    AuthHeader header();

    /** Why {@link #header()} is null, for the outcome of a call that could not be sent. Never holds a secret. */
    String unavailableReason();

    /** A call sent with {@code used} answered 401: re-read or re-fetch if that can help. Any thread. */
    void rejected(AuthHeader used);

    /**
     * Fetches what needs fetching (a first token) and schedules refreshes; the stage completes once the first fetch
     * has succeeded or failed.
     */
    java.util.concurrent.CompletableFuture<Void> start();

    void close();
}
