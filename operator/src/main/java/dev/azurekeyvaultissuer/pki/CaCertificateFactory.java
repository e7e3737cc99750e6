package dev.azurekeyvaultissuer.pki;

import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Objects;
import java.util.OptionalInt;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;

/**
 * CA certificates for a vault key, for the {@code create-ca-cert} command: a self-signed root, or a CSR for an
 * intermediate that another CA signs and that is then imported. Every signature is made by the vault and verified
 * locally.
 *
 * <p>Subjects are RFC 4514 strings ({@code CN=Internal CA,O=Contoso,C=US}), most specific first, encoded the way
 * OpenSSL and the JDK do (the last RDN of the string comes first in the certificate).
 */
public final class CaCertificateFactory {

    private final KeyVault vault;
    private final Clock clock;

    public CaCertificateFactory(KeyVault vault, Clock clock) {
        this.vault = Objects.requireNonNull(vault, "vault");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** {@link #selfSignedRoot(X500Name, Duration, OptionalInt, VaultKey, SignatureAlgorithm)} with an RFC 4514 name. */
    public X509Certificate selfSignedRoot(
            String subject, Duration validity, OptionalInt pathLength, VaultKey key, SignatureAlgorithm algorithm) {
        return selfSignedRoot(parseSubject(subject), validity, pathLength, key, algorithm);
    }

    /**
     * A self-signed root for the vault key: valid from now for {@code validity}; basicConstraints critical cA=true
     * with the optional pathLenConstraint; keyUsage critical keyCertSign and cRLSign; subjectKeyIdentifier from the
     * key and authorityKeyIdentifier equal to it; a random positive 128-bit serial.
     *
     * @throws IllegalArgumentException for an empty subject, a non-positive validity, a negative path length or an
     *     algorithm that does not fit the key
     */
    public X509Certificate selfSignedRoot(
            X500Name subject, Duration validity, OptionalInt pathLength, VaultKey key, SignatureAlgorithm algorithm) {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(validity, "validity");
        Objects.requireNonNull(pathLength, "pathLength");
        Objects.requireNonNull(key, "key");
        VaultContentSigner.requireFits(algorithm, key.publicKey());
        if (subject.getRDNs().length == 0) {
            throw new IllegalArgumentException("a CA certificate needs a non-empty subject (RFC 5280 section 4.1.2.6)");
        }
        if (validity.isNegative() || validity.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("the CA validity must be at least one second, got " + validity);
        }
        if (pathLength.isPresent() && pathLength.getAsInt() < 0) {
            throw new IllegalArgumentException("the path length must be 0 or more, got " + pathLength.getAsInt());
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        SubjectPublicKeyInfo spki =
                SubjectPublicKeyInfo.getInstance(key.publicKey().getEncoded());
        byte[] keyId = PublicKeys.keyIdentifier(spki);
        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(
                subject, SerialNumbers.random(), Date.from(now), Date.from(now.plus(validity)), subject, spki);
        try {
            builder.addExtension(
                    Extension.basicConstraints,
                    true,
                    pathLength.isPresent() ? new BasicConstraints(pathLength.getAsInt()) : new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId));
            builder.addExtension(Extension.authorityKeyIdentifier, false, new AuthorityKeyIdentifier(keyId));
        } catch (CertIOException e) {
            throw new IllegalStateException("encoding a certificate extension failed", e);
        }
        X509Certificate root;
        try {
            root = Pem.certificate(
                    builder.build(new VaultContentSigner(vault, key, algorithm)).getEncoded());
        } catch (IOException e) {
            throw new IllegalStateException("the certificate just built does not encode", e);
        }
        try {
            root.verify(key.publicKey());
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new SignatureMismatchException(
                    "the self-signed root does not verify with the vault key " + key.keyId(), e);
        }
        return root;
    }

    /**
     * A CSR for an intermediate CA whose key is the vault key, signed by the vault, requesting basicConstraints
     * critical cA=true and keyUsage critical keyCertSign and cRLSign. The parent CA decides the path length.
     *
     * @throws IllegalArgumentException for an empty or malformed subject or an algorithm that does not fit the key
     */
    public PKCS10CertificationRequest intermediateCsr(String subject, VaultKey key, SignatureAlgorithm algorithm) {
        X500Name name = parseSubject(subject);
        Objects.requireNonNull(key, "key");
        VaultContentSigner.requireFits(algorithm, key.publicKey());
        if (name.getRDNs().length == 0) {
            throw new IllegalArgumentException("a CA certificate needs a non-empty subject (RFC 5280 section 4.1.2.6)");
        }
        SubjectPublicKeyInfo spki =
                SubjectPublicKeyInfo.getInstance(key.publicKey().getEncoded());
        ExtensionsGenerator extensions = new ExtensionsGenerator();
        try {
            extensions.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            extensions.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } catch (IOException e) {
            throw new IllegalStateException("encoding a CSR extension failed", e);
        }
        PKCS10CertificationRequest csr = new PKCS10CertificationRequestBuilder(name, spki)
                .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
                .build(new VaultContentSigner(vault, key, algorithm));
        // The signer verified the vault's signature already; parsing back checks the whole CSR as a CA would.
        try {
            VerifiedCsr.fromDer(csr.getEncoded());
        } catch (IOException | CsrRejectedException e) {
            throw new IllegalStateException("the intermediate CSR just built does not verify", e);
        }
        return csr;
    }

    /**
     * Imports the certificate a parent CA issued for the vault key, with the chain above it: checks that the
     * certificates form one chain ending in a self-signed root, that the bottom certificate is a CA valid now and
     * that its public key is the vault key.
     *
     * @throws CaCertificateException when any of that does not hold
     */
    public CertificateAuthority importSigned(String chainPem, VaultKey key, Instant now) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(now, "now");
        CertificateAuthority ca = CertificateAuthority.fromPem(chainPem);
        if (!ca.hasRoot()) {
            throw new CaCertificateException(
                    CaCertificateException.CHAIN_INVALID,
                    "the chain ends at "
                            + CertificateAuthority.name(ca.root()) + ", which is not a self-signed root: append the"
                            + " certificates up to and including the root");
        }
        ca.checkUsable(key.publicKey(), now);
        return ca;
    }

    /** Parses an RFC 4514 name like the JDK and OpenSSL, keeping the encoding byte for byte. */
    static X500Name parseSubject(String subject) {
        if (subject == null || subject.isBlank()) {
            throw new IllegalArgumentException("a CA certificate needs a non-empty subject such as \"CN=Internal CA\"");
        }
        try {
            X500Name name = X500Name.getInstance(new X500Principal(subject).getEncoded());
            name.getEncoded(ASN1Encoding.DER);
            return name;
        } catch (IllegalArgumentException | IOException e) {
            throw new IllegalArgumentException(
                    "subject \"" + subject + "\" is not an RFC 4514 distinguished name"
                            + " such as \"CN=Internal CA,O=Contoso\"",
                    e);
        }
    }
}
