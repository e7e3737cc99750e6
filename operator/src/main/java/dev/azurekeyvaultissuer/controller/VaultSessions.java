package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.VaultConnector;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import dev.azurekeyvaultissuer.keyvault.VaultGuard;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Keeps one {@link KeyVault} (credential, token cache, clients) per issuer while its credentials stay the same,
 * and one shared by all issuers on the operator's own identity. A changed client secret opens a new session; so does
 * workload identity naming another ServiceAccount (the session keeps the supplier of its first ServiceAccount, which
 * requests fresh tokens itself).
 */
final class VaultSessions {

    /** {@code vault} is the session's guarded view, kept so that one session is one object for its callers. */
    private record Session(String uid, byte[] fingerprint, KeyVault vault) {}

    private final VaultConnector connector;
    private final VaultGuard guard;
    private final ConcurrentMap<IssuerId, Session> sessions = new ConcurrentHashMap<>();
    private volatile KeyVault ambient;

    /** Without a bulkhead or rate limit: for tests of what sessions are kept. */
    VaultSessions(VaultConnector connector) {
        this(connector, new VaultGuard(Optional.empty(), Integer.MAX_VALUE));
    }

    VaultSessions(VaultConnector connector, VaultGuard guard) {
        this.connector = connector;
        this.guard = guard;
    }

    /**
     * The vault as the issuer may use it: its session, behind its tenant's bulkhead and fair share of the vault's
     * rate limit (an Issuer's tenant is its namespace, a ClusterIssuer is its own).
     */
    KeyVault vaultFor(IssuerId issuer, String uid, VaultCredentials credentials) {
        if (credentials instanceof VaultCredentials.Ambient) {
            sessions.remove(issuer);
            return guard.forTenant(ambient(credentials), issuer.tenant());
        }
        return session(issuer, uid, credentials);
    }

    /**
     * @param uid the issuer object's UID: a new object under an old name never shares the old one's clients and
     *     token cache
     */
    private KeyVault session(IssuerId issuer, String uid, VaultCredentials credentials) {
        byte[] fingerprint = fingerprint(credentials);
        return sessions.compute(
                        issuer,
                        (id, existing) -> existing != null
                                        && existing.uid().equals(uid)
                                        && Arrays.equals(existing.fingerprint(), fingerprint)
                                ? existing
                                : new Session(
                                        uid,
                                        fingerprint,
                                        guard.forTenant(connector.connect(credentials), issuer.tenant())))
                .vault();
    }

    /** One connection on the operator's own identity, shared by every issuer that uses it. */
    private KeyVault ambient(VaultCredentials credentials) {
        KeyVault shared = ambient;
        if (shared == null) {
            synchronized (this) {
                if (ambient == null) {
                    ambient = connector.connect(credentials);
                }
                shared = ambient;
            }
        }
        return shared;
    }

    /** Drops the issuer's clients and with them its credential's token cache. */
    void forget(IssuerId issuer) {
        sessions.remove(issuer);
    }

    int size() {
        return sessions.size();
    }

    /** A digest, so the cache never holds a second copy of the secret in a comparable form. */
    private static byte[] fingerprint(VaultCredentials credentials) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(credentials.getClass().getName().getBytes(StandardCharsets.UTF_8));
            digest.update(credentials.toString().getBytes(StandardCharsets.UTF_8));
            if (credentials instanceof VaultCredentials.ClientSecret cs) {
                digest.update(cs.secret().getBytes(StandardCharsets.UTF_8));
            } else if (credentials instanceof VaultCredentials.ClientCertificate cc) {
                digest.update(cc.pem());
            } else if (credentials instanceof VaultCredentials.ClientAssertion ca
                    && ca.assertion() instanceof ServiceAccountTokens.Assertion sa) {
                // Same application, another ServiceAccount: a new session, or the old supplier would stay.
                digest.update(("\0" + sa.namespace() + "\0" + sa.name()).getBytes(StandardCharsets.UTF_8));
            }
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
