package dev.llmbatch.core.result;

/** Token usage the service reported for a job (apportioned per job when several shared one request). */
public record Usage(int promptTokens, int completionTokens) {
    public static final Usage NONE = new Usage(0, 0);
}
