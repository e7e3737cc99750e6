package dev.azurekeyvaultissuer.testing;

import dev.azurekeyvaultissuer.keyvault.CertificateReference;
import dev.azurekeyvaultissuer.keyvault.KeyReference;
import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.SecretReference;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import java.util.List;
import java.util.Map;

/** Passes every call to another vault; a test overrides the call it wants to hook. */
public class ForwardingKeyVault implements KeyVault {

    private final KeyVault delegate;

    public ForwardingKeyVault(KeyVault delegate) {
        this.delegate = delegate;
    }

    @Override
    public VaultKey getKey(KeyReference key) {
        return delegate.getKey(key);
    }

    @Override
    public byte[] sign(VaultKey key, SignatureAlgorithm algorithm, byte[] digest) {
        return delegate.sign(key, algorithm, digest);
    }

    @Override
    public String getSecret(SecretReference secret) {
        return delegate.getSecret(secret);
    }

    @Override
    public byte[] getCertificate(CertificateReference certificate) {
        return delegate.getCertificate(certificate);
    }

    @Override
    public List<String> secretVersions(SecretReference secret) {
        return delegate.secretVersions(secret);
    }

    @Override
    public String setSecret(SecretReference secret, String value, String contentType, Map<String, String> tags) {
        return delegate.setSecret(secret, value, contentType, tags);
    }
}
