package dev.azurekeyvaultissuer.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECParameterSpec;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/** Public keys as the profile sees them: which kinds are allowed, how to name them, key identifiers, equality. */
final class PublicKeys {

    static final int MIN_RSA_BITS = 2048;
    static final int MAX_RSA_BITS = 8192;

    /** The NIST curves that certificates in the wild (and the JDK, and Key Vault's ES* algorithms) support. */
    static final Map<ASN1ObjectIdentifier, String> CURVES = Map.of(
            SECObjectIdentifiers.secp256r1, "P-256",
            SECObjectIdentifiers.secp384r1, "P-384",
            SECObjectIdentifiers.secp521r1, "P-521");

    private PublicKeys() {}

    /**
     * Checks a public key against the leaf profile: RSA 2048 to 8192 bits, EC P-256/P-384/P-521 (named curve), Ed25519.
     *
     * @return a short description such as {@code RSA 2048} or {@code EC P-256}
     * @throws IllegalArgumentException with a user-facing reason otherwise
     */
    static String requireSupportedLeafKey(SubjectPublicKeyInfo spki) {
        ASN1ObjectIdentifier algorithm = spki.getAlgorithm().getAlgorithm();
        if (PKCSObjectIdentifiers.rsaEncryption.equals(algorithm)) {
            int bits = rsaBits(spki);
            if (bits < MIN_RSA_BITS) {
                throw new IllegalArgumentException(
                        "the CSR's RSA key has " + bits + " bits; RSA keys need at least " + MIN_RSA_BITS + " bits");
            }
            if (bits > MAX_RSA_BITS) {
                throw new IllegalArgumentException(
                        "the CSR's RSA key has " + bits + " bits; the maximum is " + MAX_RSA_BITS);
            }
            return "RSA " + bits;
        }
        if (X9ObjectIdentifiers.id_ecPublicKey.equals(algorithm)) {
            if (!(spki.getAlgorithm().getParameters() instanceof ASN1ObjectIdentifier curve)) {
                throw new IllegalArgumentException("the CSR's EC key has explicit curve parameters; use a named curve:"
                        + " P-256, P-384 or P-521");
            }
            String name = CURVES.get(curve);
            if (name == null) {
                throw new IllegalArgumentException("the CSR's EC key is on curve " + curveName(curve)
                        + ", which is not supported; use P-256, P-384 or P-521");
            }
            return "EC " + name;
        }
        if (EdECObjectIdentifiers.id_Ed25519.equals(algorithm)) {
            if (spki.getAlgorithm().getParameters() != null) {
                throw new IllegalArgumentException(
                        "the CSR's Ed25519 key carries algorithm parameters, which RFC 8410" + " forbids");
            }
            return "Ed25519";
        }
        throw new IllegalArgumentException("the CSR's key type " + keyAlgorithmName(algorithm)
                + " is not supported; use RSA (2048 bits or more), EC P-256, P-384, P-521 or Ed25519");
    }

    /** Whether a CA key is one the issuer signs with: RSA of at least 2048 bits or EC on a NIST curve. */
    static Optional<String> unsupportedCaKey(PublicKey key) {
        if (key instanceof RSAPublicKey rsa) {
            int bits = rsa.getModulus().bitLength();
            return bits < MIN_RSA_BITS
                    ? Optional.of("RSA " + bits + " bits (at least " + MIN_RSA_BITS + " needed)")
                    : Optional.empty();
        }
        if (key instanceof ECPublicKey) {
            Optional<ASN1ObjectIdentifier> curve = namedCurve(key);
            return curve.isPresent() && CURVES.containsKey(curve.get())
                    ? Optional.empty()
                    : Optional.of(
                            "EC on curve " + curve.map(PublicKeys::curveName).orElse("with explicit parameters")
                                    + " (P-256, P-384 or P-521 needed)");
        }
        return Optional.of(key.getAlgorithm() + " (RSA or EC needed)");
    }

    static String describe(PublicKey key) {
        if (key instanceof RSAPublicKey rsa) {
            return "RSA " + rsa.getModulus().bitLength();
        }
        if (key instanceof ECPublicKey) {
            return "EC " + namedCurve(key).map(PublicKeys::curveName).orElse("(explicit parameters)");
        }
        return key.getAlgorithm();
    }

    /**
     * The key identifier of RFC 5280 section 4.2.1.2, method (1): the SHA-1 of the subjectPublicKey BIT STRING's
     * value (without tag, length and unused-bits octet). SHA-1 is fine here: it names a key, it secures nothing.
     */
    static byte[] keyIdentifier(SubjectPublicKeyInfo spki) {
        try {
            return MessageDigest.getInstance("SHA-1")
                    .digest(spki.getPublicKeyData().getBytes());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-1", e);
        }
    }

    static byte[] keyIdentifier(PublicKey key) {
        return keyIdentifier(SubjectPublicKeyInfo.getInstance(key.getEncoded()));
    }

    /**
     * Whether two keys are the same key, compared by value, not by encoding: a key from Key Vault's JWK and the same
     * key parsed from a certificate may be different classes.
     */
    static boolean sameKey(PublicKey a, PublicKey b) {
        if (a instanceof RSAPublicKey ra && b instanceof RSAPublicKey rb) {
            return ra.getModulus().equals(rb.getModulus())
                    && ra.getPublicExponent().equals(rb.getPublicExponent());
        }
        if (a instanceof ECPublicKey ea && b instanceof ECPublicKey eb) {
            return ea.getW().equals(eb.getW()) && sameCurve(ea.getParams(), eb.getParams());
        }
        return java.util.Arrays.equals(a.getEncoded(), b.getEncoded());
    }

    private static boolean sameCurve(ECParameterSpec a, ECParameterSpec b) {
        return a.getCurve().equals(b.getCurve())
                && a.getGenerator().equals(b.getGenerator())
                && a.getOrder().equals(b.getOrder())
                && a.getCofactor() == b.getCofactor();
    }

    private static Optional<ASN1ObjectIdentifier> namedCurve(PublicKey key) {
        try {
            SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(key.getEncoded());
            return spki.getAlgorithm().getParameters() instanceof ASN1ObjectIdentifier oid
                    ? Optional.of(oid)
                    : Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static int rsaBits(SubjectPublicKeyInfo spki) {
        try {
            BigInteger modulus = org.bouncycastle.asn1.pkcs.RSAPublicKey.getInstance(spki.parsePublicKey())
                    .getModulus();
            return modulus.bitLength();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("the CSR's RSA public key is malformed");
        }
    }

    static String curveName(ASN1ObjectIdentifier curve) {
        String known = CURVES.get(curve);
        if (known != null) {
            return known;
        }
        String name = ECNamedCurveTable.getName(curve);
        return name == null ? curve.getId() : name + " (" + curve.getId() + ")";
    }

    private static String keyAlgorithmName(ASN1ObjectIdentifier algorithm) {
        if (EdECObjectIdentifiers.id_Ed448.equals(algorithm)) {
            return "Ed448";
        }
        if (EdECObjectIdentifiers.id_X25519.equals(algorithm) || EdECObjectIdentifiers.id_X448.equals(algorithm)) {
            return EdECObjectIdentifiers.id_X25519.equals(algorithm) ? "X25519" : "X448";
        }
        if (X9ObjectIdentifiers.id_dsa.equals(algorithm)) {
            return "DSA";
        }
        if (PKCSObjectIdentifiers.id_RSASSA_PSS.equals(algorithm)) {
            return "RSASSA-PSS (a PSS-only RSA key)";
        }
        return algorithm.getId();
    }
}
