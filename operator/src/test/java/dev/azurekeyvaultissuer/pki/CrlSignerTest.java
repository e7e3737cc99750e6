package dev.azurekeyvaultissuer.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CrlSignerTest {

    private static final Instant NOW = PkiFixtures.NOW;

    private static CrlSigner signer(PkiFixtures.TestCa ca) {
        return new CrlSigner(ca.vault(), ca.key(), ca.algorithm(), ca.authority());
    }

    @ParameterizedTest
    @ValueSource(strings = {"P-256", "P-384", "RSA-2048"})
    void aCrlIsAnRfc5280V2CrlSignedByTheVaultKeyWithOneSign(String keyKind) throws Exception {
        PkiFixtures.TestCa ca = PkiFixtures.rootCa(keyKind);
        List<RevokedCertificate> entries = List.of(
                new RevokedCertificate(BigInteger.valueOf(7), NOW.minusSeconds(60), RevocationReason.KEY_COMPROMISE),
                new RevokedCertificate(BigInteger.valueOf(3), NOW.minusSeconds(30), RevocationReason.UNSPECIFIED));
        ca.vault().resetCalls();

        CertificateRevocationList crl =
                signer(ca).sign(BigInteger.valueOf(12), NOW, NOW.plus(Duration.ofHours(24)), entries);

        assertEquals(1, ca.vault().signCalls(), "one vault signature per CRL");
        X509CRL jdk =
                (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(crl.der()));
        jdk.verify(ca.authority().certificate().getPublicKey());
        assertEquals(2, jdk.getVersion());
        assertEquals(ca.authority().certificate().getSubjectX500Principal(), jdk.getIssuerX500Principal());
        assertEquals(NOW, jdk.getThisUpdate().toInstant());
        assertEquals(NOW.plus(Duration.ofHours(24)), jdk.getNextUpdate().toInstant());
        byte[] aki = AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(jdk.getExtensionValue("2.5.29.35"))
                        .getOctets())
                .getKeyIdentifier();
        byte[] ski = SubjectKeyIdentifier.getInstance(
                        ASN1OctetString.getInstance(ca.authority().certificate().getExtensionValue("2.5.29.14"))
                                .getOctets())
                .getKeyIdentifier();
        assertArrayEquals(ski, aki, "authorityKeyIdentifier is the CA's subjectKeyIdentifier");
        X509CRLEntry compromised = jdk.getRevokedCertificate(BigInteger.valueOf(7));
        assertEquals(java.security.cert.CRLReason.KEY_COMPROMISE, compromised.getRevocationReason());
        X509CRLEntry unspecified = jdk.getRevokedCertificate(BigInteger.valueOf(3));
        assertNull(unspecified.getRevocationReason(), "RFC 5280: no reasonCode rather than unspecified");

        assertEquals(BigInteger.valueOf(12), crl.number());
        assertEquals(2, crl.entries().size());
        assertTrue(crl.verifies(ca.authority().certificate().getPublicKey()));
        assertFalse(crl.verifies(TestKeyPairs.fresh("P-384").getPublic()));
    }

    @Test
    void whatIsReadBackIsWhatWasSigned() {
        PkiFixtures.TestCa ca = PkiFixtures.rootCa("P-256");
        RevokedCertificate entry =
                new RevokedCertificate(new BigInteger("123456789abcdef", 16), NOW, RevocationReason.SUPERSEDED);
        CertificateRevocationList crl = signer(ca).sign(BigInteger.ONE, NOW, NOW.plusSeconds(3600), List.of(entry));

        CertificateRevocationList read = CertificateRevocationList.fromPem(crl.pem());

        assertEquals(List.of(entry), read.entries());
        assertEquals(crl.number(), read.number());
        assertEquals(crl.thisUpdate(), read.thisUpdate());
        assertEquals(crl.nextUpdate(), read.nextUpdate());
        assertArrayEquals(crl.der(), read.der());
        assertTrue(read.covers(List.of(entry)));
        assertFalse(read.covers(List.of(new RevokedCertificate(BigInteger.TWO, NOW, RevocationReason.UNSPECIFIED))));
    }

    @Test
    void anEmptyListIsACrlToo() {
        PkiFixtures.TestCa ca = PkiFixtures.rootCa("P-256");
        CertificateRevocationList crl = signer(ca).sign(BigInteger.ONE, NOW, NOW.plusSeconds(60), List.of());
        assertEquals(List.of(), CertificateRevocationList.fromDer(crl.der()).entries());
    }

    @Test
    void nextUpdateMustFollowThisUpdate() {
        PkiFixtures.TestCa ca = PkiFixtures.rootCa("P-256");
        assertThrows(IllegalArgumentException.class, () -> signer(ca).sign(BigInteger.ONE, NOW, NOW, List.of()));
        assertEquals(0, ca.vault().signCalls());
    }

    @Test
    void somethingElseIsNotACrl() {
        assertThrows(IllegalArgumentException.class, () -> CertificateRevocationList.fromDer(new byte[] {1, 2, 3}));
        assertThrows(
                IllegalArgumentException.class,
                () -> CertificateRevocationList.fromPem(
                        Pem.encode(PkiFixtures.rootCa("P-256").authority().certificate())));
    }
}
