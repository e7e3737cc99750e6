package dev.azurekeyvaultissuer.pki;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Objects;

import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;

import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultKey;

/**
 * Builds and signs leaf certificates with cert-manager's semantics (DESIGN.md section 3), one vault call each.
 *
 * <p>The profile: subject and subjectAltNames from the CSR (the SAN extension critical when the subject is empty,
 * RFC 5280 section 4.2.1.6); validity from now, no backdating (cert-manager's CA issuer does not backdate either),
 * for {@code duration} (default 90 days) but never past {@link CertificateAuthority#notAfter()}; basicConstraints
 * critical with cA={@code isCA} and no pathLen; keyUsage critical and extendedKeyUsage from {@code usages};
 * subjectKeyIdentifier from the leaf key (RFC 5280 method 1), authorityKeyIdentifier = the CA's SKI; the issuer name
 * copied from the CA certificate byte for byte; a random positive 128-bit serial.
 */
public final class LeafCertificateIssuer {

    /** cert-manager's default certificate duration. */
    public static final Duration DEFAULT_DURATION = Duration.ofDays(90);

    private final KeyVault vault;
    private final Clock clock;

    public LeafCertificateIssuer(KeyVault vault, Clock clock) {
        this.vault = Objects.requireNonNull(vault, "vault");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Checks the request and the CA, builds the leaf, has the vault sign it and verifies the result twice (in the
     * signer, and the finished certificate with the JDK).
     *
     * @throws CsrRejectedException for what is wrong with the request (permanent)
     * @throws CaCertificateException when the CA cannot issue now (an issuer problem)
     * @throws IllegalArgumentException when the algorithm does not fit the CA key (an issuer configuration problem)
     * @throws SignatureMismatchException when the vault's signature does not verify
     * @throws dev.azurekeyvaultissuer.keyvault.VaultException when the vault call fails
     */
    public IssuedCertificate issue(LeafRequest request, CertificateAuthority ca, VaultKey caKey,
            SignatureAlgorithm algorithm) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(ca, "ca");
        Objects.requireNonNull(caKey, "caKey");
        Objects.requireNonNull(algorithm, "algorithm");
        VaultContentSigner.requireFits(algorithm, caKey.publicKey());
        // X.509 times have whole seconds; starting from a whole second keeps notAfter - notBefore = duration.
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        ca.checkUsable(caKey.publicKey(), now);

        VerifiedCsr csr = VerifiedCsr.parse(request.csrPem());
        KeyUsages usages = KeyUsages.of(request.usages(), request.isCA());
        csr.requireAgreement(request.isCA(), usages);
        if (request.isCA() && ca.pathLengthConstraint() == 0) {
            throw new CsrRejectedException("the request asks for a CA certificate, but the issuing CA's"
                    + " pathLenConstraint is 0: it may only issue end-entity certificates");
        }
        Instant notAfter = notAfter(now, request, ca);

        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(ca.issuerName(), SerialNumbers.random(),
                Date.from(now), Date.from(notAfter), csr.subject(), csr.publicKeyInfo());
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(request.isCA()));
            if (usages.keyUsageBits() != 0) {
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(usages.keyUsageBits()));
            }
            if (!usages.extendedKeyUsages().isEmpty()) {
                builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                        usages.extendedKeyUsages().stream().map(KeyPurposeId::getInstance).toArray(KeyPurposeId[]::new)));
            }
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    new SubjectKeyIdentifier(PublicKeys.keyIdentifier(csr.publicKeyInfo())));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    new AuthorityKeyIdentifier(ca.subjectKeyIdentifier()));
            if (csr.subjectAltNames().isPresent()) {
                boolean subjectEmpty = csr.subject().getRDNs().length == 0;
                builder.addExtension(Extension.subjectAlternativeName, subjectEmpty, csr.subjectAltNames().get());
            }
        } catch (CertIOException e) {
            throw new IllegalStateException("encoding a certificate extension failed", e);
        }

        X509CertificateHolder signed = builder.build(new VaultContentSigner(vault, caKey, algorithm));
        X509Certificate leaf = toJdk(signed);
        try {
            leaf.verify(caKey.publicKey());
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new SignatureMismatchException("the signed certificate does not verify with the CA key "
                    + caKey.keyId() + "; nothing was issued", e);
        }
        return new IssuedCertificate(leaf, Pem.encode(leaf) + ca.chainPemAfterLeaf(), ca.rootPem());
    }

    private static Instant notAfter(Instant now, LeafRequest request, CertificateAuthority ca) {
        Duration duration = request.duration().orElse(DEFAULT_DURATION);
        if (duration.isNegative() || duration.isZero()) {
            throw new CsrRejectedException("the requested duration " + duration + " is not positive");
        }
        if (duration.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new CsrRejectedException("the requested duration " + duration + " is shorter than one second,"
                    + " the resolution of X.509 validity times");
        }
        Instant caNotAfter = ca.notAfter();
        // Compare durations rather than adding, so an absurd duration cannot overflow Instant.
        return duration.compareTo(Duration.between(now, caNotAfter)) >= 0 ? caNotAfter : now.plus(duration);
    }

    private static X509Certificate toJdk(X509CertificateHolder holder) {
        try {
            return Pem.certificate(holder.getEncoded());
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("the certificate just built does not parse", e);
        }
    }
}
