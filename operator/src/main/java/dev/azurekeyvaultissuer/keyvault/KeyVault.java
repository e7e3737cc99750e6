package dev.azurekeyvaultissuer.keyvault;

import java.util.List;
import java.util.Map;

/**
 * The narrow port to Azure Key Vault and Managed HSM that signing needs. One implementation talks to Azure through
 * its SDK ({@code keyvault.azure}); tests implement it with JDK keys. Every method is one vault call and throws
 * {@link VaultException} on failure.
 */
public interface KeyVault {

    /** The public part and attributes of a key version; the current version when the reference pins none. */
    VaultKey getKey(KeyReference key);

    /**
     * Signs a digest computed by the caller with the key version {@code key.keyId()}. The result is what the vault
     * returns: PKCS#1 or PSS bytes for RSA, raw {@code r||s} for ECDSA (not DER).
     */
    byte[] sign(VaultKey key, SignatureAlgorithm algorithm, byte[] digest);

    /** A secret's value, here the CA certificate or chain as PEM. */
    String getSecret(SecretReference secret);

    /** The DER certificate of a Key Vault certificate object's version, the current one unless one is given. */
    byte[] getCertificate(CertificateReference certificate);

    /**
     * The ids of a secret's enabled versions, newest first. Needed only to find the CA certificate of a pinned key
     * version after the secret moved on to a newer CA; may be several calls (the service pages the list).
     */
    List<String> secretVersions(SecretReference secret);

    /**
     * Stores a new version of a secret. The operator writes only an issuer's certificate revocation list, and only
     * when the issuer asks for one ({@code spec.revocation}); {@code create-ca-cert} stores the CA chain.
     *
     * @return the new version's id, {@code https://<vault>/secrets/<name>/<version>}
     */
    String setSecret(SecretReference secret, String value, String contentType, Map<String, String> tags);
}
