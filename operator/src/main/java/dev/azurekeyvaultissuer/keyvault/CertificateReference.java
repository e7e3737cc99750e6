package dev.azurekeyvaultissuer.keyvault;

import java.net.URI;
import java.util.Optional;

/**
 * Names a Key Vault certificate object whose certificate is the CA's, at its current version unless one is given.
 * A certificate's version is also the version of the key it was made with.
 */
public record CertificateReference(URI vaultUrl, String name, Optional<String> version) {

    public CertificateReference {
        vaultUrl = VaultUrls.normalize(vaultUrl);
        KeyReference.requireName(name, "certificate name");
        version = version.filter(v -> !v.isBlank());
    }

    /** The current version. */
    public CertificateReference(URI vaultUrl, String name) {
        this(vaultUrl, name, Optional.empty());
    }

    public static CertificateReference of(String vaultUrl, String name) {
        return new CertificateReference(VaultUrls.parse(vaultUrl), name);
    }

    public CertificateReference withVersion(String newVersion) {
        return new CertificateReference(vaultUrl, name, Optional.of(newVersion));
    }

    @Override
    public String toString() {
        return vaultUrl + "/certificates/" + name + version.map(v -> "/" + v).orElse("");
    }
}
