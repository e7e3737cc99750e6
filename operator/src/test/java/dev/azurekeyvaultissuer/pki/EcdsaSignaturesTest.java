package dev.azurekeyvaultissuer.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import java.security.KeyPair;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EcdsaSignaturesTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void smallValuesAreMinimalIntegers() {
        byte[] raw = new byte[64];
        raw[31] = 0x01;
        raw[63] = 0x7f;

        byte[] der = EcdsaSignatures.rawToDer(raw);

        assertEquals("300602010102017f", HEX.formatHex(der));
        assertArrayEquals(raw, EcdsaSignatures.derToRaw(der, 32));
    }

    @Test
    void highBitGetsALeadingZeroAndLeadingZerosAreStripped() {
        byte[] raw = new byte[64];
        raw[0] = (byte) 0x80; // r = 0x80 00..00: high bit set, needs 0x00 in DER
        raw[32] = 0x00;
        raw[33] = 0x00;
        raw[34] = 0x12; // s = 0x12 followed by 29 zero bytes: two leading zero bytes vanish
        byte[] der = EcdsaSignatures.rawToDer(raw);

        assertEquals(0x02, der[2]);
        assertEquals(33, der[3], "r is 32 bytes plus the sign byte");
        assertEquals(0x00, der[4]);
        assertEquals((byte) 0x80, der[5]);
        assertEquals(30, der[4 + 33 + 1], "s lost its two leading zero bytes");
        assertArrayEquals(raw, EcdsaSignatures.derToRaw(der, 32));
    }

    @ParameterizedTest
    @ValueSource(ints = {32, 48, 66})
    void randomValuesRoundTripForEveryCurveWidth(int fieldBytes) {
        Random random = new Random(fieldBytes);
        for (int i = 0; i < 500; i++) {
            byte[] raw = new byte[2 * fieldBytes];
            random.nextBytes(raw);
            if (fieldBytes == 66) { // P-521: the top 7 bits of each half are zero
                raw[0] &= 0x01;
                raw[66] &= 0x01;
            }
            if (i % 5 == 0) {
                raw[0] = 0;
                raw[fieldBytes] = 0;
            }
            raw[fieldBytes - 1] |= 1; // keep r and s non-zero
            raw[2 * fieldBytes - 1] |= 1;
            assertArrayEquals(raw, EcdsaSignatures.derToRaw(EcdsaSignatures.rawToDer(raw), fieldBytes));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"P-256", "P-384", "P-521"})
    void jdkSignaturesRoundTripAndStillVerify(String curve) throws Exception {
        KeyPair pair = TestKeyPairs.ec(curve);
        int fieldBytes = EcdsaSignatures.fieldBytes((ECPublicKey) pair.getPublic());
        byte[] data = "to be signed".getBytes();
        for (int i = 0; i < 20; i++) {
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(pair.getPrivate());
            signer.update(data);
            byte[] der = signer.sign();

            byte[] raw = EcdsaSignatures.derToRaw(der, fieldBytes);
            assertEquals(2 * fieldBytes, raw.length);
            assertArrayEquals(der, EcdsaSignatures.rawToDer(raw));

            Signature verifier = Signature.getInstance("SHA256withECDSAinP1363Format");
            verifier.initVerify(pair.getPublic());
            verifier.update(data);
            assertTrue(verifier.verify(raw), "raw is the P1363 (r||s) form the JDK knows too");
        }
    }

    @Test
    void fieldBytesPerCurve() {
        assertEquals(32, EcdsaSignatures.fieldBytes((ECPublicKey)
                TestKeyPairs.ec("P-256").getPublic()));
        assertEquals(48, EcdsaSignatures.fieldBytes((ECPublicKey)
                TestKeyPairs.ec("P-384").getPublic()));
        assertEquals(66, EcdsaSignatures.fieldBytes((ECPublicKey)
                TestKeyPairs.ec("P-521").getPublic()));
    }

    @Test
    void rejectsMalformedInput() {
        assertThrows(IllegalArgumentException.class, () -> EcdsaSignatures.rawToDer(new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> EcdsaSignatures.rawToDer(new byte[63]));
        assertThrows(IllegalArgumentException.class, () -> EcdsaSignatures.rawToDer(new byte[64]), "r = s = 0");
        assertThrows(IllegalArgumentException.class, () -> EcdsaSignatures.rawToDer(null));

        assertThrows(
                IllegalArgumentException.class,
                () -> EcdsaSignatures.derToRaw(HEX.parseHex("3003020101"), 32),
                "one integer");
        assertThrows(
                IllegalArgumentException.class,
                () -> EcdsaSignatures.derToRaw(HEX.parseHex("3006020101020101ff"), 32),
                "trailing byte");
        assertThrows(
                IllegalArgumentException.class,
                () -> EcdsaSignatures.derToRaw(HEX.parseHex("30070202000102017f"), 32),
                "non-minimal integer");
        assertThrows(
                IllegalArgumentException.class,
                () -> EcdsaSignatures.derToRaw(HEX.parseHex("30060201ff020101"), 32),
                "negative r");
        assertThrows(
                IllegalArgumentException.class,
                () -> EcdsaSignatures.derToRaw(HEX.parseHex("3006020100020101"), 32),
                "zero r");
        assertThrows(
                IllegalArgumentException.class,
                () -> EcdsaSignatures.derToRaw(HEX.parseHex("308106020101020101"), 32),
                "non-DER length");
        byte[] wide = EcdsaSignatures.rawToDer(filled(96));
        assertThrows(IllegalArgumentException.class, () -> EcdsaSignatures.derToRaw(wide, 32), "wider than field");
        assertThrows(IllegalArgumentException.class, () -> EcdsaSignatures.derToRaw(new byte[] {1, 2, 3}, 32));
    }

    private static byte[] filled(int length) {
        byte[] bytes = new byte[length];
        java.util.Arrays.fill(bytes, (byte) 0x5a);
        return bytes;
    }
}
