package dev.azurekeyvaultissuer.keyvault;

import java.security.interfaces.RSAKey;

/**
 * How much of a vault's transaction budget one operation with a key uses. Azure Key Vault weighs key transactions by
 * key type and enforces their sum per vault: in 10 seconds it allows 4,000 with software RSA-2048 and EC keys,
 * 1,000 with RSA-3072, 500 with RSA-4096, and half of each for HSM-protected keys. Relative to the cheapest kind, a
 * sign therefore weighs 1, 4 or 8, doubled for HSM keys; an RSA-4096 HSM key's sign counts as 16.
 */
public final class TransactionWeight {

    /** Calls that do not use a key's private part (reads of keys, secrets, certificates; a secret written). */
    public static final int READ = 1;

    private TransactionWeight() {}

    public static int ofSign(VaultKey key) {
        int weight = 1;
        if (key.publicKey() instanceof RSAKey rsa) {
            int bits = rsa.getModulus().bitLength();
            weight = bits <= 2048 ? 1 : bits <= 3072 ? 4 : 8;
        }
        return key.hsmProtected() ? weight * 2 : weight;
    }
}
