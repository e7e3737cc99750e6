package dev.azurekeyvaultissuer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.emulator.ClientConfig;
import dev.azurekeyvaultissuer.emulator.KeyType;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulatorExtension;
import dev.azurekeyvaultissuer.emulator.Permissions;
import dev.azurekeyvaultissuer.pki.Pem;
import dev.azurekeyvaultissuer.testing.TestCertificates;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user sees when the identity lacks a permission or cannot authenticate, and the environment's credentials that
 * do authenticate (client secret, client certificate), against the emulator.
 */
class CreateCaCertErrorsTest {

    private static final String VAULT = "ca";
    private static final String HSM = "hsm";
    private static final String SIGNER = "signer-only";
    private static final String NO_SECRETS = "no-secrets";
    private static final String NO_CERTIFICATES = "no-certificates";

    @RegisterExtension
    static final KeyVaultEmulatorExtension KV = new KeyVaultEmulatorExtension(b -> b.vault(VAULT)
            .managedHsm(HSM)
            .client(ClientConfig.withSecret(CreateCaCertHarness.ADMIN, CreateCaCertHarness.ADMIN_SECRET))
            .client(ClientConfig.withSecret(SIGNER, "s", Permissions.keys("get", "sign")))
            .client(ClientConfig.withSecret(NO_SECRETS, "s", Permissions.keys("get", "sign", "create")))
            .client(ClientConfig.withSecret(
                    NO_CERTIFICATES,
                    "s",
                    Permissions.keys("get", "sign", "create").withSecrets("set"))));

    private final CreateCaCertHarness harness = new CreateCaCertHarness(KV.emulator());

    @Test
    void missingKeysCreateIsNamed() {
        CreateCaCertHarness.Run run = harness.runAs(
                SIGNER,
                "s",
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "denied",
                "--create-key",
                "--subject",
                "CN=Denied");
        assertEquals(CreateCaCertCommand.EXIT_VAULT, run.exit(), run::toString);
        assertTrue(
                run.err().contains("may not create key 'denied'")
                        && run.err().contains("access policy permission keys: Create"),
                run::toString);
    }

    @Test
    void missingSecretsSetIsNamedAndWhatWasWrittenIsListed() {
        CreateCaCertHarness.Run run = harness.runAs(
                NO_SECRETS,
                "s",
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "half-done",
                "--create-key",
                "--subject",
                "CN=Half Done",
                "--out",
                "/dev/null");
        assertEquals(CreateCaCertCommand.EXIT_VAULT, run.exit(), run::toString);
        assertTrue(
                run.err().contains("may not store secret 'half-done'")
                        && run.err().contains("secrets: Set"),
                run::toString);
        String version = KV.emulator().keyId(VAULT, "half-done");
        version = version.substring(version.lastIndexOf('/') + 1);
        assertTrue(
                run.err()
                        .contains(
                                "already written to the vault before the failure: key 'half-done' version " + version),
                run::toString);

        // Finishing with the key that was made works once the permission is there.
        CreateCaCertHarness.Run finish = harness.run(
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "half-done",
                "--key-version",
                version,
                "--subject",
                "CN=Half Done",
                "--out",
                "/dev/null");
        assertEquals(0, finish.exit(), finish::toString);
    }

    @Test
    void missingCertificatesCreateIsNamed() {
        CreateCaCertHarness.Run run = harness.runAs(
                NO_CERTIFICATES,
                "s",
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--certificate-name",
                "denied-cert",
                "--subject",
                "CN=Denied");
        assertEquals(CreateCaCertCommand.EXIT_VAULT, run.exit(), run::toString);
        assertTrue(run.err().contains("certificates: "), run::toString);
    }

    @Test
    void missingPermissionInAManagedHsmIsNamed() {
        CreateCaCertHarness.Run run = harness.runAs(
                SIGNER,
                "s",
                "--vault-url",
                harness.vaultUrl(HSM),
                "--managed-hsm",
                "--key-name",
                "hsm-denied",
                "--create-key",
                "--subject",
                "CN=Denied",
                "--no-secret");
        assertEquals(CreateCaCertCommand.EXIT_VAULT, run.exit(), run::toString);
        // The pool is on 127.0.0.1: it is known as a Managed HSM by the action its 403 names, so the grant is the
        // HSM's local role, not a vault's Azure RBAC role.
        assertTrue(
                run.err().contains("may not create key 'hsm-denied'")
                        && run.err().contains("Managed HSM local RBAC role Managed HSM Crypto User"),
                run::toString);
    }

    @Test
    void missingSignPermissionIsNamed() {
        KV.emulator().createKey(VAULT, "no-sign", KeyType.EC_P256);
        CreateCaCertHarness.Run run = harness.runAs(
                NO_CERTIFICATES,
                "s",
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "no-sign",
                "--subject",
                "CN=x");
        assertEquals(0, run.exit(), run::toString);
        KV.emulator().addClient(ClientConfig.withSecret("reader", "s", Permissions.keys("get")));
        CreateCaCertHarness.Run reader = harness.runAs(
                "reader", "s", "--vault-url", harness.vaultUrl(VAULT), "--key-name", "no-sign", "--subject", "CN=x");
        assertEquals(CreateCaCertCommand.EXIT_VAULT, reader.exit(), reader::toString);
        assertTrue(
                reader.err().contains("may not sign with key 'no-sign'")
                        && reader.err().contains("keys: Sign"),
                reader::toString);
    }

    @Test
    void aWrongClientSecretIsAnAuthenticationError() {
        CreateCaCertHarness.Run run = harness.runAs(
                CreateCaCertHarness.ADMIN,
                "wrong",
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "x",
                "--subject",
                "CN=x");
        assertEquals(CreateCaCertCommand.EXIT_VAULT, run.exit(), run::toString);
        assertTrue(run.err().contains("no Azure token") && run.err().contains("AZURE_CLIENT_SECRET"), run::toString);
    }

    @Test
    void environmentMethodWithTheEnvironmentsSecretWorks() {
        KV.emulator().createKey(VAULT, "env-method", KeyType.EC_P256);
        Map<String, String> env = new HashMap<>(Map.of(
                "AZURE_TENANT_ID",
                KV.emulator().tenantId(),
                "AZURE_CLIENT_ID",
                CreateCaCertHarness.ADMIN,
                "AZURE_CLIENT_SECRET",
                CreateCaCertHarness.ADMIN_SECRET,
                "AZURE_AUTH_METHOD",
                "environment"));
        CreateCaCertHarness.Run run = harness.runWith(
                env,
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "env-method",
                "--subject",
                "CN=Env",
                "--no-secret");
        assertEquals(0, run.exit(), run::toString);
        assertTrue(
                run.err().contains("identity: the client secret in AZURE_CLIENT_SECRET (client ca-admin"),
                run::toString);
    }

    @Test
    void clientCertificateInTheEnvironmentAuthenticatesInAutoMode(@TempDir Path dir) throws Exception {
        // Only a certificate (no secret, no AZURE_AUTH_METHOD): cosign's order puts the environment's service
        // principal first, before managed identity and the Azure CLI, neither of which exists here.
        KeyPair key = TestKeyPairs.fresh("RSA-2048");
        X509Certificate certificate = clientCertificate(key);
        KV.emulator()
                .addClient(ClientConfig.builder("cert-client")
                        .certificate(certificate)
                        .build());
        Path pem = Files.writeString(
                dir.resolve("client.pem"),
                Pem.encode(certificate)
                        + Pem.encode("PRIVATE KEY", key.getPrivate().getEncoded()));
        KV.emulator().createKey(VAULT, "cert-auth", KeyType.EC_P256);
        CreateCaCertHarness.Run run = harness.runWith(
                Map.of(
                        "AZURE_TENANT_ID",
                        KV.emulator().tenantId(),
                        "AZURE_CLIENT_ID",
                        "cert-client",
                        "AZURE_CLIENT_CERTIFICATE_PATH",
                        pem.toString()),
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "cert-auth",
                "--subject",
                "CN=Cert Auth",
                "--no-secret");
        assertEquals(0, run.exit(), run::toString);
        assertTrue(
                run.err()
                        .contains("identity: the client certificate in AZURE_CLIENT_CERTIFICATE_PATH (client"
                                + " cert-client, tenant " + KV.emulator().tenantId()
                                + "), else the Azure CLI's signed-in account"),
                run::toString);
    }

    @Test
    void clientCertificateAsPkcs12WithItsPasswordAuthenticatesInEnvironmentMode(@TempDir Path dir) throws Exception {
        KeyPair key = TestKeyPairs.fresh("RSA-2048");
        X509Certificate certificate = clientCertificate(key);
        KV.emulator()
                .addClient(ClientConfig.builder("pfx-client")
                        .certificate(certificate)
                        .build());
        KeyStore pkcs12 = KeyStore.getInstance("PKCS12");
        pkcs12.load(null, null);
        pkcs12.setKeyEntry(
                "client", key.getPrivate(), "pfx-password".toCharArray(), new X509Certificate[] {certificate});
        Path pfx = dir.resolve("client.pfx");
        try (OutputStream out = Files.newOutputStream(pfx)) {
            pkcs12.store(out, "pfx-password".toCharArray());
        }
        KV.emulator().createKey(VAULT, "pfx-auth", KeyType.EC_P256);
        CreateCaCertHarness.Run run = harness.runWith(
                Map.of(
                        "AZURE_TENANT_ID",
                        KV.emulator().tenantId(),
                        "AZURE_CLIENT_ID",
                        "pfx-client",
                        "AZURE_CLIENT_CERTIFICATE_PATH",
                        pfx.toString(),
                        "AZURE_CLIENT_CERTIFICATE_PASSWORD",
                        "pfx-password",
                        "AZURE_AUTH_METHOD",
                        "environment"),
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "pfx-auth",
                "--subject",
                "CN=Pfx Auth",
                "--no-secret");
        assertEquals(0, run.exit(), run::toString);
        assertTrue(
                run.err()
                        .contains("identity: the client certificate in AZURE_CLIENT_CERTIFICATE_PATH (client"
                                + " pfx-client"),
                run::toString);
    }

    @Test
    void anUnregisteredClientCertificateIsAnAuthenticationError(@TempDir Path dir) throws Exception {
        KeyPair registered = TestKeyPairs.fresh("RSA-2048");
        KeyPair other = TestKeyPairs.fresh("RSA-2048");
        KV.emulator()
                .addClient(ClientConfig.builder("cert-mismatch")
                        .certificate(clientCertificate(registered))
                        .build());
        Path pem = Files.writeString(
                dir.resolve("other.pem"),
                Pem.encode(clientCertificate(other))
                        + Pem.encode("PRIVATE KEY", other.getPrivate().getEncoded()));
        CreateCaCertHarness.Run run = harness.runWith(
                Map.of(
                        "AZURE_TENANT_ID",
                        KV.emulator().tenantId(),
                        "AZURE_CLIENT_ID",
                        "cert-mismatch",
                        "AZURE_CLIENT_CERTIFICATE_PATH",
                        pem.toString(),
                        "AZURE_AUTH_METHOD",
                        "environment"),
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "x",
                "--subject",
                "CN=x");
        assertEquals(CreateCaCertCommand.EXIT_VAULT, run.exit(), run::toString);
        assertTrue(
                run.err().contains("no Azure token") && run.err().contains("AZURE_CLIENT_CERTIFICATE_PATH"),
                run::toString);
    }

    /** A service principal's certificate as Entra ID takes it: RSA, self-signed, valid now. */
    private static X509Certificate clientCertificate(KeyPair key) {
        return TestCertificates.builder("CN=create-ca-cert client", key.getPublic())
                .selfSigned(key.getPrivate())
                .ca(false)
                .keyUsage(KeyUsage.digitalSignature)
                .validity(
                        Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1)))
                .build();
    }

    @Test
    void cliMethodWithoutASignedInAzureCliSaysSo() {
        Map<String, String> env = Map.of("AZURE_AUTH_METHOD", "cli");
        CreateCaCertHarness.Run run =
                harness.runWith(env, "--vault-url", harness.vaultUrl(VAULT), "--key-name", "x", "--subject", "CN=x");
        // No Azure CLI in the test environment, or one that is not signed in to the emulator's tenant.
        assertEquals(CreateCaCertCommand.EXIT_VAULT, run.exit(), run::toString);
        assertTrue(run.err().contains("no Azure token for the Azure CLI's signed-in account"), run::toString);
        assertTrue(run.err().contains("az login"), run::toString);
    }

    @Test
    void autoWithoutCredentialsTriesManagedIdentityBrieflyThenTheAzureCli() {
        long start = System.nanoTime();
        CreateCaCertHarness.Run run = harness.runWith(
                Map.of(), "--vault-url", harness.vaultUrl(VAULT), "--key-name", "x", "--subject", "CN=x");
        java.time.Duration took = java.time.Duration.ofNanos(System.nanoTime() - start);
        assertEquals(CreateCaCertCommand.EXIT_VAULT, run.exit(), run::toString);
        assertTrue(
                run.err()
                        .contains("identity: the system-assigned managed identity, else the Azure CLI's"
                                + " signed-in account"),
                run::toString);
        // Off Azure, managed identity gets a bounded probe before the chain moves on to the Azure CLI.
        assertTrue(run.err().contains("managed identity") && run.err().contains("AzureCliCredential"), run::toString);
        assertTrue(took.compareTo(java.time.Duration.ofSeconds(30)) < 0, "took " + took);
    }

    @Test
    void anUnknownAuthMethodIsAUsageError() {
        CreateCaCertHarness.Run run = harness.runWith(
                Map.of("AZURE_AUTH_METHOD", "kerberos"),
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "x",
                "--subject",
                "CN=x");
        assertEquals(CreateCaCertCommand.EXIT_USAGE, run.exit(), run::toString);
        assertTrue(run.err().contains("AZURE_AUTH_METHOD") && run.err().contains("auto, environment"), run::toString);
    }
}
