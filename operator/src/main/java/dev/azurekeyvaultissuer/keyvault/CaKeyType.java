package dev.azurekeyvaultissuer.keyvault;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The kinds of CA key {@code create-ca-cert} can create in a vault, named as SPIRE names its key types, plus P-521.
 * Whether an HSM protects the key is chosen separately: Key Vault offers each as software (RSA, EC) or HSM-protected
 * (RSA-HSM, EC-HSM) key, and a Managed HSM only the latter.
 */
public enum CaKeyType {
    RSA_2048("rsa-2048", 2048, null),
    RSA_3072("rsa-3072", 3072, null),
    RSA_4096("rsa-4096", 4096, null),
    EC_P256("ec-p256", 0, "P-256"),
    EC_P384("ec-p384", 0, "P-384"),
    EC_P521("ec-p521", 0, "P-521");

    private final String id;
    private final int rsaBits;
    private final String curve;

    CaKeyType(String id, int rsaBits, String curve) {
        this.id = id;
        this.rsaBits = rsaBits;
        this.curve = curve;
    }

    /** The name users type, e.g. {@code ec-p384}. */
    public String id() {
        return id;
    }

    public boolean isRsa() {
        return curve == null;
    }

    /** The RSA modulus size; 0 for EC keys. */
    public int rsaBits() {
        return rsaBits;
    }

    /** Key Vault's curve name (P-256, P-384, P-521); null for RSA keys. */
    public String curve() {
        return curve;
    }

    /** Key Vault's JSON Web Key type: RSA, RSA-HSM, EC or EC-HSM. */
    public String keyVaultType(boolean hsm) {
        return (isRsa() ? "RSA" : "EC") + (hsm ? "-HSM" : "");
    }

    /** E.g. {@code EC P-384, HSM-protected (EC-HSM)}, for messages. */
    public String describe(boolean hsm) {
        return (isRsa() ? "RSA " + rsaBits : "EC " + curve) + (hsm ? ", HSM-protected" : ", software-protected") + " ("
                + keyVaultType(hsm) + ")";
    }

    /** The accepted names, comma-separated, for help texts and errors. */
    public static String names() {
        return Arrays.stream(values()).map(CaKeyType::id).collect(Collectors.joining(", "));
    }

    /**
     * Parses a name such as {@code ec-p256} or {@code RSA-4096}, case-insensitively.
     *
     * @throws IllegalArgumentException naming the accepted types when the name is none of them
     */
    public static CaKeyType parse(String name) {
        String wanted = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (CaKeyType type : values()) {
            if (type.id.equals(wanted)) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown key type \"" + name + "\": use one of " + names());
    }

    @Override
    public String toString() {
        return id;
    }
}
