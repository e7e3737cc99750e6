package dev.azurekeyvaultissuer.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.LocalKeyVault;
import dev.azurekeyvaultissuer.testing.TestCertificates;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CaCertificateFactoryTest {

    private final LocalKeyVault vault = new LocalKeyVault(LocalKeyVault.DEFAULT_URL, PkiFixtures.CLOCK);
    private final CaCertificateFactory factory = new CaCertificateFactory(vault, PkiFixtures.CLOCK);

    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource({"RSA-2048, PS256", "RSA-3072, RS384", "P-256, ES256", "P-521, ES512"})
    void selfSignedRootHasTheCaProfileAndIssuesValidLeaves(String keyKind, SignatureAlgorithm algorithm)
            throws Exception {
        VaultKey key = vault.importKey("ca", PkiFixtures.keyPair(keyKind));

        X509Certificate root = factory.selfSignedRoot(
                "CN=Internal CA,O=Contoso,C=US", Duration.ofDays(3650), OptionalInt.of(1), key, algorithm);

        assertEquals(1, vault.signCalls());
        root.verify(key.publicKey());
        assertEquals(root.getSubjectX500Principal(), root.getIssuerX500Principal());
        assertEquals(
                "C=US,O=Contoso,CN=Internal CA",
                X500Name.getInstance(root.getSubjectX500Principal().getEncoded())
                        .toString(),
                "RFC 4514 order: the string's last RDN comes first in the encoding");
        assertEquals(PkiFixtures.NOW, root.getNotBefore().toInstant());
        assertEquals(
                PkiFixtures.NOW.plus(Duration.ofDays(3650)), root.getNotAfter().toInstant());
        assertEquals(1, root.getBasicConstraints());
        assertTrue(root.getCriticalExtensionOIDs().containsAll(List.of("2.5.29.19", "2.5.29.15")));
        boolean[] keyUsage = root.getKeyUsage();
        assertTrue(keyUsage[5] && keyUsage[6], "keyCertSign and cRLSign");
        assertEquals(2, countTrue(keyUsage));
        byte[] ski = SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(root.getExtensionValue("2.5.29.14"))
                        .getOctets())
                .getKeyIdentifier();
        byte[] aki = AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(root.getExtensionValue("2.5.29.35"))
                        .getOctets())
                .getKeyIdentifier();
        assertArrayEquals(ski, aki);
        assertEquals(1, root.getSerialNumber().signum());
        assertTrue(root.getSerialNumber().bitLength() <= 128);

        CertificateAuthority ca = CertificateAuthority.of(List.of(root));
        ca.checkUsable(key.publicKey(), PkiFixtures.NOW);
        IssuedCertificate issued = new LeafCertificateIssuer(vault, PkiFixtures.CLOCK)
                .issue(
                        PkiFixtures.request(CsrBuilder.forKey(TestKeyPairs.ec("P-256"))
                                .subject("CN=leaf")
                                .pem()),
                        ca,
                        key,
                        algorithm);
        PkiFixtures.validate(issued);
    }

    @Test
    void withoutPathLengthTheRootIsUnconstrained() {
        VaultKey key = vault.createEcKey("ca", "P-384");

        X509Certificate root = factory.selfSignedRoot(
                new X500Name("CN=Unconstrained"),
                Duration.ofDays(1),
                OptionalInt.empty(),
                key,
                SignatureAlgorithm.ES384);

        assertEquals(Integer.MAX_VALUE, root.getBasicConstraints());
    }

    @Test
    void refusesBadParameters() {
        VaultKey key = vault.createEcKey("ca", "P-256");
        Duration year = Duration.ofDays(365);
        OptionalInt none = OptionalInt.empty();
        assertThrows(
                IllegalArgumentException.class,
                () -> factory.selfSignedRoot("", year, none, key, SignatureAlgorithm.ES256));
        assertThrows(
                IllegalArgumentException.class,
                () -> factory.selfSignedRoot("this is not a DN", year, none, key, SignatureAlgorithm.ES256));
        assertThrows(
                IllegalArgumentException.class,
                () -> factory.selfSignedRoot("CN=x", Duration.ZERO, none, key, SignatureAlgorithm.ES256));
        assertThrows(
                IllegalArgumentException.class,
                () -> factory.selfSignedRoot("CN=x", year, OptionalInt.of(-1), key, SignatureAlgorithm.ES256));
        assertThrows(
                IllegalArgumentException.class,
                () -> factory.selfSignedRoot("CN=x", year, none, key, SignatureAlgorithm.PS256));
        assertThrows(
                IllegalArgumentException.class, () -> factory.intermediateCsr("CN=x", key, SignatureAlgorithm.ES384));
        assertEquals(0, vault.signCalls());
    }

    @Test
    void intermediateCsrIsSignedByTheVaultAndRequestsCaExtensions() throws Exception {
        VaultKey key = vault.createRsaKey("intermediate", 3072);

        PKCS10CertificationRequest csr =
                factory.intermediateCsr("CN=Vault Intermediate,O=Contoso", key, SignatureAlgorithm.PS384);

        assertEquals(1, vault.signCalls());
        VerifiedCsr verified = VerifiedCsr.fromDer(csr.getEncoded());
        assertArrayEquals(key.publicKey().getEncoded(), verified.publicKey().getEncoded());
        Extensions extensions = csr.getRequestedExtensions();
        assertTrue(BasicConstraints.fromExtensions(extensions).isCA());
        assertTrue(extensions.getExtension(Extension.basicConstraints).isCritical());
        assertTrue(KeyUsage.fromExtensions(extensions).hasUsages(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        verified.requireAgreement(true, KeyUsages.of(List.of("cert sign", "crl sign"), true));
    }

    @Test
    void importSignedAcceptsTheParentsCertificateForTheVaultKey() throws Exception {
        VaultKey key = vault.createEcKey("intermediate", "P-384");
        PKCS10CertificationRequest csr =
                factory.intermediateCsr("CN=Vault Intermediate", key, SignatureAlgorithm.ES384);
        KeyPair rootKey = TestKeyPairs.fresh("RSA-2048");
        X509Certificate root = TestCertificates.root("CN=Corporate Root", rootKey);
        X509Certificate signed = signByParent(csr, root, rootKey);

        CertificateAuthority ca = factory.importSigned(Pem.encode(List.of(signed, root)), key, PkiFixtures.NOW);

        assertEquals(signed, ca.certificate());
        assertEquals(root, ca.root());
        IssuedCertificate issued = new LeafCertificateIssuer(vault, PkiFixtures.CLOCK)
                .issue(
                        new LeafRequest(
                                CsrBuilder.forKey(TestKeyPairs.ed25519())
                                        .dns("svc.example")
                                        .pem(),
                                Optional.empty(),
                                false,
                                List.of("server auth")),
                        ca,
                        key,
                        SignatureAlgorithm.ES384);
        PkiFixtures.validate(issued);
    }

    @Test
    void importSignedRefusesACertificateForAnotherKey() throws Exception {
        VaultKey key = vault.createEcKey("intermediate", "P-256");
        VaultKey otherKey = vault.importKey("other", TestKeyPairs.fresh("P-256"));
        PKCS10CertificationRequest otherCsr = factory.intermediateCsr("CN=Other", otherKey, SignatureAlgorithm.ES256);
        KeyPair rootKey = TestKeyPairs.fresh("P-256");
        X509Certificate root = TestCertificates.root("CN=Corporate Root", rootKey);
        String chain = Pem.encode(List.of(signByParent(otherCsr, root, rootKey), root));

        CaCertificateException e =
                assertThrows(CaCertificateException.class, () -> factory.importSigned(chain, key, PkiFixtures.NOW));
        assertEquals(CaCertificateException.KEY_MISMATCH, e.reason());
    }

    @Test
    void importSignedRequiresTheChainUpToASelfSignedRoot() throws Exception {
        VaultKey key = vault.createEcKey("intermediate", "P-256");
        PKCS10CertificationRequest csr =
                factory.intermediateCsr("CN=Vault Intermediate", key, SignatureAlgorithm.ES256);
        KeyPair rootKey = TestKeyPairs.fresh("P-256");
        X509Certificate root = TestCertificates.root("CN=Corporate Root", rootKey);
        X509Certificate signed = signByParent(csr, root, rootKey);

        CaCertificateException e = assertThrows(
                CaCertificateException.class, () -> factory.importSigned(Pem.encode(signed), key, PkiFixtures.NOW));
        assertEquals(CaCertificateException.CHAIN_INVALID, e.reason());
        assertEquals(
                CaCertificateException.INVALID,
                assertThrows(CaCertificateException.class, () -> factory.importSigned("nope", key, PkiFixtures.NOW))
                        .reason());
    }

    @Test
    void importSignedRefusesANonCaCertificate() throws Exception {
        VaultKey key = vault.createEcKey("intermediate", "P-256");
        KeyPair rootKey = TestKeyPairs.fresh("P-256");
        X509Certificate root = TestCertificates.root("CN=Corporate Root", rootKey);
        X509Certificate endEntity = TestCertificates.builder("CN=Not a CA", key.publicKey())
                .issuedBy(root, rootKey.getPrivate())
                .ca(false)
                .keyUsage(KeyUsage.digitalSignature)
                .build();

        CaCertificateException e = assertThrows(
                CaCertificateException.class,
                () -> factory.importSigned(Pem.encode(List.of(endEntity, root)), key, PkiFixtures.NOW));
        assertEquals(CaCertificateException.NOT_CA, e.reason());
    }

    /** What the parent CA does with the CSR: certify its key as a CA. */
    private static X509Certificate signByParent(
            PKCS10CertificationRequest csr, X509Certificate parent, KeyPair parentKey) throws Exception {
        VerifiedCsr verified = VerifiedCsr.fromDer(csr.getEncoded());
        return TestCertificates.builder(X500Name.getInstance(csr.getSubject()).toString(), verified.publicKey())
                .issuedBy(parent, parentKey.getPrivate())
                .pathLength(0)
                .build();
    }

    private static int countTrue(boolean[] bits) {
        int count = 0;
        for (boolean bit : bits) {
            count += bit ? 1 : 0;
        }
        assertNotNull(bits);
        return count;
    }
}
