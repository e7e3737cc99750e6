package dev.azurekeyvaultissuer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.KeyClientBuilder;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulator;
import dev.azurekeyvaultissuer.issuer.IssuerHealth;
import dev.azurekeyvaultissuer.issuer.IssuerHealthCheck;
import dev.azurekeyvaultissuer.issuer.IssuerSettings;
import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import dev.azurekeyvaultissuer.keyvault.azure.AzureClientOptions;
import dev.azurekeyvaultissuer.keyvault.azure.AzureVaultConnector;
import dev.azurekeyvaultissuer.pki.CertificateAuthority;
import dev.azurekeyvaultissuer.pki.IssuedCertificate;
import dev.azurekeyvaultissuer.pki.LeafRequest;
import dev.azurekeyvaultissuer.pki.Pem;
import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine;

/**
 * Runs {@code create-ca-cert} as a user would, through picocli, the real Azure SDK and the Key Vault emulator, and
 * checks what it made the way the operator does.
 */
final class CreateCaCertHarness {

    static final String ADMIN = "ca-admin";
    static final String ADMIN_SECRET = "ca-admin-secret";

    private final KeyVaultEmulator emulator;

    CreateCaCertHarness(KeyVaultEmulator emulator) {
        this.emulator = emulator;
    }

    /** One run: its exit code and what it printed. */
    record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** Runs as the emulator's client {@value #ADMIN}, with the emulator's TLS trust and authority. */
    Run run(String... args) {
        return runAs(ADMIN, ADMIN_SECRET, args);
    }

    Run runAs(String clientId, String secret, String... args) {
        Map<String, String> env = new HashMap<>();
        env.put("AZURE_TENANT_ID", emulator.tenantId());
        env.put("AZURE_CLIENT_ID", clientId);
        env.put("AZURE_CLIENT_SECRET", secret);
        return runWith(env, args);
    }

    Run runWith(Map<String, String> environment, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(
                "--azure-authority-host",
                emulator.authorityHost(),
                "--azure-trust-store",
                emulator.trustStorePath().toString(),
                "--azure-trust-store-password",
                emulator.trustStorePassword(),
                "--azure-disable-challenge-resource-verification"));
        return runRaw(environment, all.toArray(String[]::new));
    }

    /** Without the emulator options, for usage tests. */
    static Run runRaw(Map<String, String> environment, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine command = new CommandLine(new CreateCaCertCommand(environment, Clock.systemUTC()));
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        int exit = command.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    String vaultUrl(String vault) {
        return emulator.vaultUrl(vault);
    }

    /** The vault URL as the port normalizes it, which is how the command prints it. */
    String normalizedVaultUrl(String vault) {
        return URI.create(emulator.vaultUrl(vault)).toString();
    }

    // ------------------------------------------------------------------ the operator's view

    /** The operator's own vault adapter, as an issuer without auth would get it. */
    KeyVault operatorVault() {
        AzureClientOptions options = AzureClientOptions.defaults()
                .withAuthorityHost(URI.create(emulator.authorityHost()))
                .withSslContext(emulator.sslContext())
                .withChallengeResourceVerificationDisabled()
                .withRetries(new AzureClientOptions.Retries(1, Duration.ofMillis(10), Duration.ofMillis(100)));
        return new AzureVaultConnector(options, Optional.empty(), Map.of())
                .connect(new VaultCredentials.ClientSecret(emulator.tenantId(), ADMIN, ADMIN_SECRET));
    }

    static ClusterIssuer parseIssuer(String yaml) {
        int start = yaml.indexOf("apiVersion:");
        return Serialization.unmarshal(yaml.substring(start), ClusterIssuer.class);
    }

    /**
     * The round trip: the printed ClusterIssuer passes the operator's issuer check and signs a leaf that verifies
     * up to {@code anchor} with the JDK's PKIX validator.
     */
    IssuedCertificate issueLeafThrough(String issuerYaml, X509Certificate anchor) throws Exception {
        return issueLeafThrough(issuerYaml, anchor, anchor);
    }

    /** The same, for a chain whose top ({@code status.ca}) is not the trust anchor. */
    IssuedCertificate issueLeafThrough(String issuerYaml, X509Certificate anchor, X509Certificate statusCa)
            throws Exception {
        ClusterIssuer issuer = parseIssuer(issuerYaml);
        IssuerSettings settings = IssuerSettings.from(issuer.getSpec());
        IssuerHealth health = new IssuerHealthCheck(Clock.systemUTC()).check(settings, operatorVault());
        IssuerHealth.Ready ready = assertInstanceOf(IssuerHealth.Ready.class, health, () -> health.toString());
        String csr = CsrBuilder.forKey(TestKeyPairs.ec("P-256"))
                .subject("CN=leaf.example.com")
                .dns("leaf.example.com")
                .pem();
        IssuedCertificate issued =
                ready.signer().sign(new LeafRequest(csr, Optional.empty(), false, List.of()), Clock.systemUTC());
        List<X509Certificate> path = certificates(issued.certificatePem());
        verifyPath(path, anchor);
        assertEquals(statusCa, certificates(issued.caPem()).get(0), "status.ca is the top of the chain");
        return issued;
    }

    static void verifyPath(List<X509Certificate> path, X509Certificate anchor) throws Exception {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX")
                .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
    }

    static List<X509Certificate> certificates(String pem) {
        return Pem.decodeCertificates(pem, CertificateAuthority.MAX_PEM_CHARS);
    }

    // ------------------------------------------------------------------ looking into the vault with the SDK

    private TokenCredential credential() {
        return new ClientSecretCredentialBuilder()
                .tenantId(emulator.tenantId())
                .clientId(ADMIN)
                .clientSecret(ADMIN_SECRET)
                .authorityHost(emulator.authorityHost())
                .disableInstanceDiscovery()
                .httpClient(new JdkHttpClientBuilder(
                                java.net.http.HttpClient.newBuilder().sslContext(emulator.sslContext()))
                        .build())
                .build();
    }

    KeyClient keys(String vault) {
        return new KeyClientBuilder()
                .vaultUrl(emulator.vaultUrl(vault))
                .credential(credential())
                .httpClient(new JdkHttpClientBuilder(
                                java.net.http.HttpClient.newBuilder().sslContext(emulator.sslContext()))
                        .build())
                .disableChallengeResourceVerification()
                .buildClient();
    }

    SecretClient secrets(String vault) {
        return new SecretClientBuilder()
                .vaultUrl(emulator.vaultUrl(vault))
                .credential(credential())
                .httpClient(new JdkHttpClientBuilder(
                                java.net.http.HttpClient.newBuilder().sslContext(emulator.sslContext()))
                        .build())
                .disableChallengeResourceVerification()
                .buildClient();
    }
}
