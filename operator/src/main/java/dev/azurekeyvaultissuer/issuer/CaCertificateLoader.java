package dev.azurekeyvaultissuer.issuer;

import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.pki.CaCertificateException;
import dev.azurekeyvaultissuer.pki.CertificateAuthority;
import java.util.List;

/**
 * Reads an issuer's CA certificate from the vault. The current version of the secret or certificate object is the
 * CA of the key's current version. An issuer pinned to a key version must keep signing with that version's CA after
 * a rotation wrote a new CA: a certificate object has it under the key's version (Key Vault gives a certificate, its
 * key and its secret one version id); a secret has it in an older version, found by listing them.
 */
final class CaCertificateLoader {

    // Bounds the vault calls of one check when a pinned key's CA is searched for in an old secret.
    static final int MAX_SECRET_VERSIONS_SEARCHED = 20;

    private CaCertificateLoader() {}

    /**
     * The CA for {@code key}: the current one, or with {@code keyPinned} the one that holds the pinned key. When no
     * version holds it, the current CA comes back and the caller's checks report the mismatch.
     *
     * @throws VaultException when the vault refuses a read; listing a secret's versions needs secrets: List
     * @throws CaCertificateException when the current version is not a usable PEM or DER certificate
     */
    static CertificateAuthority load(CaCertificateLocation location, VaultKey key, boolean keyPinned, KeyVault vault) {
        CertificateAuthority current = loadCurrent(location, vault);
        if (!keyPinned || current.holds(key.publicKey())) {
            return current;
        }
        if (location instanceof CaCertificateLocation.VaultCertificate c) {
            try {
                return CertificateAuthority.fromDer(
                        vault.getCertificate(c.certificate().withVersion(key.version())));
            } catch (VaultException e) {
                if (e.kind() == VaultException.Kind.NOT_FOUND) {
                    return current;
                }
                throw e;
            }
        }
        var secret = ((CaCertificateLocation.VaultSecret) location).secret();
        List<String> versions;
        try {
            versions = vault.secretVersions(secret);
        } catch (VaultException e) {
            throw new VaultException(
                    e.kind(),
                    "key version " + key.version() + " is pinned and the current CA "
                            + "certificate in " + secret
                            + " belongs to another key version; finding the pinned version's "
                            + "CA among the secret's versions failed: " + e.getMessage(),
                    e.retryAfter(),
                    e);
        }
        // Newest first. The current version is among them and is read again: versions created within the same
        // second (the service's resolution) come in no particular order, so none can be skipped by position.
        for (String version :
                versions.stream().limit(MAX_SECRET_VERSIONS_SEARCHED).toList()) {
            try {
                CertificateAuthority candidate =
                        CertificateAuthority.fromPem(vault.getSecret(secret.withVersion(version)));
                if (candidate.holds(key.publicKey())) {
                    return candidate;
                }
            } catch (CaCertificateException e) {
                // An old version that is not a CA certificate cannot be the one we look for.
            }
        }
        return current;
    }

    private static CertificateAuthority loadCurrent(CaCertificateLocation location, KeyVault vault) {
        if (location instanceof CaCertificateLocation.VaultSecret s) {
            return CertificateAuthority.fromPem(vault.getSecret(s.secret()));
        }
        var certificate = ((CaCertificateLocation.VaultCertificate) location).certificate();
        return CertificateAuthority.fromDer(vault.getCertificate(certificate));
    }
}
