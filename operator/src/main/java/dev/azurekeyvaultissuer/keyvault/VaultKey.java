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

    /**
     * Why this key may not sign at that instant, or empty when it may: the one rule for the issuer check and the CA
     * bootstrap. The vault itself refuses a sign with a disabled key, outside nbf/exp or without {@code sign} in
     * key_ops; checking first turns that refusal into a message that names the attribute to fix.
     */
    public Optional<SignRefusal> signRefusalAt(Instant now) {
        if (!enabled) {
            return Optional.of(new SignRefusal(SignRefusal.Cause.DISABLED, "is disabled in the vault"));
        }
        if (notBefore.isPresent() && now.isBefore(notBefore.get())) {
            return Optional.of(new SignRefusal(
                    SignRefusal.Cause.NOT_YET_VALID,
                    "may not be used before " + notBefore.get() + " (its nbf attribute)"));
        }
        if (expiresOn.isPresent() && !now.isBefore(expiresOn.get())) {
            return Optional.of(new SignRefusal(
                    SignRefusal.Cause.EXPIRED, "expired at " + expiresOn.get() + " (its exp attribute)"));
        }
        if (!maySign()) {
            return Optional.of(new SignRefusal(
                    SignRefusal.Cause.SIGN_NOT_PERMITTED,
                    "does not allow the sign operation (key_ops " + operations + ")"));
        }
        return Optional.empty();
    }

    /**
     * @param text what is wrong with the key, to follow "key &lt;id&gt; ", e.g. {@code is disabled in the vault}
     */
    public record SignRefusal(Cause cause, String text) {

        public enum Cause {
            DISABLED,
            NOT_YET_VALID,
            EXPIRED,
            SIGN_NOT_PERMITTED
        }
    }
}
