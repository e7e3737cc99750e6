package dev.azurekeyvaultissuer.keyvault;

import java.net.URI;

/** Names a Key Vault certificate object, at its current version, whose certificate is the CA's. */
public record CertificateReference(URI vaultUrl, String name) {

    public CertificateReference {
        vaultUrl = VaultUrls.normalize(vaultUrl);
        KeyReference.requireName(name, "certificate name");
    }

    public static CertificateReference of(String vaultUrl, String name) {
        return new CertificateReference(VaultUrls.parse(vaultUrl), name);
    }

    @Override
    public String toString() {
        return vaultUrl + "/certificates/" + name;
    }
}
