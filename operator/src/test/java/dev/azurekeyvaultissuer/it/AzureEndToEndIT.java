package dev.azurekeyvaultissuer.it;

import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.approve;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.create;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.decode;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.readyReason;
import static dev.azurekeyvaultissuer.it.ClusterAssert.ready;
import static dev.azurekeyvaultissuer.it.ClusterAssert.readyIs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.api.Issuer;
import dev.azurekeyvaultissuer.api.IssuerSpec;
import dev.azurekeyvaultissuer.emulator.KeyType;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulator;
import dev.azurekeyvaultissuer.emulator.Permissions;
import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.keyvault.azure.AzureClientOptions;
import dev.azurekeyvaultissuer.keyvault.azure.AzureVaultConnector;
import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole operator against a real kube-apiserver and the Key Vault emulator over HTTPS, through the real Azure
 * SDK clients and azure-identity: service principal credentials read from Kubernetes Secrets, one sign call per
 * certificate, rotation, access denied and bad credentials surfacing as issuer reasons.
 */
class AzureEndToEndIT {

    private static final String VAULT = "issuer-e2e";
    private static final String SIGNER = "issuer-app";
    private static final String SIGNER_SECRET = "issuer-app-secret";
    private static final String NO_SECRETS = "no-secrets-app";
    private static final String NO_SIGN = "no-sign-app";
    private static final String ADMIN = "bootstrap-admin";
    private static final Duration WAIT = Duration.ofSeconds(90);

    @RegisterExtension
    static final InProcessOperator operator = new InProcessOperator();

    private static KeyVaultEmulator emulator;
    private static KubernetesTestEnvironment env;
    private static KubernetesClient admin;
    private static KeyVault bootstrapVault;
    private static String vaultUrl;

    @BeforeAll
    static void start() {
        emulator = KeyVaultEmulator.builder()
                .vault(VAULT)
                .clientSecret(
                        SIGNER, SIGNER_SECRET, Permissions.keys("get", "sign").withSecrets("get", "list"))
                .clientSecret(NO_SECRETS, "no-secrets-secret", Permissions.keys("get", "sign"))
                .clientSecret(NO_SIGN, "no-sign-secret", Permissions.keys("get").withSecrets("get", "list"))
                .clientSecret(ADMIN, "admin-secret", Permissions.all())
                .build()
                .start();
        operator.closeAfterwards(emulator);
        vaultUrl = emulator.vaultUrl(VAULT);
        AzureClientOptions options = EmulatedVaults.operatorOptions(emulator);
        AzureVaultConnector connector = new AzureVaultConnector(options, Optional.empty());
        bootstrapVault =
                connector.connect(new VaultCredentials.ClientSecret(emulator.tenantId(), ADMIN, "admin-secret"));
        bootstrapCa("ca", KeyType.EC_P256);

        env = operator.env();
        admin = operator.admin();
        operator.start(InProcessOperator.config().withResyncInterval(Duration.ofSeconds(3)), connector);
        putClientSecret(KubernetesTestEnvironment.OPERATOR_NAMESPACE, "signer-credentials", SIGNER_SECRET);
    }

    private static VaultKey bootstrapCa(String name, KeyType type) {
        return EmulatedVaults.bootstrapRoot(emulator, bootstrapVault, VAULT, name, type, "CN=" + name + " root");
    }

    private static void putClientSecret(String namespace, String name, String secret) {
        IssuerFixtures.putClientSecret(admin, namespace, name, secret);
    }

    private static IssuerSpec spec(String keyName, String clientId, String secretName) {
        return IssuerFixtures.servicePrincipalSpec(vaultUrl, keyName, emulator.tenantId(), clientId, secretName);
    }

    private static ClusterIssuer clusterIssuer(String name, IssuerSpec spec) {
        ClusterIssuer issuer = new ClusterIssuer();
        issuer.getMetadata().setName(name);
        issuer.setSpec(spec);
        return admin.resource(issuer).create();
    }

    private static ClusterIssuer awaitClusterIssuer(String name, Predicate<ClusterIssuer> test) {
        return ClusterAssert.await(admin, ClusterIssuer.class, null, name, WAIT, test);
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

    private static void assertChainsToItsCa(CertificateRequest issued) throws Exception {
        ClusterAssert.assertChainsToItsCa(issued);
    }

    @Test
    void clusterIssuerSignsWithOneVaultCallPerCertificate() throws Exception {
        clusterIssuer("e2e-ca", spec("ca", SIGNER, "signer-credentials"));
        ClusterIssuer ready = awaitClusterIssuer("e2e-ca", readyIs("True", "Checked"));
        assertEquals(emulator.keyId(VAULT, "ca"), ready.getStatus().getKeyID());
        String ns = env.createNamespace("e2e");
        issue(ns, "warmup", "ClusterIssuer", "e2e-ca");
        long signsBefore = emulator.calls(VAULT, "sign");
        CertificateRequest issued = issue(ns, "app", "ClusterIssuer", "e2e-ca");
        assertChainsToItsCa(issued);
        assertEquals(1, emulator.calls(VAULT, "sign") - signsBefore, "exactly one vault call (sign) per certificate");
    }

    @Test
    void namespacedIssuerReadsItsCredentialsInItsOwnNamespace() throws Exception {
        String ns = env.createNamespace("team");
        putClientSecret(ns, "team-credentials", SIGNER_SECRET);
        Issuer issuer = new Issuer();
        issuer.getMetadata().setName("team-ca");
        issuer.getMetadata().setNamespace(ns);
        issuer.setSpec(spec("ca", SIGNER, "team-credentials"));
        admin.resource(issuer).create();
        ClusterAssert.await(admin, Issuer.class, ns, "team-ca", WAIT, ClusterAssert.isReady());
        assertChainsToItsCa(issue(ns, "svc", "Issuer", "team-ca"));
    }

    @Test
    void missingSecretsPermissionIsNamed() {
        putClientSecret(KubernetesTestEnvironment.OPERATOR_NAMESPACE, "no-secrets-credentials", "no-secrets-secret");
        clusterIssuer("no-secrets-ca", spec("ca", NO_SECRETS, "no-secrets-credentials"));
        ClusterIssuer issuer = awaitClusterIssuer("no-secrets-ca", readyIs("False", "AccessDenied"));
        String message = ready(issuer).orElseThrow().getMessage();
        assertTrue(message.contains("secrets") && message.contains("get"), message);
    }

    @Test
    void wrongClientSecretIsUnauthenticated() {
        putClientSecret(KubernetesTestEnvironment.OPERATOR_NAMESPACE, "wrong-credentials", "not-the-secret");
        clusterIssuer("wrong-secret-ca", spec("ca", SIGNER, "wrong-credentials"));
        awaitClusterIssuer("wrong-secret-ca", readyIs("False", "Unauthenticated"));
    }

    @Test
    void missingCredentialsSecretIsNamed() {
        clusterIssuer("no-secret-ca", spec("ca", SIGNER, "does-not-exist"));
        ClusterIssuer issuer = awaitClusterIssuer("no-secret-ca", readyIs("False", "CredentialsUnavailable"));
        assertTrue(ready(issuer).orElseThrow().getMessage().contains("does-not-exist"));
    }

    @Test
    void disabledKeyMakesTheIssuerNotReadyUntilEnabled() {
        bootstrapCa("toggled", KeyType.RSA_2048);
        clusterIssuer("toggled-ca", spec("toggled", SIGNER, "signer-credentials"));
        awaitClusterIssuer("toggled-ca", readyIs("True", "Checked"));
        emulator.disableKey(VAULT, "toggled");
        awaitClusterIssuer("toggled-ca", readyIs("False", "KeyDisabled"));
        emulator.enableKey(VAULT, "toggled");
        awaitClusterIssuer("toggled-ca", readyIs("True", "Checked"));
    }

    @Test
    void rotationIsFollowedUnlessTheVersionIsPinned() throws Exception {
        VaultKey first = bootstrapCa("rotating", KeyType.EC_P384);
        clusterIssuer("rotating-ca", spec("rotating", SIGNER, "signer-credentials"));
        IssuerSpec pinned = spec("rotating", SIGNER, "signer-credentials");
        pinned.setKeyVersion(first.version());
        awaitClusterIssuer(
                "rotating-ca", i -> first.keyId().equals(i.getStatus().getKeyID()));

        VaultKey second = bootstrapCa("rotating", KeyType.EC_P384);
        assertNotEquals(first.keyId(), second.keyId());
        ClusterIssuer followed = awaitClusterIssuer(
                "rotating-ca",
                i -> second.keyId().equals(i.getStatus().getKeyID())
                        && readyIs("True", "Checked").test(i));
        String ns = env.createNamespace("rotated");
        CertificateRequest issued = issue(ns, "after-rotation", "ClusterIssuer", "rotating-ca");
        assertChainsToItsCa(issued);
        assertEquals(followed.getStatus().getCa(), decode(issued.getStatus().getCa()));

        // Pinned to the first version: the issuer stays on it and on its CA, which the rotation left in an older
        // version of the CA secret.
        clusterIssuer("pinned-ca", pinned);
        ClusterIssuer pinnedIssuer = awaitClusterIssuer(
                "pinned-ca",
                i -> first.keyId().equals(i.getStatus().getKeyID())
                        && readyIs("True", "Checked").test(i));
        assertNotEquals(followed.getStatus().getCa(), pinnedIssuer.getStatus().getCa());
        CertificateRequest pinnedLeaf = issue(ns, "pinned-after-rotation", "ClusterIssuer", "pinned-ca");
        assertChainsToItsCa(pinnedLeaf);
        assertEquals(
                pinnedIssuer.getStatus().getCa(), decode(pinnedLeaf.getStatus().getCa()));

        // Events of a cluster-scoped issuer: the API server takes them only in "default".
        assertTrue(
                admin.v1().events().inNamespace("default").list().getItems().stream()
                        .anyMatch(e -> "ClusterIssuer"
                                        .equals(e.getInvolvedObject().getKind())
                                && "rotating-ca".equals(e.getInvolvedObject().getName())),
                "no Event for ClusterIssuer rotating-ca in namespace default");
    }

    /**
     * Keys get allowed, keys sign denied: the check passes, the first sign is refused. The issuer turns not ready at
     * once with the refusal as its reason, the request waits for it (Pending, not retried as a vault error, never
     * Failed), and once sign is granted the issuer's next check makes it Ready and the request is issued.
     */
    @Test
    void aSignRefusalMakesTheIssuerNotReadyAndItsRequestWaitsUntilSignIsGranted() throws Exception {
        String ns = env.createNamespace("no-sign");
        putClientSecret(ns, "no-sign-credentials", "no-sign-secret");
        Issuer issuer = new Issuer();
        issuer.getMetadata().setName("no-sign-ca");
        issuer.getMetadata().setNamespace(ns);
        issuer.setSpec(spec("ca", NO_SIGN, "no-sign-credentials"));
        admin.resource(issuer).create();
        var issuers = admin.resources(Issuer.class).inNamespace(ns).withName("no-sign-ca");
        issuers.waitUntilCondition(
                i -> i != null
                        && ready(i).filter(c -> "True".equals(c.getStatus())).isPresent(),
                WAIT.toSeconds(),
                TimeUnit.SECONDS);
        long signsBefore = emulator.calls(VAULT, "sign");

        String csr = CsrBuilder.forKey(TestKeyPairs.rsa(2048))
                .subject("CN=waits")
                .dns("waits.example.com")
                .pem();
        create(admin, ns, "waits", "Issuer", "no-sign-ca", csr);
        approve(admin, ns, "waits");

        Issuer refused = issuers.waitUntilCondition(
                i -> i != null
                        && ready(i).filter(c -> "False".equals(c.getStatus()) && "AccessDenied".equals(c.getReason()))
                                .isPresent(),
                WAIT.toSeconds(),
                TimeUnit.SECONDS);
        String why = ready(refused).orElseThrow().getMessage();
        assertTrue(why.startsWith("the vault refused to sign: ") && why.contains("sign"), why);
        var requests = admin.resources(CertificateRequest.class).inNamespace(ns).withName("waits");
        CertificateRequest waiting = requests.waitUntilCondition(
                r -> r != null
                        && CertificateRequestFixtures.condition(r, "Ready")
                                .filter(c -> "Pending".equals(c.getReason())
                                        && c.getMessage().contains("is not ready: the vault refused to sign"))
                                .isPresent(),
                WAIT.toSeconds(),
                TimeUnit.SECONDS);
        assertTrue(emulator.calls(VAULT, "sign") - signsBefore >= 1, "the refusal came from a real sign call");
        assertTrue(
                admin.v1().events().inNamespace(ns).list().getItems().stream()
                        .anyMatch(e -> "waits".equals(e.getInvolvedObject().getName())
                                && "WaitingForIssuerReady".equals(e.getReason())),
                "the request says it waits for its issuer");
        assertTrue(
                admin.v1().events().inNamespace(ns).list().getItems().stream()
                        .noneMatch(e -> "waits".equals(e.getInvolvedObject().getName())
                                && "RetryableError".equals(e.getReason())),
                "not retried as a vault error");
        assertEquals("Pending", readyReason(waiting));

        emulator.setPermissions(VAULT, NO_SIGN, Permissions.keys("get", "sign").withSecrets("get", "list"));
        CertificateRequest issued = requests.waitUntilCondition(
                r -> r != null && "Issued".equals(readyReason(r)), WAIT.toSeconds(), TimeUnit.SECONDS);
        assertChainsToItsCa(issued);
        issuers.waitUntilCondition(
                i -> i != null
                        && ready(i).filter(c -> "True".equals(c.getStatus())).isPresent(),
                WAIT.toSeconds(),
                TimeUnit.SECONDS);
    }
}
