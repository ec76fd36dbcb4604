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
     * Sends {@code body} (a chat-completions request) to {@code d}. The future completes on the caller's event loop
     * and never fails: a transport error is an outcome too.
     */
    Future<CallOutcome> call(DeploymentConfig d, byte[] body);

    @Override
    void close();
}
