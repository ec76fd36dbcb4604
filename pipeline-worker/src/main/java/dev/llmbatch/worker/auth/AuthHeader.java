package dev.llmbatch.worker.auth;

/**
 * The one header that authenticates a call: {@code api-key: K}, or {@code authorization: Bearer T} (an Entra ID
 * token, or a key of an OpenAI-style server). It prints without its value. Immutable.
 */
public final class AuthHeader {
    private final String name;
    private final String value;

    AuthHeader(String name, String value) {
        this.name = name;
        this.value = value;
    }

    public String name() {
        return name;
    }

    /** The secret value: put it on the request, nowhere else. */
    public String value() {
        return value;
    }

    @Override
    public String toString() {
        return name + ": ****";
    }
}
