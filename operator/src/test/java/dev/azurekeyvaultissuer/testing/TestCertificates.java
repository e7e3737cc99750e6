package dev.azurekeyvaultissuer.testing;

import dev.azurekeyvaultissuer.pki.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.bc.BcX509ExtensionUtils;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * CA certificates made with local private keys, for tests that need a chain (roots, intermediates) or a broken one
 * (not a CA, expired, without keyCertSign, without SKI). By default: a CA, basicConstraints critical cA=true,
 * keyUsage keyCertSign and cRLSign, SKI and AKI, valid for ten years from {@link #EPOCH}.
 */
public final class TestCertificates {

    /** The instant the fixed test clocks start at; certificates are valid around it by default. */
    public static final Instant EPOCH = Instant.parse("2025-06-01T12:00:00Z");

    private static final AtomicLong SERIALS = new AtomicLong(1000);

    private TestCertificates() {}

    public static Builder builder(String subject, PublicKey publicKey) {
        return new Builder(subject, publicKey);
    }

    /** A self-signed root CA for that key pair. */
    public static X509Certificate root(String subject, java.security.KeyPair keyPair) {
        return builder(subject, keyPair.getPublic())
                .selfSigned(keyPair.getPrivate())
                .build();
    }

    public static final class Builder {
        private final X500Name subject;
        private final PublicKey publicKey;
        private X500Name issuer;
        private PrivateKey issuerKey;
        private PublicKey issuerPublicKey;
        private boolean ca = true;
        private Integer pathLength;
        private Integer keyUsage = KeyUsage.keyCertSign | KeyUsage.cRLSign;
        private boolean subjectKeyIdentifier = true;
        private Instant notBefore = EPOCH.minus(Duration.ofDays(30));
        private Instant notAfter = EPOCH.plus(Duration.ofDays(3650));
        private String signatureAlgorithm;
        private final List<Extension> extraExtensions = new ArrayList<>();

        private Builder(String subject, PublicKey publicKey) {
            this.subject = name(subject);
            this.publicKey = publicKey;
        }

        public Builder selfSigned(PrivateKey privateKey) {
            this.issuer = subject;
            this.issuerKey = privateKey;
            this.issuerPublicKey = publicKey;
            return this;
        }

        public Builder issuedBy(X509Certificate issuerCertificate, PrivateKey issuerPrivateKey) {
            this.issuer = X500Name.getInstance(
                    issuerCertificate.getSubjectX500Principal().getEncoded());
            this.issuerKey = issuerPrivateKey;
            this.issuerPublicKey = issuerCertificate.getPublicKey();
            return this;
        }

        /** Whether basicConstraints says cA=true; false leaves basicConstraints out entirely. */
        public Builder ca(boolean isCa) {
            this.ca = isCa;
            return this;
        }

        public Builder pathLength(int length) {
            this.pathLength = length;
            return this;
        }

        /** keyUsage bits; null leaves the extension out. */
        public Builder keyUsage(Integer bits) {
            this.keyUsage = bits;
            return this;
        }

        public Builder withoutSubjectKeyIdentifier() {
            this.subjectKeyIdentifier = false;
            return this;
        }

        public Builder validity(Instant from, Instant to) {
            this.notBefore = from;
            this.notAfter = to;
            return this;
        }

        /** Any further extension, e.g. nameConstraints or extendedKeyUsage. */
        public Builder extension(ASN1ObjectIdentifier oid, boolean critical, ASN1Encodable value) {
            try {
                extraExtensions.add(
                        new Extension(oid, critical, value.toASN1Primitive().getEncoded()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        public Builder signatureAlgorithm(String jcaName) {
            this.signatureAlgorithm = jcaName;
            return this;
        }

        public X509Certificate build() {
            if (issuerKey == null) {
                throw new IllegalStateException("call selfSigned or issuedBy first");
            }
            try {
                SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(publicKey.getEncoded());
                X509v3CertificateBuilder builder = new X509v3CertificateBuilder(
                        issuer,
                        BigInteger.valueOf(SERIALS.incrementAndGet()),
                        Date.from(notBefore),
                        Date.from(notAfter),
                        subject,
                        spki);
                BcX509ExtensionUtils utils = new BcX509ExtensionUtils();
                if (ca) {
                    builder.addExtension(
                            Extension.basicConstraints,
                            true,
                            pathLength == null ? new BasicConstraints(true) : new BasicConstraints(pathLength));
                }
                if (keyUsage != null) {
                    builder.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
                }
                if (subjectKeyIdentifier) {
                    SubjectKeyIdentifier ski = utils.createSubjectKeyIdentifier(spki);
                    builder.addExtension(Extension.subjectKeyIdentifier, false, ski);
                }
                AuthorityKeyIdentifier aki = utils.createAuthorityKeyIdentifier(
                        SubjectPublicKeyInfo.getInstance(issuerPublicKey.getEncoded()));
                builder.addExtension(
                        Extension.authorityKeyIdentifier, false, new AuthorityKeyIdentifier(aki.getKeyIdentifier()));
                for (Extension extension : extraExtensions) {
                    builder.addExtension(extension);
                }
                String algorithm = signatureAlgorithm != null
                        ? signatureAlgorithm
                        : issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
                return Pem.certificate(builder.build(new JcaContentSignerBuilder(algorithm)
                                .setProvider(TestKeyPairs.bouncyCastle())
                                .build(issuerKey))
                        .getEncoded());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (OperatorCreationException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static X500Name name(String rfc4514) {
        return X500Name.getInstance(new X500Principal(rfc4514).getEncoded());
    }
}
