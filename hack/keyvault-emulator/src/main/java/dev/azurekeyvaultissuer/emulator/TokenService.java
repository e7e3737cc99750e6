package dev.azurekeyvaultissuer.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * Issues and verifies the emulator's access tokens: RS256 JWTs shaped like Entra ID v1 access tokens for Key Vault
 * (iss https://sts.windows.net/TENANT/, aud = the resource, appid, oid, sub, tid).
 */
final class TokenService {
    record Token(String value, Instant expiresOn, long expiresInSeconds) {}

    private final String tenantId;
    private final KeyPair signingKey;
    private final String keyId;
    private final X509Certificate certificate;
    private final Clock clock;
    private volatile Duration lifetime;

    TokenService(String tenantId, KeyPair signingKey, X509Certificate certificate, Duration lifetime, Clock clock) {
        this.tenantId = tenantId;
        this.signingKey = signingKey;
        this.certificate = certificate;
        this.lifetime = lifetime;
        this.clock = clock;
        this.keyId = Json.b64url(sha1(certificate));
    }

    String issuer() {
        return "https://sts.windows.net/" + tenantId + "/";
    }

    Duration lifetime() {
        return lifetime;
    }

    void setLifetime(Duration lifetime) {
        this.lifetime = lifetime;
    }

    /** appidacr: 0 for managed identities and federated credentials, 1 client secret, 2 certificate. */
    Token issue(ClientConfig client, String audience, String appidacr, Duration lifetimeOverride) {
        Instant now = clock.instant();
        Duration life = lifetimeOverride != null ? lifetimeOverride : lifetime;
        Instant exp = now.plus(life);
        ObjectNode header = Json.object()
                .put("typ", "JWT")
                .put("alg", "RS256")
                .put("x5t", keyId)
                .put("kid", keyId);
        ObjectNode claims = Json.object();
        claims.put("aud", audience);
        claims.put("iss", issuer());
        claims.put("iat", now.getEpochSecond());
        claims.put("nbf", now.getEpochSecond());
        claims.put("exp", exp.getEpochSecond());
        claims.put("aio", "keyvault-emulator");
        claims.put("appid", client.clientId());
        claims.put("appidacr", appidacr);
        claims.put("idp", issuer());
        claims.put("idtyp", "app");
        claims.put("oid", client.objectId());
        claims.put("rh", "0.emulator");
        claims.put("sub", client.objectId());
        claims.put("tid", tenantId);
        claims.put("uti", UUID.randomUUID().toString().replace("-", ""));
        claims.put("ver", "1.0");
        if (client.managedIdentity()) {
            claims.put(
                    "xms_mirid",
                    "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/emulator"
                            + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + client.clientId());
        }
        return new Token(Jwt.sign(header, claims, signingKey.getPrivate()), exp, life.toSeconds());
    }

    /**
     * Verifies a bearer token for a vault whose resource is expectedAudience; throws the vault's 401 otherwise.
     * Checks the signature, issuer, audience, nbf and exp (no clock skew allowance, so short lifetimes can be tested).
     */
    Principal verify(String token, String expectedAudience) {
        Jwt jwt;
        try {
            jwt = Jwt.parse(token);
        } catch (IllegalArgumentException e) {
            throw ErrorResponses.unauthorized("AKV10000: Request is missing a Bearer or PoP token.");
        }
        if (!"RS256".equals(jwt.algorithm()) || !jwt.verify(signingKey.getPublic())) {
            throw ErrorResponses.unauthorized(
                    "AKV10021: Invalid token signature (the token was not issued by this" + " keyvault-emulator).");
        }
        String iss = jwt.claim("iss");
        if (!issuer().equals(iss)) {
            throw ErrorResponses.unauthorized(
                    "AKV10032: Invalid issuer. Expected one of " + issuer() + ", found " + iss + ".");
        }
        String aud = jwt.audiences().isEmpty() ? null : jwt.audiences().get(0);
        if (aud == null || !stripSlash(aud).equals(stripSlash(expectedAudience))) {
            throw ErrorResponses.unauthorized(
                    "AKV10022: Invalid audience. Expected " + expectedAudience + ", found: " + aud + ".");
        }
        Instant now = clock.instant();
        long nbf = jwt.claims().path("nbf").asLong(0);
        long exp = jwt.claims().path("exp").asLong(0);
        if (now.getEpochSecond() < nbf) {
            throw ErrorResponses.unauthorized(
                    "AKV10046: Token is not yet valid (nbf " + Instant.ofEpochSecond(nbf) + ").");
        }
        if (now.getEpochSecond() >= exp) {
            throw ErrorResponses.unauthorized("AKV10046: Token has expired (exp " + Instant.ofEpochSecond(exp) + ").");
        }
        return new Principal(jwt.claim("appid"), jwt.claim("oid"), jwt.claim("tid"), iss);
    }

    /** The token signing key as a JWKS document. */
    ObjectNode jwks() {
        ObjectNode jwk = Json.object()
                .put("kty", "RSA")
                .put("use", "sig")
                .put("kid", keyId)
                .put("x5t", keyId);
        KeyCrypto.putPublicJwk(jwk, KeyType.RSA_2048, signingKey.getPublic());
        try {
            jwk.putArray("x5c").add(Json.b64(certificate.getEncoded()));
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
        ObjectNode root = Json.object();
        root.putArray("keys").add(jwk);
        return root;
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    static byte[] sha1(X509Certificate c) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(c.getEncoded());
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }
}
