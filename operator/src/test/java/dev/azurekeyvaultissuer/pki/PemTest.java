package dev.azurekeyvaultissuer.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.testing.TestCertificates;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;

class PemTest {

    private static final X509Certificate ROOT = TestCertificates.root("CN=PEM Root", TestKeyPairs.ec("P-256"));

    @Test
    void encodesWith64CharacterLinesAndDecodesBack() throws Exception {
        String pem = Pem.encode(ROOT);

        assertTrue(pem.startsWith("-----BEGIN CERTIFICATE-----\n"));
        assertTrue(pem.endsWith("-----END CERTIFICATE-----\n"));
        pem.lines().forEach(line -> assertTrue(line.length() <= 64, line));
        List<Pem.Block> blocks = Pem.decode(pem, 10_000);
        assertEquals(1, blocks.size());
        assertEquals("CERTIFICATE", blocks.get(0).label());
        assertArrayEquals(ROOT.getEncoded(), blocks.get(0).der());
    }

    @Test
    void decodesSeveralCertificatesInOrderIgnoringTextAround() {
        X509Certificate other = TestCertificates.root("CN=Other", TestKeyPairs.ec("P-384"));
        String text = "subject=CN = PEM Root\n" + Pem.encode(ROOT) + "\n\n  some comment\n" + Pem.encode(other);

        assertEquals(List.of(ROOT, other), Pem.decodeCertificates(text, 100_000));
        assertEquals("", Pem.encode(List.of()));
        assertEquals(Pem.encode(ROOT) + Pem.encode(other), Pem.encode(List.of(ROOT, other)));
    }

    @Test
    void refusesWhatIsNotCleanPem() {
        String pem = Pem.encode(ROOT);
        assertThrows(IllegalArgumentException.class, () -> Pem.decode(pem, pem.length() - 1), "over the limit");
        assertThrows(IllegalArgumentException.class, () -> Pem.decode(pem.replace("END CERTIFICATE", "END X"), 10_000));
        assertThrows(
                IllegalArgumentException.class, () -> Pem.decode(pem.replace("-----END CERTIFICATE-----", ""), 10_000));
        assertThrows(
                IllegalArgumentException.class,
                () -> Pem.decode("-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n" + pem.substring(28), 10_000));
        assertThrows(
                IllegalArgumentException.class,
                () -> Pem.decode("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n", 10_000),
                "empty");
        assertThrows(IllegalArgumentException.class, () -> Pem.decode(null, 10));
        assertEquals(List.of(), Pem.decode("no blocks here", 100));
    }

    @Test
    void certificatesOnlyWhereCertificatesBelong() {
        String withKey = Pem.encode(ROOT) + Pem.encode("PRIVATE KEY", new byte[] {1, 2, 3});

        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Pem.decodeCertificates(withKey, 100_000));
        assertTrue(e.getMessage().contains("\"PRIVATE KEY\""), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Pem.decodeCertificates("", 100));
        assertThrows(
                IllegalArgumentException.class,
                () -> Pem.decodeCertificates(Pem.encode("CERTIFICATE", new byte[] {0x30, 0x00}), 100));
    }

    @Test
    void certificateRefusesTrailingBytes() throws Exception {
        byte[] der = ROOT.getEncoded();
        byte[] longer = java.util.Arrays.copyOf(der, der.length + 1);

        assertEquals(ROOT, Pem.certificate(der));
        assertThrows(IllegalArgumentException.class, () -> Pem.certificate(longer));
    }
}
