package dev.azurekeyvaultissuer.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.junit.jupiter.api.Test;

/** OCSP answers from the CRL's state, signed by a delegate the vault key certified once. */
class OcspResponderTest {

    private static final Instant NOW = PkiFixtures.NOW;
    private final PkiFixtures.TestCa ca = PkiFixtures.rootCa("P-256");
    private final X509Certificate revoked = issue();
    private final X509Certificate good = issue();
    private final CertificateRevocationList crl = new CrlSigner(ca.vault(), ca.key(), ca.algorithm(), ca.authority())
            .sign(
                    BigInteger.ONE,
                    NOW,
                    NOW.plus(Duration.ofHours(24)),
                    List.of(new RevokedCertificate(
                            revoked.getSerialNumber(), NOW.minusSeconds(5), RevocationReason.KEY_COMPROMISE)));

    private X509Certificate issue() {
        return ca.issue(CsrBuilder.forKey(TestKeyPairs.fresh("P-256"))
                        .subject("CN=leaf")
                        .pem())
                .leaf();
    }

    private OcspResponder.Delegate delegate() {
        return OcspResponder.delegate(ca.vault(), ca.key(), ca.algorithm(), ca.authority(), NOW, Duration.ofDays(2));
    }

    private static byte[] request(X509Certificate issuer, BigInteger serial, byte[] nonce) throws Exception {
        CertificateID id = new CertificateID(
                new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
                new JcaX509CertificateHolder(issuer),
                serial);
        OCSPReqBuilder builder = new OCSPReqBuilder().addRequest(id);
        if (nonce != null) {
            builder.setRequestExtensions(new Extensions(
                    new Extension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce, false, new DEROctetString(nonce))));
        }
        return builder.build().getEncoded();
    }

    private static BasicOCSPResp basic(byte[] response) throws Exception {
        OCSPResp resp = new OCSPResp(response);
        assertEquals(OCSPResp.SUCCESSFUL, resp.getStatus());
        return (BasicOCSPResp) resp.getResponseObject();
    }

    @Test
    void theDelegateIsCertifiedByTheVaultKeyOnceForOcspSigningOnly() throws Exception {
        ca.vault().resetCalls();
        OcspResponder.Delegate delegate = delegate();

        assertEquals(1, ca.vault().signCalls());
        X509Certificate certificate = delegate.certificate();
        certificate.verify(ca.authority().certificate().getPublicKey());
        assertEquals(List.of(KeyPurposeId.id_kp_OCSPSigning.getId()), certificate.getExtendedKeyUsage());
        assertEquals(-1, certificate.getBasicConstraints(), "not a CA");
        assertTrue(certificate.getExtensionValue(OCSPObjectIdentifiers.id_pkix_ocsp_nocheck.getId()) != null);
        assertEquals(NOW.plus(Duration.ofDays(2)), certificate.getNotAfter().toInstant());

        for (int i = 0; i < 20; i++) {
            OcspResponder.respond(
                    request(ca.authority().certificate(), good.getSerialNumber(), null),
                    ca.authority(),
                    delegate,
                    crl,
                    NOW);
        }
        assertEquals(1, ca.vault().signCalls(), "responses are signed locally by the delegate");
    }

    @Test
    void aRevokedCertificateIsRevokedWithTheCrlsTimeAndReasonAndAnotherIsGood() throws Exception {
        OcspResponder.Delegate delegate = delegate();
        byte[] nonce = {1, 2, 3, 4, 5, 6, 7, 8};

        BasicOCSPResp revokedAnswer = basic(OcspResponder.respond(
                request(ca.authority().certificate(), revoked.getSerialNumber(), nonce),
                ca.authority(),
                delegate,
                crl,
                NOW));
        BasicOCSPResp goodAnswer = basic(OcspResponder.respond(
                request(ca.authority().certificate(), good.getSerialNumber(), null),
                ca.authority(),
                delegate,
                crl,
                NOW));

        assertTrue(revokedAnswer.isSignatureValid(new JcaContentVerifierProviderBuilder()
                .build(delegate.certificate().getPublicKey())));
        assertArrayEquals(
                new JcaX509CertificateHolder(delegate.certificate()).getEncoded(),
                revokedAnswer.getCerts()[0].getEncoded(),
                "the delegate's certificate comes with the answer");
        SingleResp single = revokedAnswer.getResponses()[0];
        RevokedStatus status = assertInstanceOf(RevokedStatus.class, single.getCertStatus());
        assertEquals(NOW.minusSeconds(5), status.getRevocationTime().toInstant());
        assertEquals(RevocationReason.KEY_COMPROMISE.code(), status.getRevocationReason());
        assertEquals(crl.thisUpdate(), single.getThisUpdate().toInstant());
        assertEquals(crl.nextUpdate(), single.getNextUpdate().toInstant());
        assertArrayEquals(
                new DEROctetString(nonce).getEncoded(),
                revokedAnswer
                        .getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce)
                        .getExtnValue()
                        .getEncoded(),
                "the nonce is echoed");
        assertEquals(CertificateStatus.GOOD, goodAnswer.getResponses()[0].getCertStatus());
        assertNull(goodAnswer.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce));
    }

    @Test
    void anotherIssuersCertificateIsUnknownAndGarbageIsMalformed() throws Exception {
        OcspResponder.Delegate delegate = delegate();
        X509Certificate otherCa = PkiFixtures.rootCa("P-384").authority().certificate();

        BasicOCSPResp unknown = basic(OcspResponder.respond(
                request(otherCa, good.getSerialNumber(), null), ca.authority(), delegate, crl, NOW));

        assertInstanceOf(UnknownStatus.class, unknown.getResponses()[0].getCertStatus());
        assertEquals(
                OCSPResp.MALFORMED_REQUEST,
                new OCSPResp(OcspResponder.respond(new byte[] {1, 2, 3}, ca.authority(), delegate, crl, NOW))
                        .getStatus());
    }
}
