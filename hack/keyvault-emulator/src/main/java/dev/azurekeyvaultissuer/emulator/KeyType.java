package dev.azurekeyvaultissuer.emulator;

import java.util.Locale;

/** The key kinds the emulator creates: software and HSM-protected RSA and EC keys. */
public enum KeyType {
    RSA_2048("RSA", 2048, null),
    RSA_3072("RSA", 3072, null),
    RSA_4096("RSA", 4096, null),
    EC_P256("EC", 0, "P-256"),
    EC_P384("EC", 0, "P-384"),
    EC_P521("EC", 0, "P-521"),
    RSA_HSM_2048("RSA-HSM", 2048, null),
    RSA_HSM_3072("RSA-HSM", 3072, null),
    RSA_HSM_4096("RSA-HSM", 4096, null),
    EC_HSM_P256("EC-HSM", 0, "P-256"),
    EC_HSM_P384("EC-HSM", 0, "P-384"),
    EC_HSM_P521("EC-HSM", 0, "P-521");

    private final String kty;
    private final int size;
    private final String curve;

    KeyType(String kty, int size, String curve) {
        this.kty = kty;
        this.size = size;
        this.curve = curve;
    }

    /** The JWK key type as Key Vault names it: RSA, RSA-HSM, EC or EC-HSM. */
    public String kty() {
        return kty;
    }

    /** RSA modulus size in bits; 0 for EC keys. */
    public int size() {
        return size;
    }

    /** EC curve name (P-256, P-384, P-521); null for RSA keys. */
    public String curve() {
        return curve;
    }

    public boolean isRsa() {
        return kty.startsWith("RSA");
    }

    public boolean isHsm() {
        return kty.endsWith("-HSM");
    }

    public KeyType asHsm() {
        return isHsm() ? this : of(kty + "-HSM", size, curve);
    }

    /** Resolves a REST create request: kty with key_size (RSA, default 2048) or crv (EC, default P-256). */
    public static KeyType of(String kty, Integer size, String curve) {
        if (kty == null) {
            throw ErrorResponses.badParameter("Property 'kty' is required.");
        }
        String k = kty.toUpperCase(Locale.ROOT);
        boolean rsa = k.equals("RSA") || k.equals("RSA-HSM");
        boolean ec = k.equals("EC") || k.equals("EC-HSM");
        if (!rsa && !ec) {
            throw ErrorResponses.badParameter("The key type '" + kty + "' is not supported by keyvault-emulator"
                    + " (RSA, RSA-HSM, EC, EC-HSM).");
        }
        for (KeyType t : values()) {
            if (!t.kty.equals(k)) {
                continue;
            }
            if (rsa && t.size == (size == null || size == 0 ? 2048 : size)) {
                return t;
            }
            if (ec && t.curve.equals(curve == null ? "P-256" : curve.toUpperCase(Locale.ROOT))) {
                return t;
            }
        }
        throw ErrorResponses.badParameter(
                rsa
                        ? "Invalid key size " + size + " for RSA key (2048, 3072, 4096)."
                        : "Invalid curve '" + curve
                                + "' (P-256, P-384, P-521; P-256K is not supported by keyvault-emulator).");
    }

    /** Parses CLI/config names: RSA-2048, rsa_hsm_3072, EC-P256, EC-HSM-P384, ec-p-521 ... */
    public static KeyType parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT).replace('-', '_').replace("P_", "P");
        return valueOf(t);
    }
}
