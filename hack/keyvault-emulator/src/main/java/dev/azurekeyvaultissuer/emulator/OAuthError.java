package dev.azurekeyvaultissuer.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/** An Entra ID token endpoint error: {"error","error_description":"AADSTSnnn: ...","error_codes":[nnn],...}. */
final class OAuthError extends RuntimeException {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    private final int status;
    private final String error;
    private final int code;

    OAuthError(int status, String error, int code, String description) {
        super(description, null, false, false);
        this.status = status;
        this.error = error;
        this.code = code;
    }

    int status() {
        return status;
    }

    ObjectNode body() {
        String trace = UUID.randomUUID().toString();
        String correlation = UUID.randomUUID().toString();
        String now = TIME.format(Instant.now());
        ObjectNode n = Json.object();
        n.put("error", error);
        n.put(
                "error_description",
                "AADSTS" + code + ": " + getMessage() + "\r\nTrace ID: " + trace + "\r\nCorrelation ID: " + correlation
                        + "\r\nTimestamp: " + now);
        n.putArray("error_codes").add(code);
        n.put("timestamp", now);
        n.put("trace_id", trace);
        n.put("correlation_id", correlation);
        n.put("error_uri", "https://login.microsoftonline.com/error?code=" + code);
        return n;
    }
}
