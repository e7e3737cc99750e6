package dev.azurekeyvaultissuer.pki;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.testing.TestCertificates;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class CertificateAuthorityTest {

    private static final Instant NOW = PkiFixtures.NOW;
    private static final KeyPair ROOT_KEY = TestKeyPairs.ec("P-384");
    private static final KeyPair INTERMEDIATE_KEY = TestKeyPairs.rsa(2048);
    private static final KeyPair CA_KEY = TestKeyPairs.ec("P-256");

    private static final X509Certificate ROOT = TestCertificates.root("CN=Root", ROOT_KEY);
    private static final X509Certificate INTERMEDIATE = TestCertificates.builder(
                    "CN=Intermediate", INTERMEDIATE_KEY.getPublic())
            .issuedBy(ROOT, ROOT_KEY.getPrivate())
            .build();
    private static final X509Certificate CA = TestCertificates.builder("CN=Issuing CA", CA_KEY.getPublic())
            .issuedBy(INTERMEDIATE, INTERMEDIATE_KEY.getPrivate())
            .build();

    private static String pem(X509Certificate... certificates) {
        return Pem.encode(List.of(certificates));
    }

    private static void assertReason(String reason, Executable executable) {
        CaCertificateException e = assertThrows(CaCertificateException.class, executable);
        assertEquals(reason, e.reason(), e.getMessage());
        assertFalse(e.getMessage().contains("MII"), "no PEM in messages: " + e.getMessage());
    }

    // ---- shape of the chain

    @Test
    void aSelfSignedRootAloneIsBothTheCaAndTheRoot() {
        CertificateAuthority ca = CertificateAuthority.fromPem(pem(ROOT));

        assertEquals(ROOT, ca.certificate());
        assertEquals(ROOT, ca.root());
        assertTrue(ca.hasRoot());
        assertEquals(List.of(), ca.intermediates());
        assertEquals("", ca.chainPemAfterLeaf());
        assertEquals(pem(ROOT), ca.rootPem());
    }

    @Test
    void aChainFromTheCaUpSplitsIntoIntermediatesAndRoot() {
        CertificateAuthority ca = CertificateAuthority.fromPem(pem(CA, INTERMEDIATE, ROOT));

        assertEquals(CA, ca.certificate());
        assertEquals(List.of(CA, INTERMEDIATE), ca.intermediates());
        assertEquals(ROOT, ca.root());
        assertEquals(List.of(CA, INTERMEDIATE, ROOT), ca.chain());
        assertEquals(pem(CA, INTERMEDIATE), ca.chainPemAfterLeaf());
        assertEquals(pem(ROOT), ca.rootPem());
    }

    @Test
    void anyOrderIsAcceptedAndDuplicatesAreDropped() {
        CertificateAuthority ca = CertificateAuthority.fromPem(pem(ROOT, CA, INTERMEDIATE, ROOT, CA));

        assertEquals(List.of(CA, INTERMEDIATE, ROOT), ca.chain());
    }

    @Test
    void withoutTheRootTheTopCertificateIsBothLastIntermediateAndCa() {
        CertificateAuthority ca = CertificateAuthority.fromPem(pem(CA, INTERMEDIATE));

        assertFalse(ca.hasRoot());
        assertEquals(List.of(CA, INTERMEDIATE), ca.intermediates());
        assertEquals(INTERMEDIATE, ca.root());
    }

    @Test
    void notAfterIsTheEarliestInTheChain() {
        Instant early = NOW.plus(Duration.ofDays(40));
        X509Certificate shortIntermediate = TestCertificates.builder("CN=Intermediate", INTERMEDIATE_KEY.getPublic())
                .issuedBy(ROOT, ROOT_KEY.getPrivate())
                .validity(NOW.minusSeconds(10), early)
                .build();

        assertEquals(
                early,
                CertificateAuthority.fromPem(pem(CA, shortIntermediate, ROOT)).notAfter());
        assertEquals(
                ROOT.getNotAfter().toInstant(),
                CertificateAuthority.fromPem(pem(ROOT)).notAfter());
    }

    @Test
    void fromDerReadsOneCertificate() throws Exception {
        assertEquals(CA, CertificateAuthority.fromDer(CA.getEncoded()).certificate());
        assertReason(CaCertificateException.INVALID, () -> CertificateAuthority.fromDer(new byte[] {1, 2, 3}));
        assertReason(CaCertificateException.INVALID, () -> CertificateAuthority.fromDer(new byte[0]));
    }

    // ---- unusable input

    @Test
    void notPemEmptyOrNotCertificatesIsInvalid() {
        assertReason(CaCertificateException.INVALID, () -> CertificateAuthority.fromPem(""));
        assertReason(CaCertificateException.INVALID, () -> CertificateAuthority.fromPem(null));
        assertReason(CaCertificateException.INVALID, () -> CertificateAuthority.fromPem("just some text"));
        assertReason(
                CaCertificateException.INVALID,
                () -> CertificateAuthority.fromPem(Pem.encode("CERTIFICATE", new byte[] {0x30, 0x03, 1, 2, 3})));
        assertReason(
                CaCertificateException.INVALID,
                () -> CertificateAuthority.fromPem(pem(ROOT) + Pem.encode("EC PRIVATE KEY", new byte[] {1})));
    }

    @Test
    void aBrokenSignatureLinkIsAnInvalidChain() {
        KeyPair impostor = TestKeyPairs.fresh("P-384");
        X509Certificate forged = TestCertificates.builder("CN=Intermediate", INTERMEDIATE_KEY.getPublic())
                .issuedBy(ROOT, impostor.getPrivate())
                .build();

        CaCertificateException e =
                assertThrows(CaCertificateException.class, () -> CertificateAuthority.fromPem(pem(CA, forged, ROOT)));
        assertEquals(CaCertificateException.CHAIN_INVALID, e.reason());
        assertTrue(
                e.getMessage()
                        .contains("signature of \"CN=Intermediate\" does not verify with the key of" + " \"CN=Root\""),
                e.getMessage());
    }

    @Test
    void aMissingLinkOrUnrelatedCertificatesAreAnInvalidChain() {
        assertReason(CaCertificateException.CHAIN_INVALID, () -> CertificateAuthority.fromPem(pem(CA, ROOT)));
        X509Certificate otherRoot = TestCertificates.root("CN=Other Root", TestKeyPairs.ec("P-521"));
        assertReason(CaCertificateException.CHAIN_INVALID, () -> CertificateAuthority.fromPem(pem(ROOT, otherRoot)));
    }

    @Test
    void twoBranchesAreNotOneChain() {
        X509Certificate sibling = TestCertificates.builder(
                        "CN=Sibling", TestKeyPairs.ec("P-256").getPublic())
                .issuedBy(ROOT, ROOT_KEY.getPrivate())
                .build();

        assertReason(
                CaCertificateException.CHAIN_INVALID,
                () -> CertificateAuthority.fromPem(pem(INTERMEDIATE, sibling, ROOT)));
    }

    @Test
    void tooManyCertificatesAreRefused() {
        List<X509Certificate> many = new ArrayList<>();
        for (int i = 0; i <= CertificateAuthority.MAX_CERTIFICATES; i++) {
            many.add(TestCertificates.root("CN=Root " + i, ROOT_KEY));
        }
        assertReason(CaCertificateException.CHAIN_INVALID, () -> CertificateAuthority.of(many));
    }

    // ---- checkUsable

    @Test
    void aValidChainForTheVaultKeyIsUsable() {
        assertDoesNotThrow(
                () -> CertificateAuthority.fromPem(pem(CA, INTERMEDIATE, ROOT)).checkUsable(CA_KEY.getPublic(), NOW));
    }

    @Test
    void keysAreComparedByValueNotByClass() throws Exception {
        RSAPublicKey rsa = (RSAPublicKey) INTERMEDIATE_KEY.getPublic();
        PublicKey rebuilt = KeyFactory.getInstance("RSA")
                .generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));

        assertDoesNotThrow(
                () -> CertificateAuthority.fromPem(pem(INTERMEDIATE, ROOT)).checkUsable(rebuilt, NOW));
    }

    @Test
    void aCertificateOfAnotherKeyIsAKeyMismatch() {
        CertificateAuthority ca = CertificateAuthority.fromPem(pem(CA, INTERMEDIATE, ROOT));

        assertReason(
                CaCertificateException.KEY_MISMATCH,
                () -> ca.checkUsable(TestKeyPairs.fresh("P-256").getPublic(), NOW));
        assertReason(CaCertificateException.KEY_MISMATCH, () -> ca.checkUsable(ROOT_KEY.getPublic(), NOW));
    }

    @Test
    void aCaKeyOutsideTheProfileIsInvalid() {
        KeyPair k1 = TestKeyPairs.bcEc("secp256k1");
        X509Certificate root = TestCertificates.builder("CN=Bitcoin Root", k1.getPublic())
                .selfSigned(k1.getPrivate())
                .build();

        CaCertificateException e = assertThrows(
                CaCertificateException.class,
                () -> CertificateAuthority.of(List.of(root)).checkUsable(k1.getPublic(), NOW));
        assertEquals(CaCertificateException.INVALID, e.reason());
        assertTrue(e.getMessage().contains("secp256k1"), e.getMessage());
    }

    @Test
    void aCertificateWithoutCaBasicConstraintsIsNotACa() {
        X509Certificate leafLike = TestCertificates.builder("CN=Not a CA", CA_KEY.getPublic())
                .issuedBy(ROOT, ROOT_KEY.getPrivate())
                .ca(false)
                .keyUsage(KeyUsage.digitalSignature)
                .build();

        assertReason(
                CaCertificateException.NOT_CA,
                () -> CertificateAuthority.fromPem(pem(leafLike, ROOT)).checkUsable(CA_KEY.getPublic(), NOW));
    }

    @Test
    void aCaWhoseKeyUsageLacksKeyCertSignIsNotACa() {
        X509Certificate crlOnly = TestCertificates.builder("CN=CRL signer", CA_KEY.getPublic())
                .issuedBy(ROOT, ROOT_KEY.getPrivate())
                .keyUsage(KeyUsage.cRLSign)
                .build();

        assertReason(
                CaCertificateException.NOT_CA,
                () -> CertificateAuthority.fromPem(pem(crlOnly, ROOT)).checkUsable(CA_KEY.getPublic(), NOW));
    }

    @Test
    void aCaWithoutKeyUsageIsAccepted() {
        X509Certificate noKeyUsage = TestCertificates.builder("CN=Old CA", CA_KEY.getPublic())
                .issuedBy(ROOT, ROOT_KEY.getPrivate())
                .keyUsage(null)
                .build();

        assertDoesNotThrow(
                () -> CertificateAuthority.fromPem(pem(noKeyUsage, ROOT)).checkUsable(CA_KEY.getPublic(), NOW));
    }

    @Test
    void aNonCaAboveTheSigningCaInvalidatesTheChain() {
        X509Certificate middle = TestCertificates.builder("CN=Intermediate", INTERMEDIATE_KEY.getPublic())
                .issuedBy(ROOT, ROOT_KEY.getPrivate())
                .ca(false)
                .build();
        X509Certificate ca = TestCertificates.builder("CN=Issuing CA", CA_KEY.getPublic())
                .issuedBy(middle, INTERMEDIATE_KEY.getPrivate())
                .build();

        assertReason(
                CaCertificateException.CHAIN_INVALID,
                () -> CertificateAuthority.fromPem(pem(ca, middle, ROOT)).checkUsable(CA_KEY.getPublic(), NOW));
    }

    @Test
    void anExpiredOrNotYetValidCertificateAnywhereInTheChainIsExpired() {
        CertificateAuthority ca = CertificateAuthority.fromPem(pem(CA, INTERMEDIATE, ROOT));
        assertReason(
                CaCertificateException.EXPIRED,
                () -> ca.checkUsable(
                        CA_KEY.getPublic(), ROOT.getNotAfter().toInstant().plusSeconds(1)));
        assertReason(
                CaCertificateException.EXPIRED,
                () -> ca.checkUsable(
                        CA_KEY.getPublic(), ROOT.getNotBefore().toInstant().minusSeconds(1)));

        X509Certificate expiredIntermediate = TestCertificates.builder("CN=Intermediate", INTERMEDIATE_KEY.getPublic())
                .issuedBy(ROOT, ROOT_KEY.getPrivate())
                .validity(NOW.minus(Duration.ofDays(100)), NOW.minus(Duration.ofDays(1)))
                .build();
        CaCertificateException e = assertThrows(
                CaCertificateException.class,
                () -> CertificateAuthority.fromPem(pem(CA, expiredIntermediate, ROOT))
                        .checkUsable(CA_KEY.getPublic(), NOW));
        assertEquals(CaCertificateException.EXPIRED, e.reason());
        assertTrue(e.getMessage().contains("\"CN=Intermediate\""), e.getMessage());
    }
}
