package dev.azurekeyvaultissuer.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** BouncyCastle's ECDSA verification agrees with the JDK's on good, altered and malformed signatures. */
class EcdsaVerifierTest {

    @ParameterizedTest
    @CsvSource({"P-256, SHA-256, SHA256withECDSA", "P-384, SHA-384, SHA384withECDSA", "P-521, SHA-512, SHA512withECDSA"
    })
    void agreesWithTheJdkOnGoodAndAlteredSignatures(String curve, String digest, String jdkAlgorithm) throws Exception {
        Random random = new Random(curve.hashCode());
        for (boolean keep : new boolean[] {true, false}) {
            for (int i = 0; i < 20; i++) {
                KeyPair pair = i % 5 == 0 ? TestKeyPairs.fresh(curve) : TestKeyPairs.ec(curve);
                byte[] data = new byte[1 + random.nextInt(2000)];
                random.nextBytes(data);
                byte[] signature = sign(jdkAlgorithm, pair, data);
                assertEquals(Optional.of(true), EcdsaVerifier.verify(pair.getPublic(), digest, data, signature, keep));

                byte[] alteredData = data.clone();
                alteredData[random.nextInt(alteredData.length)] ^= (byte) (1 << random.nextInt(8));
                assertFalse(jdk(jdkAlgorithm, pair.getPublic(), alteredData, signature));
                assertEquals(
                        Optional.of(false),
                        EcdsaVerifier.verify(pair.getPublic(), digest, alteredData, signature, keep));

                byte[] alteredSignature = signature.clone();
                int at = random.nextInt(alteredSignature.length);
                alteredSignature[at] ^= (byte) (1 << random.nextInt(8));
                assertFalse(jdk(jdkAlgorithm, pair.getPublic(), data, alteredSignature));
                assertEquals(
                        Optional.of(false),
                        EcdsaVerifier.verify(pair.getPublic(), digest, data, alteredSignature, keep),
                        "a signature altered at byte " + at);

                KeyPair other = TestKeyPairs.fresh(curve);
                assertEquals(
                        Optional.of(false), EcdsaVerifier.verify(other.getPublic(), digest, data, signature, keep));
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"true", "false"})
    void refusesSignaturesThatAreNotStrictDer(boolean keep) throws Exception {
        KeyPair pair = TestKeyPairs.ec("P-256");
        byte[] data = "to be signed".getBytes();
        byte[] signature = sign("SHA256withECDSA", pair, data);
        BigInteger[] rs = rs(signature);
        BigInteger n = ((ECPublicKey) pair.getPublic()).getParams().getOrder();

        byte[] trailing = Arrays.copyOf(signature, signature.length + 1);
        assertEquals(Optional.of(false), EcdsaVerifier.verify(pair.getPublic(), "SHA-256", data, trailing, keep));
        byte[] longForm = longFormLength(signature);
        assertEquals(Optional.of(false), EcdsaVerifier.verify(pair.getPublic(), "SHA-256", data, longForm, keep));
        // r + n: the same value modulo n, but ECDSA requires r < n.
        assertEquals(
                Optional.of(false),
                EcdsaVerifier.verify(pair.getPublic(), "SHA-256", data, der(rs[0].add(n), rs[1]), keep));
        assertEquals(
                Optional.of(false),
                EcdsaVerifier.verify(pair.getPublic(), "SHA-256", data, der(BigInteger.ZERO, rs[1]), keep));
        assertEquals(
                Optional.of(false),
                EcdsaVerifier.verify(pair.getPublic(), "SHA-256", data, der(rs[0], BigInteger.ZERO), keep));
        assertEquals(
                Optional.of(false),
                EcdsaVerifier.verify(pair.getPublic(), "SHA-256", data, der(rs[0], rs[1].negate()), keep));
        assertEquals(Optional.of(false), EcdsaVerifier.verify(pair.getPublic(), "SHA-256", data, new byte[0], keep));
        assertEquals(
                Optional.of(true), EcdsaVerifier.verify(pair.getPublic(), "SHA-256", data, der(rs[0], rs[1]), keep));
    }

    @ParameterizedTest
    @CsvSource({"true", "false"})
    void aPointOffTheCurveVerifiesNothing(boolean keep) throws Exception {
        KeyPair pair = TestKeyPairs.ec("P-256");
        byte[] data = "to be signed".getBytes();
        byte[] signature = sign("SHA256withECDSA", pair, data);
        SubjectPublicKeyInfo spki =
                SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded());
        byte[] point = spki.getPublicKeyData().getOctets();
        point[point.length - 1] ^= 1; // y no longer fits x
        byte[] encoded = new SubjectPublicKeyInfo(spki.getAlgorithm(), new DERBitString(point)).getEncoded();
        PublicKey offCurve = new PublicKey() {
            @Override
            public String getAlgorithm() {
                return "EC";
            }

            @Override
            public String getFormat() {
                return "X.509";
            }

            @Override
            public byte[] getEncoded() {
                return encoded.clone();
            }
        };
        assertEquals(Optional.of(false), EcdsaVerifier.verify(offCurve, "SHA-256", data, signature, keep));
    }

    @ParameterizedTest
    @CsvSource({"true", "false"})
    void leavesOtherKeysToTheJdk(boolean keep) throws Exception {
        byte[] data = "to be signed".getBytes();
        assertFalse(EcdsaVerifier.verify(TestKeyPairs.rsa(2048).getPublic(), "SHA-256", data, new byte[8], keep)
                .isPresent());
        assertFalse(EcdsaVerifier.verify(TestKeyPairs.bcEc("secp256k1").getPublic(), "SHA-256", data, new byte[8], keep)
                .isPresent());
        assertTrue(EcdsaVerifier.verify(TestKeyPairs.ec("P-256").getPublic(), "SHA-256", data, new byte[8], keep)
                .isPresent());
    }

    private static byte[] sign(String algorithm, KeyPair pair, byte[] data) throws Exception {
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(pair.getPrivate());
        signer.update(data);
        return signer.sign();
    }

    private static boolean jdk(String algorithm, PublicKey key, byte[] data, byte[] signature) {
        try {
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(key);
            verifier.update(data);
            return verifier.verify(signature);
        } catch (Exception e) {
            return false;
        }
    }

    private static BigInteger[] rs(byte[] der) {
        var sequence = org.bouncycastle.asn1.ASN1Sequence.getInstance(der);
        return new BigInteger[] {
            ASN1Integer.getInstance(sequence.getObjectAt(0)).getValue(),
            ASN1Integer.getInstance(sequence.getObjectAt(1)).getValue()
        };
    }

    private static byte[] der(BigInteger r, BigInteger s) throws Exception {
        ASN1EncodableVector v = new ASN1EncodableVector();
        v.add(new ASN1Integer(r));
        v.add(new ASN1Integer(s));
        return new DERSequence(v).getEncoded();
    }

    /** The same SEQUENCE with its length in the long form (0x81 nn): valid BER, not DER. */
    private static byte[] longFormLength(byte[] der) {
        byte[] out = new byte[der.length + 1];
        out[0] = der[0];
        out[1] = (byte) 0x81;
        out[2] = der[1];
        System.arraycopy(der, 2, out, 3, der.length - 2);
        return out;
    }
}
