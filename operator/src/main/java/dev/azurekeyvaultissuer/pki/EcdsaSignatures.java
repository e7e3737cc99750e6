package dev.azurekeyvaultissuer.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERSequence;

/**
 * ECDSA signatures in their two encodings. Key Vault (like JOSE, RFC 7518 section 3.4) returns the raw
 * concatenation {@code r||s}, each half as wide as the curve's field (32, 48 or 66 bytes). X.509 and PKCS#10 need
 * the DER form {@code SEQUENCE { INTEGER r, INTEGER s }} (RFC 3279 section 2.2.3), where each INTEGER is minimal and
 * gets a leading zero byte when its high bit is set.
 */
public final class EcdsaSignatures {

    private EcdsaSignatures() {}

    /**
     * Converts raw {@code r||s} to DER.
     *
     * @throws IllegalArgumentException for an empty or odd-length input, or a zero r or s
     */
    public static byte[] rawToDer(byte[] raw) {
        if (raw == null || raw.length == 0 || raw.length % 2 != 0) {
            throw new IllegalArgumentException("a raw ECDSA signature has two halves of equal length, got "
                    + (raw == null ? 0 : raw.length) + " bytes");
        }
        int half = raw.length / 2;
        BigInteger r = new BigInteger(1, Arrays.copyOfRange(raw, 0, half));
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(raw, half, raw.length));
        if (r.signum() == 0 || s.signum() == 0) {
            throw new IllegalArgumentException("a raw ECDSA signature with r or s zero is invalid");
        }
        try {
            return new DERSequence(new ASN1Integer[] {new ASN1Integer(r), new ASN1Integer(s)})
                    .getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new IllegalStateException("DER encoding of two integers failed", e);
        }
    }

    /**
     * Converts a DER signature to raw {@code r||s}, each half left-padded to {@code fieldBytes}.
     *
     * @throws IllegalArgumentException unless the input is exactly one strict-DER SEQUENCE of two positive INTEGERs
     *     that fit in {@code fieldBytes}
     */
    public static byte[] derToRaw(byte[] der, int fieldBytes) {
        if (fieldBytes <= 0) {
            throw new IllegalArgumentException("field size must be positive");
        }
        BigInteger[] rs = parseDer(der);
        byte[] raw = new byte[2 * fieldBytes];
        for (int i = 0; i < 2; i++) {
            BigInteger value = rs[i];
            if (value.signum() <= 0) {
                throw new IllegalArgumentException("an ECDSA signature's r and s are positive");
            }
            byte[] unsigned = unsigned(value);
            if (unsigned.length > fieldBytes) {
                throw new IllegalArgumentException("an ECDSA signature value is wider than the field ("
                        + unsigned.length + " > " + fieldBytes + " bytes)");
            }
            System.arraycopy(unsigned, 0, raw, (i + 1) * fieldBytes - unsigned.length, unsigned.length);
        }
        return raw;
    }

    /** Bytes per half of a raw signature for that key's curve: 32 for P-256, 48 for P-384, 66 for P-521. */
    public static int fieldBytes(ECPublicKey key) {
        return (key.getParams().getCurve().getField().getFieldSize() + 7) / 8;
    }

    private static BigInteger[] parseDer(byte[] der) {
        ASN1Sequence sequence;
        try {
            sequence = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(der));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not a DER ECDSA signature", e);
        }
        if (sequence.size() != 2) {
            throw new IllegalArgumentException("a DER ECDSA signature is a SEQUENCE of two INTEGERs");
        }
        BigInteger[] rs = new BigInteger[2];
        byte[] reencoded;
        try {
            rs[0] = ASN1Integer.getInstance(sequence.getObjectAt(0)).getValue();
            rs[1] = ASN1Integer.getInstance(sequence.getObjectAt(1)).getValue();
            reencoded = sequence.getEncoded(ASN1Encoding.DER);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("a DER ECDSA signature is a SEQUENCE of two INTEGERs", e);
        }
        if (!Arrays.equals(reencoded, der)) {
            throw new IllegalArgumentException("the ECDSA signature is not strict DER");
        }
        return rs;
    }

    private static byte[] unsigned(BigInteger value) {
        byte[] bytes = value.toByteArray();
        return bytes[0] == 0 && bytes.length > 1 ? Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
    }
}
