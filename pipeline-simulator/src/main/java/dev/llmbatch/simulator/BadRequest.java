package dev.llmbatch.simulator;

import io.vertx.core.json.JsonObject;

/** A request the simulator refuses with 400 before admission; carries the body to send. Thrown on a region loop. */
final class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient JsonObject body;

    BadRequest(JsonObject body) {
        super(body.encode(), null, false, false);
        this.body = body;
    }

    static BadRequest invalid(String message, String param, String code) {
        return new BadRequest(Bodies.invalidRequest(message, param, code));
    }

    JsonObject body() {
        return body;
    }
}
