package dev.azurekeyvaultissuer.it;

import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.approve;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.create;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.decode;
import static dev.azurekeyvaultissuer.it.ClusterAssert.ready;
import static dev.azurekeyvaultissuer.it.ClusterAssert.readyIs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.api.Issuer;
import dev.azurekeyvaultissuer.api.IssuerAuth;
import dev.azurekeyvaultissuer.api.IssuerSpec;
import dev.azurekeyvaultissuer.api.LocalObjectReference;
import dev.azurekeyvaultissuer.api.WorkloadIdentityAuth;
import dev.azurekeyvaultissuer.emulator.ClientConfig;
import dev.azurekeyvaultissuer.emulator.Federation;
import dev.azurekeyvaultissuer.emulator.KeyType;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulator;
import dev.azurekeyvaultissuer.emulator.Permissions;
import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.VaultConnector;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import dev.azurekeyvaultissuer.keyvault.azure.AzureClientOptions;
import dev.azurekeyvaultissuer.keyvault.azure.AzureVaultConnector;
import dev.azurekeyvaultissuer.pki.Pem;
import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * auth.workloadIdentity end to end: the emulator's Entra ID trusts this API server's service-account issuer (and
 * checks signatures with its JWKS); the operator requests ServiceAccount tokens through the TokenRequest API with the
 * RBAC of kustomize/base. Two teams, each with its own application, vault and CA key: each signs only with its own.
 */
class WorkloadIdentityIT {

    private static final String VAULT_A = "wi-team-a";
    private static final String VAULT_B = "wi-team-b";
    private static final String APP_A = "team-a-app";
    private static final String APP_B = "team-b-app";
    private static final String APP_CLUSTER = "cluster-app";
    private static final String APP_NO_SECRETS = "no-secrets-app";
    private static final String ADMIN = "bootstrap-admin";
    private static final String SA = "keyvault-issuer";
    private static final String CLUSTER_SA = "wi-cluster-signer";
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final InProcessOperator operator = new InProcessOperator();

    private static KubernetesTestEnvironment env;
    private static KubernetesClient admin;
    private static KeyVaultEmulator emulator;
    private static KeyVault bootstrapVault;
    private static String nsA;
    private static String nsB;
    private static String saIssuer;
    /** How often azure-identity asked for a ServiceAccount token (one per Entra ID token request), per application. */
    private static final Map<String, AtomicInteger> assertions = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        env = operator.env();
        admin = operator.admin();
        nsA = env.createNamespace("wi-a");
        nsB = env.createNamespace("wi-b");
        serviceAccount(nsA, SA);
        serviceAccount(nsB, SA);
        serviceAccount(KubernetesTestEnvironment.OPERATOR_NAMESPACE, CLUSTER_SA);
        // What an administrator grants per namespace (docs/examples/workload-identity-team-rbac.yaml): tokens of
        // the named ServiceAccounts only; the shipped RBAC grants none.
        grantTokens(nsA, SA, "does-not-exist");
        grantTokens(nsB, SA);
        grantTokens(KubernetesTestEnvironment.OPERATOR_NAMESPACE, CLUSTER_SA);

        // What a team reads off its cluster for the federated credential: the issuer, and (here) the JWKS.
        String probe = admin.serviceAccounts()
                .inNamespace(nsA)
                .withName(SA)
                .tokenRequest(new TokenRequestBuilder()
                        .withNewSpec()
                        .withAudiences("api://AzureADTokenExchange")
                        .withExpirationSeconds(600L)
                        .endSpec()
                        .build())
                .getStatus()
                .getToken();
        saIssuer = claims(probe).path("iss").asText();
        assertTrue(!saIssuer.isBlank(), "the API server issues ServiceAccount tokens with an issuer");
        String jwks = admin.raw("/openid/v1/jwks");
        assertTrue(jwks != null && jwks.contains("\"keys\""), "JWKS of the service-account issuer: " + jwks);

        emulator = KeyVaultEmulator.builder()
                .vault(VAULT_A)
                .vault(VAULT_B)
                .client(federated(APP_A, nsA, SA, jwks))
                .client(federated(APP_B, nsB, SA, jwks))
                .client(federated(APP_CLUSTER, KubernetesTestEnvironment.OPERATOR_NAMESPACE, CLUSTER_SA, jwks))
                .client(federated(APP_NO_SECRETS, nsA, SA, jwks))
                .permissions(VAULT_A, APP_A, Permissions.keys("get", "sign").withSecrets("get"))
                .permissions(VAULT_B, APP_B, Permissions.keys("get", "sign").withSecrets("get"))
                .permissions(
                        VAULT_A, APP_CLUSTER, Permissions.keys("get", "sign").withSecrets("get"))
                .permissions(VAULT_A, APP_NO_SECRETS, Permissions.keys("get", "sign"))
                .clientSecret(ADMIN, "admin-secret", Permissions.all())
                .build()
                .start();
        operator.closeAfterwards(emulator);
        AzureClientOptions options = EmulatedVaults.operatorOptions(emulator);
        AzureVaultConnector azure = new AzureVaultConnector(options, Optional.empty());
        bootstrapVault = azure.connect(new VaultCredentials.ClientSecret(emulator.tenantId(), ADMIN, "admin-secret"));
        EmulatedVaults.bootstrapRoot(emulator, bootstrapVault, VAULT_A, "ca-a", KeyType.EC_P256, "CN=ca-a root");
        EmulatedVaults.bootstrapRoot(emulator, bootstrapVault, VAULT_B, "ca-b", KeyType.EC_P256, "CN=ca-b root");

        operator.start(InProcessOperator.config().withResyncInterval(Duration.ofSeconds(3)), counting(azure));
    }

    /** Counts the assertions azure-identity takes from the operator's supplier, per application. */
    private static VaultConnector counting(VaultConnector delegate) {
        return credentials -> {
            if (credentials instanceof VaultCredentials.ClientAssertion a) {
                AtomicInteger count = assertions.computeIfAbsent(a.clientId(), k -> new AtomicInteger());
                return delegate.connect(new VaultCredentials.ClientAssertion(a.tenantId(), a.clientId(), () -> {
                    count.incrementAndGet();
                    return a.assertion().get();
                }));
            }
            return delegate.connect(credentials);
        };
    }

    private static ClientConfig federated(String clientId, String namespace, String serviceAccount, String jwks) {
        return ClientConfig.builder(clientId)
                .federation(Federation.of(saIssuer, "system:serviceaccount:" + namespace + ":" + serviceAccount)
                        .withJwks(jwks))
                .permissions(Permissions.none())
                .build();
    }

    /** Applies the documented Role and RoleBinding, for this namespace and these ServiceAccount names. */
    @SuppressWarnings("unchecked")
    private static void grantTokens(String namespace, String... serviceAccounts) throws IOException {
        try (InputStream in = Files.newInputStream(
                KubernetesTestEnvironment.repositoryRoot().resolve("docs/examples/workload-identity-team-rbac.yaml"))) {
            for (HasMetadata object : admin.load(in).items()) {
                object.getMetadata().setNamespace(namespace);
                if (object instanceof Role role) {
                    role.getRules().get(0).setResourceNames(List.of(serviceAccounts));
                }
                if (object instanceof RoleBinding binding) {
                    binding.getSubjects().get(0).setNamespace(KubernetesTestEnvironment.OPERATOR_NAMESPACE);
                    binding.getSubjects().get(0).setName(KubernetesTestEnvironment.OPERATOR_SERVICE_ACCOUNT);
                }
                admin.resource(object).fieldManager("tests").forceConflicts().serverSideApply();
            }
        }
    }

    private static void serviceAccount(String namespace, String name) {
        admin.resource(new ServiceAccountBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withNamespace(namespace)
                        .endMetadata()
                        .build())
                .serverSideApply();
    }

    private static JsonNode claims(String jwt) throws Exception {
        return JSON.readTree(new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]), StandardCharsets.UTF_8));
    }

    private static IssuerSpec spec(String vault, String key, String clientId, String serviceAccount) {
        IssuerSpec spec = new IssuerSpec();
        spec.setVaultURL(emulator.vaultUrl(vault));
        spec.setKeyName(key);
        WorkloadIdentityAuth wi = new WorkloadIdentityAuth();
        wi.setServiceAccountRef(new LocalObjectReference(serviceAccount));
        wi.setClientID(clientId);
        wi.setTenantID(emulator.tenantId());
        IssuerAuth auth = new IssuerAuth();
        auth.setWorkloadIdentity(wi);
        spec.setAuth(auth);
        return spec;
    }

    private static void issuer(String namespace, String name, IssuerSpec spec) {
        Issuer issuer = new Issuer();
        issuer.getMetadata().setName(name);
        issuer.getMetadata().setNamespace(namespace);
        issuer.setSpec(spec);
        admin.resource(issuer).create();
    }

    private static Condition await(String namespace, String name, String status, String reason) {
        return ready(ClusterAssert.await(admin, Issuer.class, namespace, name, WAIT, readyIs(status, reason)))
                .orElseThrow();
    }

    private static CertificateRequest issue(String namespace, String name, String kind, String issuer) {
        String csr = CsrBuilder.forKey(TestKeyPairs.rsa(2048))
                .subject("CN=" + name)
                .dns(name + ".example.com")
                .pem();
        create(admin, namespace, name, kind, issuer, csr);
        approve(admin, namespace, name);
        return ClusterAssert.issued(admin, namespace, name);
    }

    /** The issued chain validates against the root in the vault's CA secret, and nothing else. */
    private static void assertSignedBy(CertificateRequest issued, String vault, String caName) throws Exception {
        List<X509Certificate> chain =
                Pem.decodeCertificates(decode(issued.getStatus().getCertificate()), 1 << 20);
        X509Certificate root = Pem.decodeCertificates(decode(issued.getStatus().getCa()), 1 << 20)
                .get(0);
        assertEquals("CN=" + caName + " root", root.getSubjectX500Principal().getName());
        assertTrue(
                java.util.Arrays.equals(
                        emulator.publicKey(vault, caName).getEncoded(),
                        root.getPublicKey().getEncoded()),
                "signed by " + vault + "/" + caName);
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX")
                .validate(CertificateFactory.getInstance("X.509").generateCertPath(chain), parameters);
    }

    @Test
    void eachTeamSignsWithItsOwnIdentityAndKey() throws Exception {
        issuer(nsA, "ca", spec(VAULT_A, "ca-a", APP_A, SA));
        issuer(nsB, "ca", spec(VAULT_B, "ca-b", APP_B, SA));
        assertTrue(await(nsA, "ca", "True", "Checked").getMessage().contains(emulator.keyId(VAULT_A, "ca-a")));
        assertTrue(await(nsB, "ca", "True", "Checked").getMessage().contains(emulator.keyId(VAULT_B, "ca-b")));
        long signsA = emulator.calls(VAULT_A, "sign");
        long signsB = emulator.calls(VAULT_B, "sign");
        assertSignedBy(issue(nsA, "svc-a", "Issuer", "ca"), VAULT_A, "ca-a");
        assertSignedBy(issue(nsB, "svc-b", "Issuer", "ca"), VAULT_B, "ca-b");
        assertEquals(1, emulator.calls(VAULT_A, "sign") - signsA);
        assertEquals(1, emulator.calls(VAULT_B, "sign") - signsB);
    }

    @Test
    void aTeamCannotUseTheOtherTeamsKey() {
        // Team A's own, valid identity aimed at team B's vault: Entra ID issues the token, the vault refuses it.
        issuer(nsA, "steal-b", spec(VAULT_B, "ca-b", APP_A, SA));
        Condition c = await(nsA, "steal-b", "False", "AccessDenied");
        assertTrue(c.getMessage().contains("get"), c.getMessage());
    }

    @Test
    void anotherNamespacesApplicationIsRejectedNamingTheSubject() {
        // Team B claims team A's application: its federated credential trusts only team A's ServiceAccount.
        issuer(nsB, "claims-a", spec(VAULT_A, "ca-a", APP_A, SA));
        Condition c = await(nsB, "claims-a", "False", "Unauthenticated");
        assertTrue(c.getMessage().contains("system:serviceaccount:" + nsB + ":" + SA), c.getMessage());
        assertTrue(c.getMessage().contains(saIssuer), c.getMessage());
        assertTrue(c.getMessage().contains("AADSTS70021"), c.getMessage());
    }

    @Test
    void missingServiceAccountIsNamed() {
        issuer(nsA, "no-sa", spec(VAULT_A, "ca-a", APP_A, "does-not-exist"));
        Condition c = await(nsA, "no-sa", "False", "CredentialsUnavailable");
        assertTrue(c.getMessage().contains("ServiceAccount " + nsA + "/does-not-exist not found"), c.getMessage());
    }

    @Test
    void aNamespaceWithoutTheTokenGrantIsCredentialsUnavailable() {
        String ungranted = env.createNamespace("wi-ungranted");
        serviceAccount(ungranted, SA);
        issuer(ungranted, "ca", spec(VAULT_A, "ca-a", APP_A, SA));

        Condition c = await(ungranted, "ca", "False", "CredentialsUnavailable");

        assertTrue(c.getMessage().contains("may not request tokens"), c.getMessage());
        assertTrue(c.getMessage().contains("serviceaccounts/token"), c.getMessage());
    }

    @Test
    void anUngrantedServiceAccountInAGrantedNamespaceIsCredentialsUnavailable() {
        serviceAccount(nsA, "other-sa");
        issuer(nsA, "other-sa", spec(VAULT_A, "ca-a", APP_A, "other-sa"));

        Condition c = await(nsA, "other-sa", "False", "CredentialsUnavailable");

        assertTrue(c.getMessage().contains("may not request tokens"), c.getMessage());
    }

    @Test
    void missingVaultPermissionIsAccessDenied() {
        issuer(nsA, "no-secrets", spec(VAULT_A, "ca-a", APP_NO_SECRETS, SA));
        Condition c = await(nsA, "no-secrets", "False", "AccessDenied");
        assertTrue(c.getMessage().contains("secrets") && c.getMessage().contains("get"), c.getMessage());
    }

    @Test
    void clusterIssuerUsesAServiceAccountOfTheClusterResourceNamespace() throws Exception {
        ClusterIssuer issuer = new ClusterIssuer();
        issuer.getMetadata().setName("wi-cluster-ca");
        issuer.setSpec(spec(VAULT_A, "ca-a", APP_CLUSTER, CLUSTER_SA));
        admin.resource(issuer).create();
        ClusterAssert.await(admin, ClusterIssuer.class, null, "wi-cluster-ca", WAIT, readyIs("True", "Checked"));
        String ns = env.createNamespace("wi-cluster");
        assertSignedBy(issue(ns, "svc", "ClusterIssuer", "wi-cluster-ca"), VAULT_A, "ca-a");
    }

    @Test
    void entraTokensAreRenewedWithFreshServiceAccountTokens() throws Exception {
        String ns = env.createNamespace("wi-refresh");
        serviceAccount(ns, SA);
        grantTokens(ns, SA);
        String app = "refresh-app";
        emulator.addClient(federated(app, ns, SA, admin.raw("/openid/v1/jwks")));
        emulator.setPermissions(VAULT_A, app, Permissions.keys("get", "sign").withSecrets("get"));
        emulator.setTokenLifetime(Duration.ofSeconds(8));
        try {
            issuer(ns, "ca", spec(VAULT_A, "ca-a", app, SA));
            await(ns, "ca", "True", "Checked");
            int before = assertions.get(app).get();
            // Resyncs every 3 s read key and CA: with 8 s tokens azure-identity must go back to Entra ID repeatedly.
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (assertions.get(app).get() - before < 3 && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
            assertTrue(
                    assertions.get(app).get() - before >= 3,
                    "Entra ID tokens renewed: " + (assertions.get(app).get() - before));
            Issuer current =
                    admin.resources(Issuer.class).inNamespace(ns).withName("ca").get();
            assertTrue(readyIs("True", "Checked").test(current), "still Ready: " + ready(current));
            assertSignedBy(issue(ns, "after-renewals", "Issuer", "ca"), VAULT_A, "ca-a");
        } finally {
            emulator.setTokenLifetime(Duration.ofHours(1));
        }
    }
}
