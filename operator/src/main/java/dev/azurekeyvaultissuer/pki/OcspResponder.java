package dev.azurekeyvaultissuer.pki;

import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1GeneralizedTime;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.ocsp.RevokedInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.Req;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * An OCSP responder (RFC 6960) for a CA whose key is in the vault, answering from the same revocation state as the
 * CRL. Responses are signed by a delegated responder: a key pair made in memory and a short-lived certificate for it
 * that the vault key signs (extendedKeyUsage OCSPSigning, id-pkix-ocsp-nocheck), so one vault call covers every
 * response until the delegate is renewed, and a public endpoint can never make the operator call the vault. The
 * delegate's key can vouch for the status of the CA's certificates and nothing else.
 *
 * <p>Status: {@code revoked} (with time and reason) for a serial on the CRL, {@code good} for any other serial of
 * this CA (RFC 6960 2.2: not revoked), {@code unknown} for a certificate of another issuer. thisUpdate and nextUpdate
 * are the CRL's, so a response never outlives the list it was made from.
 */
public final class OcspResponder {

    /** The most certificates one request may ask about. */
    public static final int MAX_REQUESTS = 10;

    private static final SecureRandom RANDOM = new SecureRandom();

    private OcspResponder() {}

    /** A delegated responder: its certificate, issued by the CA's vault key, and its key pair, kept in memory only. */
    public record Delegate(X509Certificate certificate, KeyPair keyPair) {
        public Delegate {
            Objects.requireNonNull(certificate, "certificate");
            Objects.requireNonNull(keyPair, "keyPair");
        }

        public Instant notAfter() {
            return certificate.getNotAfter().toInstant();
        }
    }

    /**
     * Makes a delegated responder for the CA: a new P-256 key pair and a certificate for it signed by the vault key
     * (one vault call), valid from a minute ago for {@code validity}, never past the CA's notAfter.
     */
    public static Delegate delegate(
            KeyVault vault,
            VaultKey key,
            SignatureAlgorithm algorithm,
            CertificateAuthority ca,
            Instant now,
            Duration validity) {
        KeyPair pair;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            pair = generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot make a P-256 key pair", e);
        }
        Instant notAfter = now.plus(validity);
        if (notAfter.isAfter(ca.notAfter())) {
            notAfter = ca.notAfter();
        }
        X500Name subject = new X500Name("CN=OCSP responder " + Long.toHexString(RANDOM.nextLong() & Long.MAX_VALUE));
        SubjectPublicKeyInfo spki =
                SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded());
        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(
                ca.issuerName(),
                SerialNumbers.random(),
                Date.from(now.minus(Duration.ofMinutes(1))),
                Date.from(notAfter),
                subject,
                spki);
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(
                    Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_OCSPSigning));
            // RFC 6960 4.2.2.2.1: clients need not check the responder's own revocation; it lives for days only.
            builder.addExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nocheck, false, DERNull.INSTANCE);
            builder.addExtension(
                    Extension.authorityKeyIdentifier, false, new AuthorityKeyIdentifier(ca.subjectKeyIdentifier()));
            builder.addExtension(
                    Extension.subjectKeyIdentifier, false, new SubjectKeyIdentifier(PublicKeys.keyIdentifier(spki)));
        } catch (IOException e) {
            throw new IllegalStateException("an OCSP responder extension could not be encoded", e);
        }
        X509CertificateHolder holder = builder.build(new VaultContentSigner(vault, key, algorithm));
        try {
            return new Delegate(Pem.certificate(holder.getEncoded()), pair);
        } catch (IOException e) {
            throw new IllegalStateException("the OCSP responder certificate could not be encoded", e);
        }
    }

    /**
     * Answers one DER OCSPRequest; a request that does not parse, or asks about more than {@link #MAX_REQUESTS}
     * certificates, gets a {@code malformedRequest} response. Signing is local: no vault call.
     *
     * @return the DER OCSPResponse
     */
    public static byte[] respond(
            byte[] requestDer, CertificateAuthority ca, Delegate delegate, CertificateRevocationList crl, Instant now) {
        try {
            OCSPReq request;
            try {
                request = new OCSPReq(requestDer);
            } catch (IOException | RuntimeException e) {
                return status(OCSPRespBuilder.MALFORMED_REQUEST);
            }
            Req[] asked = request.getRequestList();
            if (asked.length == 0 || asked.length > MAX_REQUESTS) {
                return status(OCSPRespBuilder.MALFORMED_REQUEST);
            }
            DigestCalculatorProvider digests = new JcaDigestCalculatorProviderBuilder().build();
            X509CertificateHolder caHolder = new JcaX509CertificateHolder(ca.certificate());
            X509CertificateHolder delegateHolder = new JcaX509CertificateHolder(delegate.certificate());
            BasicOCSPRespBuilder builder = new BasicOCSPRespBuilder(
                    SubjectPublicKeyInfo.getInstance(
                            delegate.keyPair().getPublic().getEncoded()),
                    digests.get(CertificateID.HASH_SHA1));
            for (Req one : asked) {
                CertificateID id = one.getCertID();
                builder.addResponse(
                        id,
                        statusOf(id, caHolder, digests, crl),
                        Date.from(crl.thisUpdate()),
                        Date.from(crl.nextUpdate()));
            }
            Extension nonce = request.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
            if (nonce != null) {
                builder.setResponseExtensions(new Extensions(nonce));
            }
            ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA")
                    .build(delegate.keyPair().getPrivate());
            BasicOCSPResp basic = builder.build(signer, new X509CertificateHolder[] {delegateHolder}, Date.from(now));
            return new OCSPRespBuilder()
                    .build(OCSPRespBuilder.SUCCESSFUL, basic)
                    .getEncoded();
        } catch (OCSPException | OperatorCreationException | GeneralSecurityException | IOException e) {
            throw new IllegalStateException("an OCSP response could not be made", e);
        }
    }

    private static CertificateStatus statusOf(
            CertificateID id, X509CertificateHolder ca, DigestCalculatorProvider digests, CertificateRevocationList crl)
            throws OCSPException {
        if (!id.matchesIssuer(ca, digests)) {
            return new UnknownStatus();
        }
        BigInteger serial = id.getSerialNumber();
        return crl.entry(serial)
                .<CertificateStatus>map(e -> e.reason() == RevocationReason.UNSPECIFIED
                        // as on the CRL: no reason rather than "unspecified"
                        ? new RevokedStatus(new RevokedInfo(new ASN1GeneralizedTime(Date.from(e.revokedAt())), null))
                        : new RevokedStatus(Date.from(e.revokedAt()), e.reason().code()))
                .orElse(CertificateStatus.GOOD);
    }

    private static byte[] status(int status) throws OCSPException, IOException {
        OCSPResp response = new OCSPRespBuilder().build(status, null);
        return response.getEncoded();
    }
}
