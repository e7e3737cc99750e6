package dev.azurekeyvaultissuer.it;

import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.approve;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.create;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.decode;
import static dev.azurekeyvaultissuer.it.ClusterAssert.ready;
import static dev.azurekeyvaultissuer.it.ClusterAssert.readyIs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.api.Issuer;
import dev.azurekeyvaultissuer.api.IssuerAuth;
import dev.azurekeyvaultissuer.api.IssuerSpec;
import dev.azurekeyvaultissuer.api.IssuerStatus;
import dev.azurekeyvaultissuer.api.SecretKeySelector;
import dev.azurekeyvaultissuer.api.ServicePrincipalAuth;
import dev.azurekeyvaultissuer.emulator.ClientConfig;
import dev.azurekeyvaultissuer.emulator.KeyType;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulator;
import dev.azurekeyvaultissuer.emulator.Permissions;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import dev.azurekeyvaultissuer.keyvault.azure.AzureClientOptions;
import dev.azurekeyvaultissuer.keyvault.azure.AzureVaultConnector;
import dev.azurekeyvaultissuer.pki.Pem;
import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.TestCertificates;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code auth.servicePrincipal.clientCertificateRef} end to end: the operator reads the PEM (certificate and private
 * key) from a Kubernetes Secret through its CredentialResolver, azure-identity signs a client assertion with it, the
 * Key Vault emulator's Entra ID checks it against the application's registered certificate, and the issuer becomes
 * Ready and signs. Also the Secret that lacks the named key, and a certificate Entra ID does not know.
 */
class ClientCertificateIssuerIT {

    private static final String VAULT = "client-cert";
    private static final String CERT_APP = "cert-app";
    private static final String ADMIN = "bootstrap-admin";
    private static final String PEM_KEY = "certificate.pem";
    private static final Duration WAIT = Duration.ofSeconds(90);

    private static final KeyPair APP_KEY = TestKeyPairs.fresh("RSA-2048");
    private static final X509Certificate APP_CERTIFICATE = TestCertificates.builder(
                    "CN=" + CERT_APP, APP_KEY.getPublic())
            .selfSigned(APP_KEY.getPrivate())
            .ca(false)
            .keyUsage(null)
            .validity(Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30)))
            .build();

    @RegisterExtension
    static final InProcessOperator operator = new InProcessOperator();

    private static KeyVaultEmulator emulator;
    private static KubernetesTestEnvironment env;
    private static KubernetesClient admin;
    private static String vaultUrl;

    @BeforeAll
    static void start() {
        emulator = KeyVaultEmulator.builder()
                .vault(VAULT)
                .client(ClientConfig.builder(CERT_APP)
                        .certificate(APP_CERTIFICATE)
                        .permissions(Permissions.keys("get", "sign").withSecrets("get"))
                        .build())
                .clientSecret(ADMIN, "admin-secret", Permissions.all())
                .build()
                .start();
        operator.closeAfterwards(emulator);
        vaultUrl = emulator.vaultUrl(VAULT);
        AzureClientOptions options = EmulatedVaults.operatorOptions(emulator);
        AzureVaultConnector connector = new AzureVaultConnector(options, Optional.empty());
        EmulatedVaults.bootstrapRoot(
                emulator,
                connector.connect(new VaultCredentials.ClientSecret(emulator.tenantId(), ADMIN, "admin-secret")),
                VAULT,
                "ca",
                KeyType.EC_P256,
                "CN=client-cert root");

        env = operator.env();
        admin = operator.admin();
        operator.start(InProcessOperator.config().withResyncInterval(Duration.ofSeconds(3)), connector);
    }

    /** Certificate and PKCS#8 private key in one PEM, as azure-identity's pemCertificate wants them. */
    private static String pem(X509Certificate certificate, KeyPair keyPair) {
        return Pem.encode(certificate)
                + Pem.encode("PRIVATE KEY", keyPair.getPrivate().getEncoded());
    }

    private static void putSecret(String namespace, String name, Map<String, String> data) {
        admin.resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withNamespace(namespace)
                        .endMetadata()
                        .withStringData(data)
                        .build())
                .serverSideApply();
    }

    private static IssuerSpec clientCertificateSpec(String secretName, String secretKey) {
        ServicePrincipalAuth sp = new ServicePrincipalAuth();
        sp.setTenantID(emulator.tenantId());
        sp.setClientID(CERT_APP);
        sp.setClientCertificateRef(new SecretKeySelector(secretName, secretKey));
        IssuerAuth auth = new IssuerAuth();
        auth.setServicePrincipal(sp);
        IssuerSpec spec = new IssuerSpec();
        spec.setVaultURL(vaultUrl);
        spec.setKeyName("ca");
        spec.setAuth(auth);
        return spec;
    }

    private static <T extends CustomResource<IssuerSpec, IssuerStatus>> T await(
            Class<T> type, String namespace, String name, Predicate<T> test) {
        return ClusterAssert.await(admin, type, namespace, name, WAIT, test);
    }

    private static <T extends HasMetadata> T createAsAdmin(T resource) {
        return admin.resource(resource).create();
    }

    @Test
    void namespacedIssuerWithAClientCertificateInASecretBecomesReadyAndSigns() throws Exception {
        String ns = env.createNamespace("client-cert");
        putSecret(ns, "cert-app-credentials", Map.of(PEM_KEY, pem(APP_CERTIFICATE, APP_KEY)));
        Issuer issuer = new Issuer();
        issuer.getMetadata().setName("cert-ca");
        issuer.getMetadata().setNamespace(ns);
        issuer.setSpec(clientCertificateSpec("cert-app-credentials", PEM_KEY));
        createAsAdmin(issuer);

        Issuer ready = await(Issuer.class, ns, "cert-ca", readyIs("True", "Checked"));
        assertEquals(emulator.keyId(VAULT, "ca"), ready.getStatus().getKeyID());

        long signsBefore = emulator.calls(VAULT, "sign");
        String csr = CsrBuilder.forKey(TestKeyPairs.ec("P-256"))
                .subject("CN=svc")
                .dns("svc.example.com")
                .pem();
        create(admin, ns, "svc", "Issuer", "cert-ca", csr);
        approve(admin, ns, "svc");
        CertificateRequest issued = ClusterAssert.issued(admin, ns, "svc");

        ClusterAssert.assertChainsToItsCa(issued);
        assertEquals(ready.getStatus().getCa(), decode(issued.getStatus().getCa()));
        assertEquals(1, emulator.calls(VAULT, "sign") - signsBefore, "signed in the vault as the certificate app");
    }

    @Test
    void clusterIssuerReadsItsClientCertificateInTheClusterResourceNamespace() {
        putSecret(
                KubernetesTestEnvironment.OPERATOR_NAMESPACE,
                "cluster-cert-credentials",
                Map.of(PEM_KEY, pem(APP_CERTIFICATE, APP_KEY)));
        ClusterIssuer issuer = new ClusterIssuer();
        issuer.getMetadata().setName("cluster-cert-ca");
        issuer.setSpec(clientCertificateSpec("cluster-cert-credentials", PEM_KEY));
        createAsAdmin(issuer);

        await(ClusterIssuer.class, null, "cluster-cert-ca", readyIs("True", "Checked"));
    }

    @Test
    void aSecretWithoutTheNamedKeyIsCredentialsUnavailable() {
        String ns = env.createNamespace("client-cert-nokey");
        // A TLS-style Secret: the PEM is there, under other keys than the issuer names.
        putSecret(
                ns,
                "split-credentials",
                Map.of(
                        "tls.crt",
                        Pem.encode(APP_CERTIFICATE),
                        "tls.key",
                        Pem.encode("PRIVATE KEY", APP_KEY.getPrivate().getEncoded())));
        Issuer issuer = new Issuer();
        issuer.getMetadata().setName("no-key-ca");
        issuer.getMetadata().setNamespace(ns);
        issuer.setSpec(clientCertificateSpec("split-credentials", PEM_KEY));
        createAsAdmin(issuer);

        Issuer notReady = await(Issuer.class, ns, "no-key-ca", readyIs("False", "CredentialsUnavailable"));
        assertEquals(
                "Secret " + ns + "/split-credentials has no key \"" + PEM_KEY + "\"",
                ready(notReady).orElseThrow().getMessage());
    }

    @Test
    void aCertificateEntraIdDoesNotKnowIsUnauthenticated() {
        String ns = env.createNamespace("client-cert-unknown");
        KeyPair other = TestKeyPairs.fresh("RSA-2048");
        X509Certificate unknown = TestCertificates.builder("CN=" + CERT_APP, other.getPublic())
                .selfSigned(other.getPrivate())
                .ca(false)
                .keyUsage(null)
                .validity(Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30)))
                .build();
        putSecret(ns, "unknown-credentials", Map.of(PEM_KEY, pem(unknown, other)));
        Issuer issuer = new Issuer();
        issuer.getMetadata().setName("unknown-cert-ca");
        issuer.getMetadata().setNamespace(ns);
        issuer.setSpec(clientCertificateSpec("unknown-credentials", PEM_KEY));
        createAsAdmin(issuer);

        Issuer notReady = await(Issuer.class, ns, "unknown-cert-ca", readyIs("False", "Unauthenticated"));
        String message = ready(notReady).orElseThrow().getMessage();
        assertTrue(message.contains("client certificate of application " + CERT_APP), message);
        assertTrue(message.contains("AADSTS700027"), message);
        assertTrue(!message.contains("PRIVATE KEY") && !message.contains("\n"), message);
    }
}
