package dev.llmbatch.worker.dispatch;

import dev.llmbatch.core.config.DeploymentConfig;
import dev.llmbatch.core.outcome.CallOutcome;
import io.vertx.core.Future;

/**
 * Sends one chat-completions call to a deployment. {@link HttpChatClient} is the real one; tests give the dispatcher
 * their own.
 */
public interface ChatClient extends AutoCloseable {

    /**
     * Sends {@code body} (a chat-completions request) to {@code d}. The call's outcome completes on the caller's
     * event loop and never fails: a transport error is an outcome too.
     */
    Call call(DeploymentConfig d, byte[] body);

    @Override
    void close();

    /** A call in flight: its outcome, and a way to abandon it (a hedged call whose twin answered first). */
    interface Call {
        /** What came back; completes exactly once, on the event loop the call was made from. */
        Future<CallOutcome> outcome();

        /**
         * Abandons the call if it is still running: its HTTP stream is reset, and {@link #outcome} completes with
         * {@link #CANCELLED} unless an answer was already in. Idempotent. The service may still bill what it
         * processed before it saw the reset.
         */
        void cancel();

        /** A call that finished before it started (nothing was sent). */
        static Call done(CallOutcome outcome) {
            Future<CallOutcome> f = Future.succeededFuture(outcome);
            return new Call() {
                @Override
                public Future<CallOutcome> outcome() {
                    return f;
                }

                @Override
                public void cancel() {
                }
            };
        }
    }

    /** The outcome of a call abandoned by {@link Call#cancel()}. */
    CallOutcome CANCELLED = new CallOutcome.Retriable(0, "cancelled", "the call was abandoned by the worker");
}
