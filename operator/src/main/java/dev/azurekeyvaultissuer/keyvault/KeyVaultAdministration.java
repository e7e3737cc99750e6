package dev.azurekeyvaultissuer.keyvault;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What bootstrapping a CA needs from a vault on top of signing: create the CA key, store the CA chain, and drive a
 * Key Vault certificate object through create (issuer "Unknown") and merge. Only the {@code create-ca-cert} command
 * uses it; the operator itself writes to a vault only an issuer's revocation list. Every method is one or two vault calls and throws
 * {@link VaultException} on failure, with the missing permission named for a 403.
 */
public interface KeyVaultAdministration extends KeyVault {

    /** Who this connection authenticates as, for messages; never a secret. */
    String identity();

    /** The key at the reference's version (the current one when none is pinned), or empty when it does not exist. */
    Optional<VaultKey> findKey(KeyReference key);

    /**
     * Creates the key, or a new version of it when the name exists: Key Vault never refuses that, so callers that
     * must not rotate by accident check {@link #findKey} first. The key allows only sign and verify and is not
     * exportable.
     */
    VaultKey createKey(NewKey key);

    /** The DER certificate of the certificate object's current version, or empty when it has none. */
    Optional<byte[]> findCertificate(CertificateReference certificate);

    /**
     * Creates a new version of a certificate object with issuer "Unknown": the vault makes a new key version
     * (named like the certificate) and a pending request that {@link #mergeCertificate} completes.
     */
    PendingCertificate createPendingCertificate(NewCertificate certificate);

    /** The certificate object's pending request, made by an earlier {@link #createPendingCertificate}. */
    PendingCertificate pendingCertificate(CertificateReference certificate);

    /**
     * Completes the pending request with the issued certificate first and the chain above it.
     *
     * @return the DER certificate the vault now holds
     */
    byte[] mergeCertificate(CertificateReference certificate, List<byte[]> chainDer);

    /**
     * A key to create.
     *
     * @param hsm HSM-protected (RSA-HSM, EC-HSM); a Managed HSM makes every key so
     * @param tags Key Vault tags: at most 15, values of at most 256 characters
     */
    record NewKey(URI vaultUrl, String name, CaKeyType type, boolean hsm, Map<String, String> tags) {
        public NewKey {
            Objects.requireNonNull(vaultUrl, "vaultUrl");
            KeyReference.requireName(name, "key name");
            Objects.requireNonNull(type, "type");
            tags = Map.copyOf(tags);
        }
    }

    /**
     * A certificate object to create with issuer "Unknown", whose key the vault makes.
     *
     * @param subject RFC 4514, for the vault's own CSR; the certificate that is merged decides the real subject
     * @param validityMonths the policy's validity; the merged certificate decides the real dates
     */
    record NewCertificate(
            CertificateReference reference,
            CaKeyType type,
            boolean hsm,
            String subject,
            int validityMonths,
            Map<String, String> tags) {
        public NewCertificate {
            Objects.requireNonNull(reference, "reference");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(subject, "subject");
            tags = Map.copyOf(tags);
        }
    }

    /**
     * A certificate object's pending request.
     *
     * @param csrDer the PKCS#10 request the vault made (signed by the new key)
     * @param key the key version the request is for: its public key is the request's
     */
    record PendingCertificate(CertificateReference reference, byte[] csrDer, VaultKey key) {
        public PendingCertificate {
            Objects.requireNonNull(reference, "reference");
            csrDer = csrDer.clone();
            Objects.requireNonNull(key, "key");
        }

        @Override
        public byte[] csrDer() {
            return csrDer.clone();
        }
    }
}
