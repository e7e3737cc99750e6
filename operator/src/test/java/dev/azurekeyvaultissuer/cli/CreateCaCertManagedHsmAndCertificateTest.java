package dev.azurekeyvaultissuer.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.security.keyvault.keys.models.KeyVaultKey;
import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.emulator.ClientConfig;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulatorExtension;
import dev.azurekeyvaultissuer.pki.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The CA key in a Managed HSM with the chain in a vault; the CA as a Key Vault certificate object. */
class CreateCaCertManagedHsmAndCertificateTest {

    private static final String VAULT = "ca";
    private static final String HSM = "hsm";
    private static final String CHAINS = "chains";

    @RegisterExtension
    static final KeyVaultEmulatorExtension KV = new KeyVaultEmulatorExtension(b -> b.vault(VAULT)
            .managedHsm(HSM)
            .vault(CHAINS)
            .client(ClientConfig.withSecret(CreateCaCertHarness.ADMIN, CreateCaCertHarness.ADMIN_SECRET)));

    private final CreateCaCertHarness harness = new CreateCaCertHarness(KV.emulator());

    @Test
    void managedHsmKeyWithTheChainInAnotherVault(@TempDir Path dir) throws Exception {
        // The emulator's Managed HSM listens on 127.0.0.1, so --managed-hsm says what a *.managedhsm.azure.net
        // host would.
        CreateCaCertHarness.Run run = harness.run(
                "--vault-url",
                harness.vaultUrl(HSM),
                "--managed-hsm",
                "--key-name",
                "hsm-root",
                "--create-key",
                "--key-type",
                "ec-p256",
                "--subject",
                "CN=HSM Root",
                "--secret-vault-url",
                harness.vaultUrl(CHAINS),
                "--out",
                dir.resolve("ca.pem").toString());
        assertEquals(0, run.exit(), run::toString);
        KeyVaultKey key = harness.keys(HSM).getKey("hsm-root");
        assertEquals("EC-HSM", key.getKeyType().toString(), "every key in a Managed HSM is HSM-protected");
        X509Certificate root = CreateCaCertHarness.certificates(Files.readString(dir.resolve("ca.pem")))
                .get(0);
        assertEquals(
                List.of(root),
                CreateCaCertHarness.certificates(
                        harness.secrets(CHAINS).getSecret("hsm-root").getValue()));

        ClusterIssuer issuer = CreateCaCertHarness.parseIssuer(run.out());
        assertEquals(harness.normalizedVaultUrl(HSM), issuer.getSpec().getVaultURL());
        assertEquals(
                harness.normalizedVaultUrl(CHAINS),
                issuer.getSpec().getCaCertificate().getVaultURL());
        assertNull(issuer.getSpec().getCaCertificate().getSecretName(), "named like the key: the default");
        harness.issueLeafThrough(run.out(), root);
    }

    @Test
    void managedHsmWithoutAVaultForTheChainIsAUsageError() {
        KV.emulator().resetCalls();
        CreateCaCertHarness.Run run = harness.run(
                "--vault-url",
                harness.vaultUrl(HSM),
                "--managed-hsm",
                "--key-name",
                "hsm-nowhere",
                "--create-key",
                "--subject",
                "CN=HSM");
        assertEquals(CreateCaCertCommand.EXIT_USAGE, run.exit(), run::toString);
        assertTrue(run.err().contains("--secret-vault-url"), run::toString);
        assertEquals(0, KV.emulator().calls(HSM, "createKey"));

        CreateCaCertHarness.Run hostForm = CreateCaCertHarness.runRaw(
                java.util.Map.of(),
                "--vault-url",
                "https://contoso.managedhsm.azure.net",
                "--key-name",
                "ca",
                "--subject",
                "CN=HSM",
                "--certificate-name",
                "ca");
        assertEquals(CreateCaCertCommand.EXIT_USAGE, hostForm.exit(), hostForm::toString);
        assertTrue(hostForm.err().contains("no certificate objects"), hostForm::toString);
    }

    @Test
    void certificateObjectRootSignedWithTheKeyTheVaultMadeForIt() throws Exception {
        KV.emulator().resetCalls(VAULT);
        CreateCaCertHarness.Run run = harness.run(
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--certificate-name",
                "cert-root",
                "--key-type",
                "rsa-2048",
                "--subject",
                "CN=Certificate Object Root");
        assertEquals(0, run.exit(), run::toString);
        X509Certificate root = CreateCaCertHarness.certificates(run.out()).get(0);
        byte[] held = harness.operatorVault()
                .getCertificate(
                        dev.azurekeyvaultissuer.keyvault.CertificateReference.of(harness.vaultUrl(VAULT), "cert-root"));
        assertArrayEquals(root.getEncoded(), held, "the certificate object holds the root");
        assertEquals(KV.emulator().publicKey(VAULT, "cert-root"), root.getPublicKey(), "its own key is the CA key");
        assertEquals(1, KV.emulator().calls(VAULT, "createCertificate"));
        assertEquals(1, KV.emulator().calls(VAULT, "mergeCertificate"));
        assertEquals(0, KV.emulator().calls(VAULT, "createKey"), "the vault made the key, not us");

        ClusterIssuer issuer = CreateCaCertHarness.parseIssuer(run.err());
        assertEquals("cert-root", issuer.getSpec().getKeyName());
        assertEquals("cert-root", issuer.getSpec().getCaCertificate().getCertificateName());
        harness.issueLeafThrough(run.err(), root);

        // Again: exists. With --new-version: a new certificate version with a new key.
        CreateCaCertHarness.Run again = harness.run(
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--certificate-name",
                "cert-root",
                "--subject",
                "CN=Certificate Object Root");
        assertEquals(CreateCaCertCommand.EXIT_EXISTS, again.exit(), again::toString);
        CreateCaCertHarness.Run rotated = harness.run(
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--certificate-name",
                "cert-root",
                "--key-type",
                "ec-p384",
                "--new-version",
                "--subject",
                "CN=Certificate Object Root G2");
        assertEquals(0, rotated.exit(), rotated::toString);
        X509Certificate g2 = CreateCaCertHarness.certificates(rotated.out()).get(0);
        assertNotEquals(root.getPublicKey(), g2.getPublicKey());
        harness.issueLeafThrough(run.err(), g2);
    }

    @Test
    void certificateObjectIntermediate(@TempDir Path dir) throws Exception {
        Path csrFile = dir.resolve("cert-int.csr");
        CreateCaCertHarness.Run csrRun = harness.run(
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--certificate-name",
                "cert-int",
                "--key-type",
                "ec-p256",
                "--subject",
                "CN=Certificate Object Intermediate",
                "--intermediate-csr",
                csrFile.toString());
        assertEquals(0, csrRun.exit(), csrRun::toString);
        assertTrue(csrRun.err().contains("--certificate-name cert-int --import-signed"), csrRun::toString);
        PublicKey csrKey = new JcaPEMKeyConverter()
                .getPublicKey(CreateCaCertIntermediateTest.csr(Files.readString(csrFile))
                        .getSubjectPublicKeyInfo());
        assertEquals(KV.emulator().publicKey(VAULT, "cert-int"), csrKey);

        X509Certificate intermediate =
                CreateCaCertIntermediateTest.signByOfflineRoot("CN=Certificate Object Intermediate", csrKey);
        Path signed = dir.resolve("signed.pem");
        Files.writeString(signed, Pem.encode(List.of(intermediate, CreateCaCertIntermediateTest.OFFLINE_ROOT)));
        CreateCaCertHarness.Run importRun = harness.run(
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--certificate-name",
                "cert-int",
                "--import-signed",
                signed.toString(),
                "--issuer-out",
                dir.resolve("issuer.yaml").toString());
        assertEquals(0, importRun.exit(), importRun::toString);
        assertArrayEquals(
                intermediate.getEncoded(),
                harness.operatorVault()
                        .getCertificate(dev.azurekeyvaultissuer.keyvault.CertificateReference.of(
                                harness.vaultUrl(VAULT), "cert-int")));
        // A certificate object gives the issuer its own certificate only, so status.ca is the intermediate; the
        // leaf still verifies up to the offline root.
        String yaml = Files.readString(dir.resolve("issuer.yaml"));
        assertEquals(
                "cert-int",
                CreateCaCertHarness.parseIssuer(yaml)
                        .getSpec()
                        .getCaCertificate()
                        .getCertificateName());
        harness.issueLeafThrough(yaml, CreateCaCertIntermediateTest.OFFLINE_ROOT, intermediate);
    }
}
