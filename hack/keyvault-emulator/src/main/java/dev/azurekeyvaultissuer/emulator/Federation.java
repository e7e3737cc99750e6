package dev.azurekeyvaultissuer.emulator;

import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A federated identity credential of a client: Entra ID accepts an external token (for example a Kubernetes
 * ServiceAccount token) as client assertion when its iss, sub and aud match. When public keys or a JWKS are given the
 * assertion's signature must verify against one of them; when none are given the signature is not checked (a test
 * tool's shortcut, reported at start).
 */
public final class Federation {
    public static final String DEFAULT_AUDIENCE = "api://AzureADTokenExchange";

    private final String issuer;
    private final String subject;
    private final String audience;
    private final List<PublicKey> publicKeys;

    private Federation(String issuer, String subject, String audience, List<PublicKey> publicKeys) {
        this.issuer = Objects.requireNonNull(issuer, "issuer");
        this.subject = Objects.requireNonNull(subject, "subject");
        this.audience = audience == null || audience.isBlank() ? DEFAULT_AUDIENCE : audience;
        this.publicKeys = Collections.unmodifiableList(new ArrayList<>(publicKeys));
    }

    /** A federation with the default audience api://AzureADTokenExchange and no signature check. */
    public static Federation of(String issuer, String subject) {
        return new Federation(issuer, subject, null, List.of());
    }

    public static Federation of(String issuer, String subject, String audience) {
        return new Federation(issuer, subject, audience, List.of());
    }

    /** The same federation, also requiring the assertion to be signed by one of these keys. */
    public Federation withPublicKeys(List<PublicKey> keys) {
        List<PublicKey> all = new ArrayList<>(publicKeys);
        all.addAll(keys);
        return new Federation(issuer, subject, audience, all);
    }

    public Federation withPublicKey(PublicKey key) {
        return withPublicKeys(List.of(key));
    }

    /** The same federation, also requiring a signature by a key of this JWKS document ({"keys":[...]}). */
    public Federation withJwks(String jwksJson) {
        return withPublicKeys(Jwt.publicKeysFromJwks(Json.parse(jwksJson)));
    }

    public String issuer() {
        return issuer;
    }

    public String subject() {
        return subject;
    }

    public String audience() {
        return audience;
    }

    public List<PublicKey> publicKeys() {
        return publicKeys;
    }

    @Override
    public String toString() {
        return "Federation{iss=" + issuer + ", sub=" + subject + ", aud=" + audience + ", keys=" + publicKeys.size()
                + "}";
    }
}
