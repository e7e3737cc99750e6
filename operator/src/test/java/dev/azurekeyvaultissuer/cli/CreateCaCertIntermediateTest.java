package dev.azurekeyvaultissuer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.emulator.ClientConfig;
import dev.azurekeyvaultissuer.emulator.KeyType;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulatorExtension;
import dev.azurekeyvaultissuer.pki.Pem;
import dev.azurekeyvaultissuer.testing.TestCertificates;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Intermediate CAs: a CSR signed by the vault key, signed by an offline root (a local key here), imported with its
 * chain; imports that must be refused.
 */
class CreateCaCertIntermediateTest {

    private static final String VAULT = "ca";
    static final KeyPair OFFLINE_ROOT_KEY = TestKeyPairs.rsa(3072);
    static final X509Certificate OFFLINE_ROOT = TestCertificates.builder(
                    "CN=Offline Root,O=Test", OFFLINE_ROOT_KEY.getPublic())
            .selfSigned(OFFLINE_ROOT_KEY.getPrivate())
            .validity(Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(3650)))
            .build();

    @RegisterExtension
    static final KeyVaultEmulatorExtension KV = new KeyVaultEmulatorExtension(b -> b.vault(VAULT)
            .client(ClientConfig.withSecret(CreateCaCertHarness.ADMIN, CreateCaCertHarness.ADMIN_SECRET)));

    private final CreateCaCertHarness harness = new CreateCaCertHarness(KV.emulator());

    @Test
    void csrThenImportOfTheSignedChain(@TempDir Path dir) throws Exception {
        Path csrFile = dir.resolve("issuing.csr");
        CreateCaCertHarness.Run csrRun = harness.run(
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "issuing",
                "--create-key",
                "--key-type",
                "rsa-3072",
                "--subject",
                "CN=Issuing CA 1,O=Test",
                "--intermediate-csr",
                csrFile.toString());
        assertEquals(0, csrRun.exit(), csrRun::toString);
        assertTrue(csrRun.err().contains("--import-signed"), csrRun::toString);
        assertTrue(
                csrRun.err().contains("the CSR requests no pathLenConstraint: the parent CA sets it"),
                csrRun::toString);
        assertFalse(
                harness.secrets(VAULT).listPropertiesOfSecrets().stream()
                        .anyMatch(s -> s.getName().equals("issuing")),
                "a CSR stores nothing in the vault");

        // The CSR: signed by the vault key, asking to be a CA that signs certificates and CRLs.
        PKCS10CertificationRequest csr = csr(Files.readString(csrFile));
        PublicKey csrKey = new JcaPEMKeyConverter().getPublicKey(csr.getSubjectPublicKeyInfo());
        assertEquals(KV.emulator().publicKey(VAULT, "issuing"), csrKey);
        assertTrue(new JcaPKCS10CertificationRequest(csr)
                .isSignatureValid(
                        new org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder().build(csrKey)));
        Extensions requested =
                Extensions.getInstance(csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)[0]
                        .getAttrValues()
                        .getObjectAt(0));
        assertTrue(org.bouncycastle.asn1.x509.BasicConstraints.fromExtensions(requested)
                .isCA());
        assertEquals(new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign), KeyUsage.fromExtensions(requested));
        assertTrue(requested.getExtension(Extension.basicConstraints).isCritical());

        // The offline root signs it; the import checks and publishes the chain.
        X509Certificate intermediate = signByOfflineRoot("CN=Issuing CA 1,O=Test", csrKey);
        Path signed = dir.resolve("signed.pem");
        Files.writeString(signed, Pem.encode(List.of(OFFLINE_ROOT, intermediate))); // any order is fine
        Path out = dir.resolve("chain.pem");
        CreateCaCertHarness.Run importRun = harness.run(
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "issuing",
                "--import-signed",
                signed.toString(),
                "--out",
                out.toString());
        assertEquals(0, importRun.exit(), importRun::toString);
        assertTrue(
                importRun
                        .err()
                        .contains("the parent set pathLenConstraint 0 (at most 0 intermediate CAs below" + " it)"),
                importRun::toString);
        List<X509Certificate> chain = CreateCaCertHarness.certificates(Files.readString(out));
        assertEquals(List.of(intermediate, OFFLINE_ROOT), chain, "CA first, then up to the root");
        assertEquals(
                chain,
                CreateCaCertHarness.certificates(
                        harness.secrets(VAULT).getSecret("issuing").getValue()));

        // The operator issues under the intermediate; the leaf verifies up to the offline root.
        var issued = harness.issueLeafThrough(importRun.out(), OFFLINE_ROOT);
        assertEquals(
                2, CreateCaCertHarness.certificates(issued.certificatePem()).size(), "leaf + intermediate");
    }

    @Test
    void importRefusesACertificateForAnotherKey(@TempDir Path dir) throws Exception {
        KV.emulator().createKey(VAULT, "mismatch", KeyType.EC_P256);
        X509Certificate other =
                signByOfflineRoot("CN=Someone Else", TestKeyPairs.ec("P-256").getPublic());
        Path signed = dir.resolve("signed.pem");
        Files.writeString(signed, Pem.encode(List.of(other, OFFLINE_ROOT)));
        KV.emulator().resetCalls(VAULT);
        CreateCaCertHarness.Run run = harness.run(
                "--vault-url", harness.vaultUrl(VAULT), "--key-name", "mismatch", "--import-signed", signed.toString());
        assertEquals(CreateCaCertCommand.EXIT_VERIFICATION, run.exit(), run::toString);
        assertTrue(run.err().contains("CACertificateKeyMismatch"), run::toString);
        assertEquals(0, KV.emulator().calls(VAULT, "setSecret"));
    }

    @Test
    void importRefusesAChainThatDoesNotVerify(@TempDir Path dir) throws Exception {
        KV.emulator().createKey(VAULT, "broken-chain", KeyType.EC_P384);
        X509Certificate intermediate =
                signByOfflineRoot("CN=Broken", KV.emulator().publicKey(VAULT, "broken-chain"));
        // An impostor root with the same name but another key: the intermediate's signature does not verify.
        KeyPair impostorKey = TestKeyPairs.rsa(2048);
        X509Certificate impostor = TestCertificates.builder("CN=Offline Root,O=Test", impostorKey.getPublic())
                .selfSigned(impostorKey.getPrivate())
                .validity(Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(365)))
                .build();
        Path signed = dir.resolve("signed.pem");
        Files.writeString(signed, Pem.encode(List.of(intermediate, impostor)));
        CreateCaCertHarness.Run run = harness.run(
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "broken-chain",
                "--import-signed",
                signed.toString());
        assertEquals(CreateCaCertCommand.EXIT_VERIFICATION, run.exit(), run::toString);
        assertTrue(run.err().contains("CAChainInvalid") && run.err().contains("does not verify"), run::toString);

        // Without the root at all: refused too, the chain must reach a self-signed root.
        Files.writeString(signed, Pem.encode(List.of(intermediate)));
        CreateCaCertHarness.Run noRoot = harness.run(
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "broken-chain",
                "--import-signed",
                signed.toString());
        assertEquals(CreateCaCertCommand.EXIT_VERIFICATION, noRoot.exit(), noRoot::toString);
        assertTrue(noRoot.err().contains("not a self-signed root"), noRoot::toString);
    }

    @Test
    void importRefusesACertificateThatIsNotACa(@TempDir Path dir) throws Exception {
        KV.emulator().createKey(VAULT, "not-ca", KeyType.EC_P256);
        X509Certificate leaf = TestCertificates.builder(
                        "CN=Not A CA", KV.emulator().publicKey(VAULT, "not-ca"))
                .issuedBy(OFFLINE_ROOT, OFFLINE_ROOT_KEY.getPrivate())
                .ca(false)
                .keyUsage(KeyUsage.digitalSignature)
                .validity(
                        Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(30)))
                .build();
        Path signed = dir.resolve("signed.pem");
        Files.writeString(signed, Pem.encode(List.of(leaf, OFFLINE_ROOT)));
        CreateCaCertHarness.Run run = harness.run(
                "--vault-url", harness.vaultUrl(VAULT), "--key-name", "not-ca", "--import-signed", signed.toString());
        assertEquals(CreateCaCertCommand.EXIT_VERIFICATION, run.exit(), run::toString);
        assertTrue(run.err().contains("CACertificateNotCA"), run::toString);
    }

    @Test
    void importOfAFileThatIsNotThereIsAUsageError() {
        KV.emulator().createKey(VAULT, "no-file", KeyType.EC_P256);
        CreateCaCertHarness.Run run = harness.run(
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "no-file",
                "--import-signed",
                "/nonexistent/signed.pem");
        assertEquals(CreateCaCertCommand.EXIT_USAGE, run.exit(), run::toString);
        assertTrue(run.err().contains("cannot read /nonexistent/signed.pem"), run::toString);
    }

    @Test
    void csrToStandardOutputWithAnIssuerForTheImport() throws Exception {
        KV.emulator().createKey(VAULT, "stdout-csr", KeyType.EC_P521);
        CreateCaCertHarness.Run run = harness.run(
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "stdout-csr",
                "--subject",
                "CN=Stdout",
                "--intermediate-csr",
                "-");
        assertEquals(0, run.exit(), run::toString);
        PKCS10CertificationRequest csr = csr(run.out());
        assertEquals(
                KV.emulator().publicKey(VAULT, "stdout-csr"),
                new JcaPEMKeyConverter().getPublicKey(csr.getSubjectPublicKeyInfo()));
        assertEquals(
                "SHA512WITHECDSA",
                new org.bouncycastle.operator.DefaultAlgorithmNameFinder()
                        .getAlgorithmName(csr.getSignatureAlgorithm()));
    }

    static PKCS10CertificationRequest csr(String pem) throws Exception {
        List<Pem.Block> blocks = Pem.decode(pem, 100_000);
        assertEquals(Pem.CERTIFICATE_REQUEST, blocks.get(0).label());
        return new PKCS10CertificationRequest(blocks.get(0).der());
    }

    static X509Certificate signByOfflineRoot(String subject, PublicKey key) {
        return TestCertificates.builder(subject, key)
                .issuedBy(OFFLINE_ROOT, OFFLINE_ROOT_KEY.getPrivate())
                .pathLength(0)
                .validity(
                        Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1825)))
                .build();
    }

    static ClusterIssuer issuer(String yaml) {
        return CreateCaCertHarness.parseIssuer(yaml);
    }
}
