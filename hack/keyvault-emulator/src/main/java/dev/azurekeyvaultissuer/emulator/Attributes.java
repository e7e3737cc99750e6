package dev.azurekeyvaultissuer.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/** The attributes every Key Vault object version has: enabled, nbf, exp, created, updated. Thread-safe. */
final class Attributes {
    private boolean enabled;
    private Instant notBefore;
    private Instant expires;
    private final Instant created;
    private Instant updated;

    Attributes(boolean enabled, Instant notBefore, Instant expires, Instant created, Instant updated) {
        this.enabled = enabled;
        this.notBefore = notBefore;
        this.expires = expires;
        this.created = created;
        this.updated = updated;
    }

    static Attributes fresh(Instant now) {
        return new Attributes(true, null, null, now, now);
    }

    /** From a REST request's "attributes" object (missing fields keep their defaults). */
    static Attributes fromRequest(JsonNode node, Instant now) {
        Attributes a = fresh(now);
        a.apply(node, now);
        return a;
    }

    synchronized void apply(JsonNode node, Instant now) {
        if (node == null || !node.isObject()) {
            return;
        }
        if (node.has("enabled") && !node.get("enabled").isNull()) {
            enabled = node.get("enabled").asBoolean();
        }
        if (node.has("nbf")) {
            notBefore = Json.epochSeconds(node, "nbf");
        }
        if (node.has("exp")) {
            expires = Json.epochSeconds(node, "exp");
        }
        updated = now;
    }

    synchronized void setEnabled(boolean value, Instant now) {
        enabled = value;
        updated = now;
    }

    synchronized void setValidity(Instant nbf, Instant exp, Instant now) {
        notBefore = nbf;
        expires = exp;
        updated = now;
    }

    synchronized boolean enabled() {
        return enabled;
    }

    synchronized Instant notBefore() {
        return notBefore;
    }

    synchronized Instant expires() {
        return expires;
    }

    Instant created() {
        return created;
    }

    synchronized Instant updated() {
        return updated;
    }

    /** Throws the service's 403 when the object is disabled, not yet valid or expired. */
    synchronized void checkUsable(String operation, String kind, String innerPrefix, Instant now) {
        if (!enabled) {
            throw ErrorResponses.disabled(operation, kind, innerPrefix + "Disabled");
        }
        if (notBefore != null && now.isBefore(notBefore)) {
            throw ErrorResponses.notYetValid(operation, kind, innerPrefix + "NotYetValid");
        }
        if (expires != null && !now.isBefore(expires)) {
            throw ErrorResponses.expired(operation, kind, innerPrefix + "Expired");
        }
    }

    /** REST form; extra fields (recoveryLevel, exportable ...) are added by the caller. */
    synchronized ObjectNode toJson() {
        ObjectNode n = Json.object();
        n.put("enabled", enabled);
        Json.putEpoch(n, "nbf", notBefore);
        Json.putEpoch(n, "exp", expires);
        Json.putEpoch(n, "created", created);
        Json.putEpoch(n, "updated", updated);
        n.put("recoveryLevel", "Recoverable+Purgeable");
        n.put("recoverableDays", 90);
        return n;
    }

    /** Persistent form (state file). */
    synchronized ObjectNode toState() {
        ObjectNode n = Json.object();
        n.put("enabled", enabled);
        Json.putEpoch(n, "nbf", notBefore);
        Json.putEpoch(n, "exp", expires);
        Json.putEpoch(n, "created", created);
        Json.putEpoch(n, "updated", updated);
        return n;
    }

    static Attributes fromState(JsonNode n) {
        Instant created = Json.epochSeconds(n, "created");
        Instant updated = Json.epochSeconds(n, "updated");
        return new Attributes(
                n.path("enabled").asBoolean(true),
                Json.epochSeconds(n, "nbf"),
                Json.epochSeconds(n, "exp"),
                created == null ? Instant.now() : created,
                updated == null ? created : updated);
    }
}
