package dev.llmbatch.core.result;

import java.util.Objects;

/**
 * Why a job did not succeed: a stable machine-readable {@code code} (the service's own code where it gave one, such
 * as {@code content_filter} or {@code context_length_exceeded}), a human message that never contains a key or a
 * prompt, and whether submitting the same job again could succeed.
 */
public record ErrorInfo(String code, String message, boolean retryable) {
    public ErrorInfo {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }
}
