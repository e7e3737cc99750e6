package dev.azurekeyvaultissuer.pki;

import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.testing.LocalKeyVault;
import dev.azurekeyvaultissuer.testing.TestCertificates;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import java.security.KeyPair;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXCertPathValidatorResult;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/** Shared setup for pki tests: a fixed clock, CAs whose key lives in a {@link LocalKeyVault}, PKIX validation. */
final class PkiFixtures {

    static final Instant NOW = TestCertificates.EPOCH;
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private PkiFixtures() {}

    /** A CA whose private key is in {@code vault} as {@code key}, with its chain. */
    record TestCa(
            LocalKeyVault vault,
            VaultKey key,
            KeyPair keyPair,
            CertificateAuthority authority,
            SignatureAlgorithm algorithm) {

        LeafCertificateIssuer issuer() {
            return new LeafCertificateIssuer(vault, CLOCK);
        }

        IssuedCertificate issue(LeafRequest request) {
            return issuer().issue(request, authority, key, algorithm);
        }

        IssuedCertificate issue(LeafRequest request, IssuancePolicy policy) {
            return issuer().issue(request, authority, key, algorithm, policy);
        }

        IssuedCertificate issue(String csrPem) {
            return issue(request(csrPem));
        }
    }

    /** A self-signed root CA for a {@link TestKeyPairs} key kind ({@code RSA-2048}, {@code P-256}...). */
    static TestCa rootCa(String keyKind) {
        KeyPair pair = keyPair(keyKind);
        LocalKeyVault vault = new LocalKeyVault(LocalKeyVault.DEFAULT_URL, CLOCK);
        VaultKey key = vault.importKey("root-ca", pair);
        X509Certificate root = TestCertificates.root("CN=Test Root CA,O=Azure Key Vault Issuer", pair);
        return new TestCa(
                vault,
                key,
                pair,
                CertificateAuthority.of(List.of(root)),
                SignatureAlgorithm.defaultFor(pair.getPublic()));
    }

    /** An intermediate CA in the vault, signed by a local root: chain = intermediate, root. */
    static TestCa intermediateCa(String keyKind, String rootKeyKind) {
        KeyPair rootPair = TestKeyPairs.fresh(rootKeyKind);
        X509Certificate root = TestCertificates.root("CN=Offline Root,O=Azure Key Vault Issuer", rootPair);
        KeyPair pair = keyPair(keyKind);
        X509Certificate intermediate = TestCertificates.builder(
                        "CN=Vault Intermediate,O=Azure Key Vault Issuer", pair.getPublic())
                .issuedBy(root, rootPair.getPrivate())
                .pathLength(0)
                .build();
        LocalKeyVault vault = new LocalKeyVault(LocalKeyVault.DEFAULT_URL, CLOCK);
        VaultKey key = vault.importKey("intermediate-ca", pair);
        return new TestCa(
                vault,
                key,
                pair,
                CertificateAuthority.fromPem(Pem.encode(intermediate) + Pem.encode(root)),
                SignatureAlgorithm.defaultFor(pair.getPublic()));
    }

    /**
     * An intermediate CA in the vault under a local root, each certificate shaped by the caller (name constraints,
     * pathLen, extendedKeyUsage): chain = "CN=Vault Intermediate", "CN=Offline Root".
     */
    static TestCa constrainedChain(
            UnaryOperator<TestCertificates.Builder> root, UnaryOperator<TestCertificates.Builder> intermediate) {
        KeyPair rootPair = TestKeyPairs.fresh("P-256");
        X509Certificate rootCertificate = root.apply(TestCertificates.builder("CN=Offline Root", rootPair.getPublic())
                        .selfSigned(rootPair.getPrivate()))
                .build();
        KeyPair pair = TestKeyPairs.fresh("P-256");
        X509Certificate intermediateCertificate = intermediate
                .apply(TestCertificates.builder("CN=Vault Intermediate", pair.getPublic())
                        .issuedBy(rootCertificate, rootPair.getPrivate()))
                .build();
        LocalKeyVault vault = new LocalKeyVault(LocalKeyVault.DEFAULT_URL, CLOCK);
        VaultKey key = vault.importKey("intermediate-ca", pair);
        return new TestCa(
                vault,
                key,
                pair,
                CertificateAuthority.of(List.of(intermediateCertificate, rootCertificate)),
                SignatureAlgorithm.defaultFor(pair.getPublic()));
    }

    static KeyPair keyPair(String kind) {
        if (kind.startsWith("RSA-")) {
            return TestKeyPairs.rsa(Integer.parseInt(kind.substring(4)));
        }
        if (kind.equals("Ed25519")) {
            return TestKeyPairs.ed25519();
        }
        return TestKeyPairs.ec(kind);
    }

    static LeafRequest request(String csrPem) {
        return new LeafRequest(csrPem, Optional.empty(), false, List.of());
    }

    /**
     * Validates what the issuer put into the status with the JDK's PKIX validator: the path is
     * {@code certificatePem} (leaf then intermediates), the trust anchor {@code caPem}.
     */
    static PKIXCertPathValidatorResult validate(IssuedCertificate issued) throws Exception {
        List<X509Certificate> path = Pem.decodeCertificates(issued.certificatePem(), 1 << 20);
        X509Certificate anchor = Pem.decodeCertificates(issued.caPem(), 1 << 20).get(0);
        CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
        parameters.setRevocationEnabled(false);
        parameters.setDate(Date.from(NOW.plusSeconds(60)));
        return (PKIXCertPathValidatorResult)
                CertPathValidator.getInstance("PKIX").validate(certPath, parameters);
    }
}
