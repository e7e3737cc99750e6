package dev.azurekeyvaultissuer.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;

/**
 * ECDSA verification on P-256, P-384 and P-521 with BouncyCastle's curve arithmetic, which takes about a tenth of the
 * CPU of Java 17's own (a P-256 verification: 0.25 against 2 ms; docs/benchmarks.md). It checks what the JDK checks:
 * the public point is on the curve and not infinity, r and s lie in [1, n-1], and the signature is one DER SEQUENCE
 * of two INTEGERs, canonically encoded, with nothing after it. Another curve answers empty: the caller uses the JDK.
 *
 * <p>CA keys verify a signature per certificate, so their decoded points are kept, and with them BouncyCastle's
 * precomputed multiples; a CSR's key is used once and not kept.
 */
final class EcdsaVerifier {

    // Keys rotate rarely; this bound only keeps a long-lived process from collecting every CA key it ever used.
    private static final int MAX_KEPT_KEYS = 256;

    private static final Map<ASN1ObjectIdentifier, X9ECParameters> CURVES = Map.of(
            X9ObjectIdentifiers.prime256v1, CustomNamedCurves.getByOID(X9ObjectIdentifiers.prime256v1),
            SECObjectIdentifiers.secp384r1, CustomNamedCurves.getByOID(SECObjectIdentifiers.secp384r1),
            SECObjectIdentifiers.secp521r1, CustomNamedCurves.getByOID(SECObjectIdentifiers.secp521r1));

    private static final ConcurrentMap<PublicKey, Optional<ECPublicKeyParameters>> KEPT = new ConcurrentHashMap<>();

    private EcdsaVerifier() {}

    /**
     * @param digestAlgorithm the JDK name of the hash, e.g. {@code SHA-256}
     * @param keep whether the key will verify again (a CA key): its decoded point is kept
     * @return empty when the key is not on P-256, P-384 or P-521 (or not an EC key), else whether it verifies; a
     *     point off its curve verifies nothing
     */
    static Optional<Boolean> verify(
            PublicKey key, String digestAlgorithm, byte[] data, byte[] signature, boolean keep) {
        Optional<ECPublicKeyParameters> parameters;
        try {
            parameters = keep ? kept(key) : parameters(key);
        } catch (RuntimeException e) {
            return Optional.of(false);
        }
        return parameters.map(p -> verify(p, digest(digestAlgorithm, data), signature));
    }

    private static Optional<ECPublicKeyParameters> kept(PublicKey key) {
        Optional<ECPublicKeyParameters> parameters = KEPT.get(key);
        if (parameters == null) {
            if (KEPT.size() >= MAX_KEPT_KEYS) {
                KEPT.clear();
            }
            parameters = KEPT.computeIfAbsent(key, EcdsaVerifier::parameters);
        }
        return parameters;
    }

    private static boolean verify(ECPublicKeyParameters key, byte[] digest, byte[] signature) {
        BigInteger[] rs = rs(signature);
        if (rs == null) {
            return false;
        }
        ECDSASigner verifier = new ECDSASigner();
        verifier.init(false, key);
        return verifier.verifySignature(digest, rs[0], rs[1]);
    }

    /** r and s of a strict DER signature, or null. The range check is ECDSASigner's. */
    private static BigInteger[] rs(byte[] signature) {
        try {
            // fromByteArray refuses trailing bytes; ASN1Integer refuses non-minimal integers.
            if (!(ASN1Primitive.fromByteArray(signature) instanceof ASN1Sequence sequence)
                    || sequence.size() != 2
                    || !(sequence.getObjectAt(0) instanceof ASN1Integer r)
                    || !(sequence.getObjectAt(1) instanceof ASN1Integer s)
                    || !Arrays.equals(sequence.getEncoded(ASN1Encoding.DER), signature)) {
                return null;
            }
            return new BigInteger[] {r.getValue(), s.getValue()};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The key as BouncyCastle's point on a known curve, validated; empty for other keys. */
    private static Optional<ECPublicKeyParameters> parameters(PublicKey key) {
        SubjectPublicKeyInfo spki;
        try {
            spki = SubjectPublicKeyInfo.getInstance(key.getEncoded());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        if (!X9ObjectIdentifiers.id_ecPublicKey.equals(spki.getAlgorithm().getAlgorithm())
                || !(spki.getAlgorithm().getParameters() instanceof ASN1ObjectIdentifier curveId)
                || !CURVES.containsKey(curveId)) {
            return Optional.empty();
        }
        X9ECParameters curve = CURVES.get(curveId);
        ECDomainParameters domain = new ECDomainParameters(curve.getCurve(), curve.getG(), curve.getN(), curve.getH());
        // decodePoint and the constructor refuse a point off the curve, at infinity, or of the wrong order.
        return Optional.of(new ECPublicKeyParameters(
                curve.getCurve().decodePoint(spki.getPublicKeyData().getOctets()), domain));
    }

    private static byte[] digest(String algorithm, byte[] data) {
        try {
            return MessageDigest.getInstance(algorithm).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + algorithm, e);
        }
    }
}
