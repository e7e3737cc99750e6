package dev.azurekeyvaultissuer.pki;

import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;

/**
 * Builds and signs leaf certificates with cert-manager's semantics, one vault call each.
 *
 * <p>The profile: subject and subjectAltNames (DNS, IP, URI, email, otherName) from the CSR (the SAN extension
 * critical when the subject is empty, RFC 5280 section 4.2.1.6); validity from now, no backdating (cert-manager's
 * CA issuer does not backdate either), for {@code duration} (default 90 days) but never past
 * {@link CertificateAuthority#notAfter()}; basicConstraints critical with cA={@code isCA}, for a CA with the
 * pathLenConstraint the CSR requests or else the largest the policy and the chain allow; for a CA the CSR's
 * nameConstraints, critical; keyUsage critical and extendedKeyUsage from {@code usages};
 * subjectKeyIdentifier from the leaf key (RFC 5280 method 1), authorityKeyIdentifier = the CA's SKI; the issuer name
 * copied from the CA certificate byte for byte; a random positive 128-bit serial; the issuer's
 * {@link AuthorityUrls} as CRL distribution points and authorityInfoAccess, when it has any.
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
    public IssuedCertificate issue(
            LeafRequest request, CertificateAuthority ca, VaultKey caKey, SignatureAlgorithm algorithm) {
        return issue(request, ca, caKey, algorithm, IssuancePolicy.NONE);
    }

    /**
     * As {@link #issue(LeafRequest, CertificateAuthority, VaultKey, SignatureAlgorithm)}, and the request must meet
     * the issuer's policy first.
     *
     * @throws PolicyViolationException naming the policy field the request breaks (permanent)
     * @throws ChainConstraintException naming the constraint of the CA chain the certificate would break
     *     (permanent)
     */
    public IssuedCertificate issue(
            LeafRequest request,
            CertificateAuthority ca,
            VaultKey caKey,
            SignatureAlgorithm algorithm,
            IssuancePolicy policy) {
        return issue(request, ca, caKey, algorithm, policy, AuthorityUrls.NONE);
    }

    /**
     * As {@link #issue(LeafRequest, CertificateAuthority, VaultKey, SignatureAlgorithm, IssuancePolicy)}, and the
     * certificate names the issuer's CRL distribution points, OCSP servers and CA certificate URLs.
     */
    public IssuedCertificate issue(
            LeafRequest request,
            CertificateAuthority ca,
            VaultKey caKey,
            SignatureAlgorithm algorithm,
            IssuancePolicy policy,
            AuthorityUrls urls) {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(urls, "urls");
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
        Duration duration = duration(request);
        policy.check(csr, request, duration);
        List<GeneralName> names =
                csr.subjectAltNames().map(n -> List.of(n.getNames())).orElse(List.of());
        ChainConstraints.checkNames(ca, csr.subject(), names, request.isCA());
        ChainConstraints.checkExtendedKeyUsages(ca, usages.extendedKeyUsages());
        Optional<Integer> chainLimit = ChainConstraints.pathLengthLimit(ca, request.isCA());
        Optional<Integer> pathLength = request.isCA()
                ? pathLength(csr.requestedPathLength(), chainLimit, policy.pathLengthLimit())
                : Optional.empty();
        Instant notAfter = notAfter(now, duration, ca);

        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(
                ca.issuerName(),
                SerialNumbers.random(),
                Date.from(now),
                Date.from(notAfter),
                csr.subject(),
                csr.publicKeyInfo());
        try {
            builder.addExtension(
                    Extension.basicConstraints,
                    true,
                    pathLength.isPresent()
                            ? new BasicConstraints(pathLength.get())
                            : new BasicConstraints(request.isCA()));
            if (request.isCA() && csr.nameConstraints().isPresent()) {
                builder.addExtension(
                        Extension.nameConstraints, true, csr.nameConstraints().get());
            }
            if (usages.keyUsageBits() != 0) {
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(usages.keyUsageBits()));
            }
            if (!usages.extendedKeyUsages().isEmpty()) {
                builder.addExtension(
                        Extension.extendedKeyUsage,
                        false,
                        new ExtendedKeyUsage(usages.extendedKeyUsages().stream()
                                .map(KeyPurposeId::getInstance)
                                .toArray(KeyPurposeId[]::new)));
            }
            builder.addExtension(
                    Extension.subjectKeyIdentifier,
                    false,
                    new SubjectKeyIdentifier(PublicKeys.keyIdentifier(csr.publicKeyInfo())));
            builder.addExtension(
                    Extension.authorityKeyIdentifier, false, new AuthorityKeyIdentifier(ca.subjectKeyIdentifier()));
            if (csr.subjectAltNames().isPresent()) {
                boolean subjectEmpty = csr.subject().getRDNs().length == 0;
                builder.addExtension(
                        Extension.subjectAlternativeName,
                        subjectEmpty,
                        csr.subjectAltNames().get());
            }
            urls.addTo(builder);
        } catch (CertIOException e) {
            throw new IllegalStateException("encoding a certificate extension failed", e);
        }

        // VaultContentSigner verifies the vault's signature over exactly the TBSCertificate bytes the certificate
        // carries, with the CA key, before it is used (SignatureMismatchException): verifying the built certificate
        // again would repeat the same check, the largest CPU cost of an issuance.
        X509CertificateHolder signed = builder.build(new VaultContentSigner(vault, caKey, algorithm));
        X509Certificate leaf = toJdk(signed);
        return new IssuedCertificate(leaf, Pem.encode(leaf) + ca.chainPemAfterLeaf(), ca.rootPem());
    }

    /**
     * The pathLenConstraint of a new CA: the one the CSR requests, when the chain and the policy allow it; else the
     * largest both allow; none only when neither limits it.
     */
    private static Optional<Integer> pathLength(
            Optional<Integer> requested, Optional<Integer> chainLimit, Optional<Integer> policyLimit) {
        if (requested.isPresent()) {
            int asked = requested.get();
            if (chainLimit.isPresent() && asked > chainLimit.get()) {
                throw new ChainConstraintException("the CSR requests pathLenConstraint " + asked + ", but the CA"
                        + " chain allows at most " + chainLimit.get() + " below the issuing CA (its"
                        + " pathLenConstraint less one, and the same for every CA above it)");
            }
            if (policyLimit.isPresent() && asked > policyLimit.get()) {
                throw new PolicyViolationException("the CSR requests pathLenConstraint " + asked + ", but the"
                        + " issuer's policy.maxPathLen allows at most " + policyLimit.get());
            }
            return requested;
        }
        if (chainLimit.isEmpty()) {
            return policyLimit;
        }
        return Optional.of(policyLimit.map(p -> Math.min(p, chainLimit.get())).orElse(chainLimit.get()));
    }

    private static Duration duration(LeafRequest request) {
        Duration duration = request.duration().orElse(DEFAULT_DURATION);
        if (duration.isNegative() || duration.isZero()) {
            throw new CsrRejectedException("the requested duration " + duration + " is not positive");
        }
        if (duration.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new CsrRejectedException("the requested duration " + duration + " is shorter than one second,"
                    + " the resolution of X.509 validity times");
        }
        return duration;
    }

    private static Instant notAfter(Instant now, Duration duration, CertificateAuthority ca) {
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
