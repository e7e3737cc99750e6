package dev.azurekeyvaultissuer.keyvault.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.emulator.ClientConfig;
import dev.azurekeyvaultissuer.emulator.Federation;
import dev.azurekeyvaultissuer.emulator.KeyType;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulator;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulatorExtension;
import dev.azurekeyvaultissuer.keyvault.KeyReference;
import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.keyvault.VaultException.Kind;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.cert.X509CertificateHolder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Every way to authenticate, against the emulator's Entra ID token endpoint with azure-identity's credentials. */
class AzureCredentialsTest {

    private static final String VAULT = "auth";
    private static final String STRICT_VAULT = "strict";
    private static final String CERT_APP = "cert-app";
    private static final String FEDERATED_APP = "federated-app";
    private static final String SA_ISSUER = "https://kubernetes.default.svc.cluster.local";
    private static final String SA_SUBJECT = "system:serviceaccount:team-a:issuer-signer";

    private static final KeyPair CLIENT_KEY = rsa();
    private static final KeyPair OTHER_KEY = rsa();
    private static final KeyPair SA_SIGNING_KEY = rsa();
    private static X509CertificateHolder clientCertificate;

    @RegisterExtension
    static final KeyVaultEmulatorExtension EMULATOR = new KeyVaultEmulatorExtension(b -> b.vault(VAULT)
            .vault(STRICT_VAULT)
            .client(ClientConfig.withSecret(EmulatedVault.CLIENT_ID, EmulatedVault.CLIENT_SECRET))
            .client(ClientConfig.builder(CERT_APP)
                    .certificate(jdk(certificate()))
                    .build())
            .client(ClientConfig.builder(FEDERATED_APP)
                    .federation(Federation.of(SA_ISSUER, SA_SUBJECT).withPublicKey(SA_SIGNING_KEY.getPublic()))
                    .build()));

    private static KeyPair rsa() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static synchronized X509CertificateHolder certificate() {
        if (clientCertificate == null) {
            try {
                clientCertificate = ClientCertificatePemTest.selfSigned(CLIENT_KEY);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return clientCertificate;
    }

    private static X509Certificate jdk(X509CertificateHolder holder) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(holder.getEncoded()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyVaultEmulator emulator;
    private static KeyReference key;

    @BeforeAll
    static void createKey() {
        emulator = EMULATOR.emulator();
        emulator.createKey(VAULT, "ca", KeyType.EC_P256);
        emulator.createKey(STRICT_VAULT, "ca", KeyType.EC_P256);
        key = KeyReference.of(emulator.vaultUrl(VAULT), "ca", null);
    }

    private static KeyVault connect(VaultCredentials credentials) {
        return EmulatedVault.connect(emulator, EmulatedVault.options(emulator), credentials);
    }

    @Test
    void clientSecret() {
        var vault = connect(new VaultCredentials.ClientSecret(
                emulator.tenantId(), EmulatedVault.CLIENT_ID, EmulatedVault.CLIENT_SECRET));

        assertEquals(emulator.keyId(VAULT, "ca"), vault.getKey(key).keyId());
    }

    @Test
    void aWrongClientSecretIsUnauthenticatedAtOnceAndNeverQuoted() {
        var vault = EmulatedVault.connect(
                emulator,
                EmulatedVault.options(emulator)
                        .withRetries(new AzureClientOptions.Retries(3, Duration.ofSeconds(2), Duration.ofSeconds(8))),
                new VaultCredentials.ClientSecret(emulator.tenantId(), EmulatedVault.CLIENT_ID, "wrong-secret-value"));
        long start = System.nanoTime();

        var e = assertThrows(VaultException.class, () -> vault.getKey(key));

        assertEquals(Kind.UNAUTHENTICATED, e.kind(), () -> e.getMessage() + " <- " + chain(e));
        assertTrue(
                e.getMessage()
                        .startsWith("no Azure token for client secret of application "
                                + EmulatedVault.CLIENT_ID + " in tenant " + emulator.tenantId()
                                + ": AADSTS7000215: Invalid client "
                                + "secret provided."),
                e.getMessage());
        assertFalse(e.getMessage().contains("wrong-secret-value"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(
                Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(2)) < 0,
                "not retried with backoff");
    }

    @Test
    void anUnknownApplicationIsUnauthenticated() {
        var vault = connect(new VaultCredentials.ClientSecret(emulator.tenantId(), "nobody", "x"));

        var e = assertThrows(VaultException.class, () -> vault.getKey(key));

        assertEquals(Kind.UNAUTHENTICATED, e.kind(), () -> e.getMessage() + " <- " + chain(e));
        assertTrue(e.getMessage().contains("AADSTS700016"), e.getMessage());
    }

    @Test
    void clientCertificateInPkcs1Pem() throws Exception {
        String pem = ClientCertificatePemTest.pem(certificate(), CLIENT_KEY.getPrivate());
        var vault = connect(new VaultCredentials.ClientCertificate(
                emulator.tenantId(), CERT_APP, pem.getBytes(StandardCharsets.US_ASCII)));

        assertEquals(emulator.keyId(VAULT, "ca"), vault.getKey(key).keyId());
    }

    @Test
    void aCertificateEntraIdDoesNotKnowIsUnauthenticated() throws Exception {
        String pem = ClientCertificatePemTest.pem(ClientCertificatePemTest.selfSigned(OTHER_KEY))
                + ClientCertificatePemTest.pkcs8(OTHER_KEY.getPrivate());
        var vault = connect(new VaultCredentials.ClientCertificate(
                emulator.tenantId(), CERT_APP, pem.getBytes(StandardCharsets.US_ASCII)));

        var e = assertThrows(VaultException.class, () -> vault.getKey(key));

        assertEquals(Kind.UNAUTHENTICATED, e.kind(), () -> e.getMessage() + " <- " + chain(e));
        assertTrue(e.getMessage().contains("AADSTS700027"), e.getMessage());
    }

    @Test
    void aBrokenCertificatePemFailsWhenConnecting() {
        var connector = new AzureVaultConnector(EmulatedVault.options(emulator), Optional.empty(), Map.of());

        var e = assertThrows(
                VaultException.class,
                () -> connector.connect(new VaultCredentials.ClientCertificate(
                        emulator.tenantId(), CERT_APP, "not a pem".getBytes(StandardCharsets.US_ASCII))));

        assertEquals(Kind.UNAUTHENTICATED, e.kind(), () -> e.getMessage() + " <- " + chain(e));
        assertEquals(
                "client certificate of application cert-app unusable: the client certificate PEM holds no "
                        + "CERTIFICATE block",
                e.getMessage());
    }

    @Test
    void clientAssertionFromAServiceAccountTokenAndTheTokenIsCached() {
        AtomicInteger tokensRequested = new AtomicInteger();
        var vault = connect(new VaultCredentials.ClientAssertion(emulator.tenantId(), FEDERATED_APP, () -> {
            tokensRequested.incrementAndGet();
            try {
                return EmulatedVault.jwt(
                        SA_SIGNING_KEY.getPrivate(), SA_ISSUER, SA_SUBJECT, "api://AzureADTokenExchange");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }));

        assertEquals(emulator.keyId(VAULT, "ca"), vault.getKey(key).keyId());
        int afterFirstToken = tokensRequested.get();
        vault.getKey(key);

        assertTrue(afterFirstToken >= 1);
        assertEquals(afterFirstToken, tokensRequested.get(), "the Entra ID token is cached");
    }

    @Test
    void anAssertionForAnotherServiceAccountIsRefused() {
        var vault = connect(new VaultCredentials.ClientAssertion(emulator.tenantId(), FEDERATED_APP, () -> {
            try {
                return EmulatedVault.jwt(
                        SA_SIGNING_KEY.getPrivate(),
                        SA_ISSUER,
                        "system:serviceaccount:team-b:intruder",
                        "api://AzureADTokenExchange");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }));

        var e = assertThrows(VaultException.class, () -> vault.getKey(key));

        assertEquals(Kind.UNAUTHENTICATED, e.kind(), () -> e.getMessage() + " <- " + chain(e));
        assertTrue(e.getMessage().contains("AADSTS70021"), e.getMessage());
    }

    @Test
    void ambientWorkloadIdentityFromTheWebhooksEnvironment(@TempDir Path dir) throws Exception {
        Path tokenFile = dir.resolve("azure-identity-token");
        Files.writeString(
                tokenFile,
                EmulatedVault.jwt(SA_SIGNING_KEY.getPrivate(), SA_ISSUER, SA_SUBJECT, "api://AzureADTokenExchange"));
        Map<String, String> env = Map.of(
                "AZURE_CLIENT_ID", FEDERATED_APP,
                "AZURE_TENANT_ID", emulator.tenantId(),
                "AZURE_FEDERATED_TOKEN_FILE", tokenFile.toString(),
                "AZURE_AUTHORITY_HOST", emulator.authorityHost());
        // No authority host in the options: the webhook's AZURE_AUTHORITY_HOST is used.
        AzureClientOptions options = EmulatedVault.options(emulator);
        options = new AzureClientOptions(
                Optional.empty(),
                options.sslContext(),
                true,
                options.retries(),
                options.connectTimeout(),
                options.responseTimeout(),
                options.maxResponseBytes());
        var connector = new AzureVaultConnector(options, Optional.empty(), env);

        KeyVault vault = connector.connect(new VaultCredentials.Ambient());

        assertEquals(emulator.keyId(VAULT, "ca"), vault.getKey(key).keyId());
        assertEquals(
                "the operator's workload identity (client " + FEDERATED_APP + ", tenant " + emulator.tenantId()
                        + ", token file " + tokenFile + "), authority " + emulator.authorityHost(),
                connector.describeAmbientIdentity());
    }

    @Test
    void ambientServicePrincipalFromTheEnvironment() {
        var connector = new AzureVaultConnector(
                EmulatedVault.options(emulator),
                Optional.empty(),
                Map.of(
                        "AZURE_CLIENT_ID", EmulatedVault.CLIENT_ID,
                        "AZURE_TENANT_ID", emulator.tenantId(),
                        "AZURE_CLIENT_SECRET", EmulatedVault.CLIENT_SECRET));

        assertEquals(
                emulator.keyId(VAULT, "ca"),
                connector.connect(new VaultCredentials.Ambient()).getKey(key).keyId());
    }

    @Test
    void theEmulatorsTrustStoreFileWorksLikeItsSslContext() {
        AzureClientOptions options = EmulatedVault.options(emulator)
                .withSslContext(AzureClientOptions.trustStoreContext(
                        emulator.trustStorePath(), Optional.of(emulator.trustStorePassword())));
        var vault = EmulatedVault.connect(
                emulator,
                options,
                new VaultCredentials.ClientSecret(
                        emulator.tenantId(), EmulatedVault.CLIENT_ID, EmulatedVault.CLIENT_SECRET));

        assertEquals(emulator.keyId(VAULT, "ca"), vault.getKey(key).keyId());
    }

    @Test
    void withoutTrustInTheEmulatorsCertificateTheVaultIsUnreachable() {
        AzureClientOptions options = EmulatedVault.options(emulator);
        options = new AzureClientOptions(
                options.authorityHost(),
                Optional.empty(),
                true,
                AzureClientOptions.Retries.none(),
                options.connectTimeout(),
                options.responseTimeout(),
                options.maxResponseBytes());
        var vault = EmulatedVault.connect(
                emulator,
                options,
                new VaultCredentials.ClientSecret(
                        emulator.tenantId(), EmulatedVault.CLIENT_ID, EmulatedVault.CLIENT_SECRET));

        var e = assertThrows(VaultException.class, () -> vault.getKey(key));

        assertEquals(Kind.UNAVAILABLE, e.kind(), e::getMessage);
        assertTrue(e.getMessage().contains("SSLHandshakeException"), e.getMessage());
    }

    @Test
    void withResourceVerificationOnALoopbackHostIsNoVault() {
        // The SDK's default: the challenge's resource (vault.azure.net) must be a suffix of the vault's host.
        AzureClientOptions options = EmulatedVault.options(emulator);
        options = new AzureClientOptions(
                options.authorityHost(),
                options.sslContext(),
                false,
                options.retries(),
                options.connectTimeout(),
                options.responseTimeout(),
                options.maxResponseBytes());
        var vault = EmulatedVault.connect(
                emulator,
                options,
                new VaultCredentials.ClientSecret(
                        emulator.tenantId(), EmulatedVault.CLIENT_ID, EmulatedVault.CLIENT_SECRET));

        var e = assertThrows(
                VaultException.class, () -> vault.getKey(KeyReference.of(emulator.vaultUrl(STRICT_VAULT), "ca", null)));

        assertEquals(Kind.INVALID, e.kind());
        assertTrue(
                e.getMessage().startsWith(emulator.vaultUrl(STRICT_VAULT) + " does not look like a Key Vault"),
                e.getMessage());
    }

    private static String chain(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            b.append(t.getClass().getName()).append(": ").append(t.getMessage()).append(" <- ");
        }
        return b.toString();
    }
}
