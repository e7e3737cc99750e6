package dev.azurekeyvaultissuer.keyvault;

import java.security.PublicKey;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * What the vault told us about a key version: its full id, the public key (the private part never leaves the
 * vault), whether an HSM protects it, and the attributes that decide whether it may sign now.
 *
 * @param keyId the versioned key id, e.g. {@code https://contoso.vault.azure.net/keys/ca/0123...}
 * @param operations the key's permitted operations ({@code key_ops}), lower case, e.g. {@code sign}
 */
public record VaultKey(
        String keyId,
        PublicKey publicKey,
        boolean hsmProtected,
        Set<String> operations,
        boolean enabled,
        Optional<Instant> notBefore,
        Optional<Instant> expiresOn) {

    public VaultKey {
        operations = Set.copyOf(operations);
    }

    /** The version segment of the key id. */
    public String version() {
        return keyId.substring(keyId.lastIndexOf('/') + 1);
    }

    public boolean maySign() {
        return operations.contains("sign");
    }

    /** Within the key's nbf/exp window at that instant. */
    public boolean isValidAt(Instant now) {
        return notBefore.map(nbf -> !now.isBefore(nbf)).orElse(true)
                && expiresOn.map(exp -> now.isBefore(exp)).orElse(true);
    }
}
