package dev.azurekeyvaultissuer.keyvault;

import java.net.URI;
import java.util.Optional;

/** Names a vault secret (the CA certificate chain as PEM), at its current version unless one is pinned. */
public record SecretReference(URI vaultUrl, String name, Optional<String> version) {

    public SecretReference {
        vaultUrl = VaultUrls.normalize(vaultUrl);
        KeyReference.requireName(name, "secret name");
        version = version.filter(v -> !v.isBlank());
    }

    public static SecretReference of(String vaultUrl, String name) {
        return new SecretReference(VaultUrls.parse(vaultUrl), name, Optional.empty());
    }

    public SecretReference withVersion(String newVersion) {
        return new SecretReference(vaultUrl, name, Optional.of(newVersion));
    }

    @Override
    public String toString() {
        return vaultUrl + "/secrets/" + name + version.map(v -> "/" + v).orElse("");
    }
}
