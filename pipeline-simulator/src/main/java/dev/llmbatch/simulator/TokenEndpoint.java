package dev.llmbatch.simulator;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /sim/token} on every region's port: hands out the simulator's bearer tokens ({@link TokenIssuer}) the way
 * an Azure App Service managed identity endpoint does, so that azure-identity's own {@code DefaultAzureCredential}
 * can sign in against it (run the client with {@code IDENTITY_ENDPOINT=<region>/sim/token} and
 * {@code IDENTITY_HEADER=<tokens.identity-header>}). {@code GET ?resource=R&api-version=2019-08-01} answers
 * {@code {access_token, expires_on (epoch seconds), resource, token_type}}; {@code POST} answers the plain
 * {@code {access_token, expires_in, token_type}}. Both need the {@code X-IDENTITY-HEADER}; a resource other than
 * Cognitive Services gets 400. Runs on the region's loop.
 */
final class TokenEndpoint {
    static final String RESOURCE = "https://cognitiveservices.azure.com";
    private final TokenIssuer issuer;

    TokenEndpoint(TokenIssuer issuer) {
        this.issuer = issuer;
    }

    void handle(RoutingContext rc) {
        if (!issuer.identityHeaderMatches(rc.request().getHeader("X-IDENTITY-HEADER"))) {
            error(rc, 401, "missing or wrong X-IDENTITY-HEADER");
            return;
        }
        String resource = rc.request().getParam("resource");
        if (resource != null && !resource.replaceAll("/(\\.default)?$", "").equals(RESOURCE)) {
            error(rc, 400, "this endpoint issues tokens for " + RESOURCE + " only");
            return;
        }
        TokenIssuer.Issued t = issuer.issue();
        long expiresIn = Math.max(0, t.expires().getEpochSecond() - java.time.Instant.now().getEpochSecond());
        JsonObject body = new JsonObject().put("access_token", t.token()).put("token_type", "Bearer");
        if (rc.request().method().name().equals("GET")) {
            body.put("expires_on", Long.toString(t.expires().getEpochSecond())).put("resource", RESOURCE);
        } else {
            body.put("expires_in", expiresIn);
        }
        rc.response().putHeader("content-type", "application/json").end(body.encode());
    }

    private static void error(RoutingContext rc, int status, String message) {
        rc.response().setStatusCode(status).putHeader("content-type", "application/json")
                .end(new JsonObject().put("error", "invalid_request").put("error_description", message).encode());
    }
}
