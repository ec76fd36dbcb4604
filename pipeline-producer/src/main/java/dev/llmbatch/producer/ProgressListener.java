package dev.llmbatch.producer;

/**
 * Told how far a {@link ResultFollower#await} has come. Called on the thread that called {@code await}, once at the
 * start, after every poll of the results topic (so at least every few hundred milliseconds, whether or not a result
 * arrived) and once when the last result arrived; implementations decide themselves how often to show anything and
 * must not block.
 */
@FunctionalInterface
public interface ProgressListener {

    /**
     * @param done  ids that have their result so far
     * @param total ids awaited
     */
    void onProgress(int done, int total);

    /** A listener that ignores progress. */
    static ProgressListener none() {
        return (done, total) -> { };
    }
}
