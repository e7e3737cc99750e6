package dev.azurekeyvaultissuer.keyvault;

import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Locale;
import java.util.Optional;

/**
 * Key Vault's signature algorithms (JsonWebKeySignatureAlgorithm) that a CA can use. Each names the digest the vault
 * expects: Key Vault signs a digest computed by the caller, so the digest length must match the algorithm.
 */
public enum SignatureAlgorithm {
    RS256(Family.RSA_PKCS1, "SHA-256", 32),
    RS384(Family.RSA_PKCS1, "SHA-384", 48),
    RS512(Family.RSA_PKCS1, "SHA-512", 64),
    PS256(Family.RSA_PSS, "SHA-256", 32),
    PS384(Family.RSA_PSS, "SHA-384", 48),
    PS512(Family.RSA_PSS, "SHA-512", 64),
    ES256(Family.ECDSA, "SHA-256", 32),
    ES384(Family.ECDSA, "SHA-384", 48),
    ES512(Family.ECDSA, "SHA-512", 64);

    /** How the signature is made, which decides the key type it needs and its encoding. */
    public enum Family {
        RSA_PKCS1,
        RSA_PSS,
        ECDSA
    }

    private final Family family;
    private final String digestAlgorithm;
    private final int digestLength;

    SignatureAlgorithm(Family family, String digestAlgorithm, int digestLength) {
        this.family = family;
        this.digestAlgorithm = digestAlgorithm;
        this.digestLength = digestLength;
    }

    public Family family() {
        return family;
    }

    /** JCA name of the digest, e.g. {@code SHA-256}. */
    public String digestAlgorithm() {
        return digestAlgorithm;
    }

    public int digestLength() {
        return digestLength;
    }

    public boolean isRsa() {
        return family != Family.ECDSA;
    }

    /**
     * The default for a CA key, as the README documents it: RSA below 3072 bits RS256, 3072 RS384, 4096 and above RS512;
     * EC by curve size, P-256 ES256, P-384 ES384, P-521 ES512 (FIPS 186-4 pairs each curve with its hash).
     */
    public static SignatureAlgorithm defaultFor(PublicKey key) {
        if (key instanceof RSAPublicKey rsa) {
            int bits = rsa.getModulus().bitLength();
            if (bits >= 4096) {
                return RS512;
            }
            return bits >= 3072 ? RS384 : RS256;
        }
        if (key instanceof ECPublicKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            if (bits > 384) {
                return ES512;
            }
            return bits > 256 ? ES384 : ES256;
        }
        throw new IllegalArgumentException("a CA key must be RSA or EC, not " + key.getAlgorithm());
    }

    /** Whether this algorithm can be used with that key: RS and PS need RSA, ES needs the curve of its hash size. */
    public boolean fits(PublicKey key) {
        if (key instanceof RSAPublicKey) {
            return isRsa();
        }
        if (key instanceof ECPublicKey) {
            return family == Family.ECDSA && defaultFor(key) == this;
        }
        return false;
    }

    /**
     * The algorithm to sign with: the one named, else the key's default. The one rule for the issuer check and the CA
     * bootstrap, which put their own name for the setting before the message.
     *
     * @throws IllegalArgumentException when the named algorithm does not fit the key ("... does not fit the EC key
     *     ...; use ES384 or leave it unset"), or nothing is named and the key has no default
     */
    public static SignatureAlgorithm choose(Optional<SignatureAlgorithm> named, PublicKey key, String keyId) {
        if (named.isEmpty()) {
            return defaultFor(key);
        }
        SignatureAlgorithm algorithm = named.get();
        if (!algorithm.fits(key)) {
            throw new IllegalArgumentException(algorithm + " does not fit the " + key.getAlgorithm() + " key " + keyId
                    + "; use " + defaultFor(key) + " or leave it unset");
        }
        return algorithm;
    }

    /** Parses a name such as {@code ps256} case-insensitively; empty for blank input. */
    public static Optional<SignatureAlgorithm> parse(String name) {
        if (name == null || name.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(valueOf(name.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown signature algorithm \"" + name
                    + "\": use one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512");
        }
    }
}
