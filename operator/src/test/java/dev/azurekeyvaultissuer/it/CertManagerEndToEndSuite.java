package dev.azurekeyvaultissuer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.api.ApiGroup;
import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.api.Issuer;
import dev.azurekeyvaultissuer.api.IssuerPolicy;
import dev.azurekeyvaultissuer.api.IssuerSpec;
import dev.azurekeyvaultissuer.controller.OperatorRuntime;
import dev.azurekeyvaultissuer.emulator.KeyType;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulator;
import dev.azurekeyvaultissuer.emulator.Permissions;
import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import dev.azurekeyvaultissuer.keyvault.azure.AzureClientOptions;
import dev.azurekeyvaultissuer.keyvault.azure.AzureVaultConnector;
import dev.azurekeyvaultissuer.pki.Pem;
import dev.azurekeyvaultissuer.testing.TestCertificates;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import io.fabric8.certmanager.api.model.meta.v1.ObjectReferenceBuilder;
import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.certmanager.api.model.v1.CertificateBuilder;
import io.fabric8.certmanager.api.model.v1.CertificateCondition;
import io.fabric8.certmanager.api.model.v1.CertificatePrivateKey;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.certmanager.api.model.v1.CertificateRequestCondition;
import io.fabric8.certmanager.api.model.v1.CertificateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end with cert-manager's real controller (v1.21, or v1.11.5, the oldest release tested: binaries hack/test-env
 * builds, see {@link CertManagerController.Release}) as a host process against a {@link TestCluster}, our operator
 * in-process with the shipped RBAC, and the Key Vault emulator over HTTPS on this host. The subclasses pick the cluster
 * and the release: {@link CertManagerEndToEndIT} v1.21 on the kube-apiserver of the other ITs,
 * {@link CertManagerV111EndToEndIT} v1.11.5 on a kube-apiserver of its own with v1.11.5's CRDs,
 * {@link K3sCertManagerEndToEndIT} v1.21 on k3s in a container. Users' objects only: {@code Certificate}s become
 * Secrets whose chain {@code openssl verify} accepts; the requests are approved by cert-manager's own approver;
 * {@code cmctl renew} renews.
 *
 * <p>There is no cert-manager webhook here, so the objects are neither defaulted nor validated by it. Every field a
 * webhook may default is spelled out: {@code privateKey.algorithm/size/encoding/rotationPolicy} and
 * {@code issuerRef.group/kind}. A missing {@code issuerRef.group} would mean cert-manager.io, i.e. one of
 * cert-manager's own issuers.
 *
 * <p>Approval: cert-manager's certificaterequests-approver (v1.11 and v1.21 alike) sets {@code Approved=True, reason
 * cert-manager.io} on every CertificateRequest that is not yet approved, denied or finished, whatever its issuer; it
 * checks no permission itself. The RBAC check lives in cert-manager's webhook: an update that adds Approved/Denied
 * must come from a user who may {@code approve} the resource {@code signers} in group cert-manager.io named
 * {@code <resource>.<group>/<name>} (cluster issuers) or {@code <resource>.<group>/<namespace>.<name>} (issuers), or
 * the wildcard {@code <resource>.<group>/*}. Without the webhook, and with the controller running as admin, that
 * check cannot happen here: {@link #theApproverRbacWeShipIsWhatCertManagersWebhookChecks} asks the API server the
 * same SubjectAccessReviews the webhook would, for cert-manager's ServiceAccount, with kustomize/base/approver-rbac.yaml
 * applied.
 *
 * <p>The state is static, set up by {@link #start} from the subclass's {@code @BeforeAll}: failsafe runs the classes
 * one after another, and {@link #stop} ends what one class started before the next begins.
 */
abstract class CertManagerEndToEndSuite {

    private static final String VAULT = "cm-e2e";
    private static final String SIGNER = "cm-signer";
    private static final String SIGNER_SECRET = "cm-signer-secret";
    private static final String ADMIN = "cm-bootstrap-admin";
    private static final String CERT_MANAGER_NAMESPACE = "cert-manager";
    private static final String CERT_MANAGER_USER = "system:serviceaccount:cert-manager:cert-manager";
    static final String ROOT_ISSUER = "cm-e2e-root";
    private static final String INTERMEDIATE_ISSUER = "cm-e2e-intermediate";
    private static final String TEAM_ISSUER = "cm-e2e-team";
    private static final Duration WAIT = Duration.ofSeconds(120);

    private static KeyVaultEmulator emulator;
    private static TestCluster cluster;
    private static KubernetesClient admin;
    private static KubernetesClient operatorClient;
    private static OperatorRuntime operator;
    private static CertManagerController certManager;
    static OpensslCli openssl;
    private static Path workDir;
    private static Path kubeconfigFile;
    private static String vaultUrl;
    private static String namespace;
    private static boolean approverRbacWasAlreadyApplied;
    private static boolean clusterIssuerSignerDeniedBeforeApproverRbac;

    @RegisterExtension
    static final TestWatcher DUMP_CONTROLLER_LOG = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (certManager != null) {
                System.err.println("=== " + context.getDisplayName() + " failed; the end of " + certManager.log()
                        + " (alive: " + certManager.isAlive() + ") ===\n" + certManager.tail(80));
            }
        }
    };

    @TempDir
    Path files;

    /** {@link #start(TestCluster, CertManagerController.Release, String)} with cert-manager's current release. */
    static void start(TestCluster testCluster, String workDirName) throws Exception {
        start(testCluster, CertManagerController.Release.CURRENT, workDirName);
    }

    /**
     * Starts everything but the cluster, with cert-manager's controller of {@code release}; its log goes to
     * target/{@code workDirName}.
     */
    static void start(TestCluster testCluster, CertManagerController.Release release, String workDirName)
            throws Exception {
        // Fail, never skip, when a piece of the real environment is missing.
        release.binary();
        cmctl();
        openssl = OpensslCli.fromPath();

        emulator = KeyVaultEmulator.builder()
                .vault(VAULT)
                .clientSecret(
                        SIGNER, SIGNER_SECRET, Permissions.keys("get", "sign").withSecrets("get"))
                .clientSecret(ADMIN, "admin-secret", Permissions.all())
                .build()
                .start();
        vaultUrl = emulator.vaultUrl(VAULT);
        AzureClientOptions options = EmulatedVaults.operatorOptions(emulator);
        AzureVaultConnector connector = new AzureVaultConnector(options, Optional.empty());
        KeyVault bootstrap =
                connector.connect(new VaultCredentials.ClientSecret(emulator.tenantId(), ADMIN, "admin-secret"));
        EmulatedVaults.bootstrapRoot(emulator, bootstrap, VAULT, "cm-root", KeyType.EC_P384, "CN=cm-e2e root");
        bootstrapIntermediate("cm-intermediate", KeyType.RSA_2048);

        cluster = testCluster;
        admin = cluster.admin();
        workDir = Path.of("target", workDirName).toAbsolutePath();
        Files.createDirectories(workDir);
        kubeconfigFile = Files.writeString(workDir.resolve("kubeconfig"), cluster.kubeconfig());

        // The approver RBAC our manifests ship, for cert-manager's ServiceAccount in cert-manager's namespace.
        approverRbacWasAlreadyApplied = admin.rbac()
                        .clusterRoleBindings()
                        .withName("cert-manager-controller-approve:azure-keyvault-issuer-dev")
                        .get()
                != null;
        clusterIssuerSignerDeniedBeforeApproverRbac = !mayApprove(clusterIssuerSigner(ROOT_ISSUER));
        cluster.apply(TestCluster.repositoryRoot().resolve("kustomize/base/approver-rbac.yaml"));
        cluster.ensureNamespace(CERT_MANAGER_NAMESPACE);

        operatorClient = cluster.operatorClient();
        operator = OperatorRuntime.create(
                operatorClient,
                EmulatedVaults.operatorConfig(TestCluster.OPERATOR_NAMESPACE)
                        .withResyncInterval(Duration.ofSeconds(30)),
                connector,
                Clock.systemUTC());
        operator.start();

        putClientSecret(TestCluster.OPERATOR_NAMESPACE, "cm-signer-credentials");
        ClusterIssuer root = new ClusterIssuer();
        root.getMetadata().setName(ROOT_ISSUER);
        root.setSpec(issuerSpec("cm-root", "cm-signer-credentials"));
        // CA certificates are policy: the root issuer may sign sub-CAs (caCertificate), one level deep.
        IssuerPolicy subCas = new IssuerPolicy();
        subCas.setAllowCA(true);
        subCas.setMaxPathLen(0);
        root.getSpec().setPolicy(subCas);
        admin.resource(root).serverSideApply();
        ClusterIssuer intermediate = new ClusterIssuer();
        intermediate.getMetadata().setName(INTERMEDIATE_ISSUER);
        intermediate.setSpec(issuerSpec("cm-intermediate", "cm-signer-credentials"));
        admin.resource(intermediate).serverSideApply();

        namespace = cluster.createNamespace("cm-e2e");
        putClientSecret(namespace, "team-credentials");
        Issuer team = new Issuer();
        team.getMetadata().setName(TEAM_ISSUER);
        team.getMetadata().setNamespace(namespace);
        team.setSpec(issuerSpec("cm-root", "team-credentials"));
        admin.resource(team).serverSideApply();

        for (String name : List.of(ROOT_ISSUER, INTERMEDIATE_ISSUER)) {
            admin.resources(ClusterIssuer.class)
                    .withName(name)
                    .waitUntilCondition(
                            i -> i != null
                                    && isReady(
                                            i.getStatus() == null
                                                    ? null
                                                    : i.getStatus().getConditions()),
                            WAIT.toSeconds(),
                            TimeUnit.SECONDS);
        }
        admin.resources(Issuer.class)
                .inNamespace(namespace)
                .withName(TEAM_ISSUER)
                .waitUntilCondition(
                        i -> i != null
                                && isReady(
                                        i.getStatus() == null
                                                ? null
                                                : i.getStatus().getConditions()),
                        WAIT.toSeconds(),
                        TimeUnit.SECONDS);

        certManager = CertManagerController.start(release, kubeconfigFile, workDir, CERT_MANAGER_NAMESPACE);
    }

    @AfterAll
    static void stop() {
        if (certManager != null) {
            certManager.close();
            certManager = null; // the next subclass must not report this controller's log
        }
        if (operator != null) {
            operator.close();
            operatorClient.close();
            operator = null;
        }
        if (emulator != null) {
            emulator.close();
            emulator = null;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void rsaCertificateWithEverySanKindAndDefaultDuration() throws Exception {
        CertificateSpec spec = spec("rsa-tls", "ClusterIssuer", ROOT_ISSUER, "RSA", 2048, "PKCS1");
        spec.setCommonName("rsa.example.com");
        spec.setDnsNames(List.of("rsa.example.com", "www.rsa.example.com"));
        spec.setIpAddresses(List.of("192.0.2.10", "2001:db8::10"));
        spec.setUris(List.of("spiffe://cluster.local/ns/demo/sa/rsa"));
        spec.setEmailAddresses(List.of("rsa@example.com"));
        spec.setUsages(List.of("digital signature", "key encipherment", "server auth", "client auth"));
        create("rsa", spec);

        Issued issued = awaitIssued("rsa", 1);
        assertEquals(1, issued.chain().size(), "a root CA issues the leaf alone");
        RSAPublicKey key = (RSAPublicKey) issued.leaf().getPublicKey();
        assertEquals(2048, key.getModulus().bitLength());
        assertTrue(issued.tlsKey().startsWith("-----BEGIN RSA PRIVATE KEY-----"), "PKCS#1");
        assertSans(
                issued.leaf(),
                List.of("rsa.example.com", "www.rsa.example.com"),
                List.of("192.0.2.10", "2001:db8::10"),
                List.of("spiffe://cluster.local/ns/demo/sa/rsa"),
                List.of("rsa@example.com"));
        assertTrue(issued.leaf().getSubjectX500Principal().getName().contains("CN=rsa.example.com"));
        assertEquals(-1, issued.leaf().getBasicConstraints(), "not a CA");
        assertEquals(
                List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"),
                issued.leaf().getExtendedKeyUsage().stream().sorted().toList(),
                "server auth, client auth");
        assertValidity(issued.leaf(), Duration.ofDays(90)); // cert-manager's default duration
    }

    @Test
    void ecdsaCertificateUnderAVaultIntermediateWithACustomDuration() throws Exception {
        CertificateSpec spec = spec("ecdsa-tls", "ClusterIssuer", INTERMEDIATE_ISSUER, "ECDSA", 384, "PKCS8");
        spec.setDnsNames(List.of("ecdsa.example.com"));
        spec.setDuration(new io.fabric8.kubernetes.api.model.Duration(Duration.ofHours(30)));
        spec.setRenewBefore(new io.fabric8.kubernetes.api.model.Duration(Duration.ofHours(10)));
        create("ecdsa", spec);

        Issued issued = awaitIssued("ecdsa", 1);
        assertEquals(2, issued.chain().size(), "leaf and the vault intermediate; the root only in ca.crt");
        assertEquals(
                "CN=cm-e2e intermediate",
                issued.chain().get(1).getSubjectX500Principal().getName());
        assertEquals(
                issued.ca().getSubjectX500Principal(), issued.chain().get(1).getIssuerX500Principal());
        ECPublicKey key = (ECPublicKey) issued.leaf().getPublicKey();
        assertEquals(384, key.getParams().getCurve().getField().getFieldSize());
        assertTrue(issued.tlsKey().startsWith("-----BEGIN PRIVATE KEY-----"), "PKCS#8");
        assertSans(issued.leaf(), List.of("ecdsa.example.com"), List.of(), List.of(), List.of());
        assertValidity(issued.leaf(), Duration.ofHours(30));
        Certificate certificate = certificate("ecdsa");
        assertEquals(
                issued.leaf().getNotAfter().toInstant(),
                java.time.Instant.parse(certificate.getStatus().getNotAfter()));
        // renewBefore 10h of a 30h certificate: cert-manager plans the renewal 20h after notBefore.
        assertEquals(
                issued.leaf().getNotBefore().toInstant().plus(Duration.ofHours(20)),
                java.time.Instant.parse(certificate.getStatus().getRenewalTime()));
    }

    @Test
    void ed25519CertificateFromANamespacedIssuer() throws Exception {
        CertificateSpec spec = spec("ed25519-tls", "Issuer", TEAM_ISSUER, "Ed25519", null, "PKCS8");
        spec.setUris(List.of("spiffe://cluster.local/ns/demo/sa/ed25519"));
        spec.setEmailAddresses(List.of("ed25519@example.com"));
        create("ed25519", spec);

        Issued issued = awaitIssued("ed25519", 1);
        EdECPublicKey key = (EdECPublicKey) issued.leaf().getPublicKey();
        assertEquals("Ed25519", key.getParams().getName());
        assertSans(
                issued.leaf(),
                List.of(),
                List.of(),
                List.of("spiffe://cluster.local/ns/demo/sa/ed25519"),
                List.of("ed25519@example.com"));
        assertEquals("", issued.leaf().getSubjectX500Principal().getName(), "only SANs, no subject");
        assertTrue(
                issued.leaf().getCriticalExtensionOIDs().contains("2.5.29.17"),
                "subjectAltName is critical when the subject is empty (RFC 5280 4.2.1.6)");
    }

    @Test
    void caCertificate() throws Exception {
        CertificateSpec spec = spec("sub-ca-tls", "ClusterIssuer", ROOT_ISSUER, "RSA", 3072, "PKCS1");
        spec.setCommonName("cm-e2e sub CA");
        spec.setIsCA(true);
        create("sub-ca", spec);

        Issued issued = awaitIssued("sub-ca", 1);
        assertEquals(0, issued.leaf().getBasicConstraints(), "cA=true, pathLen from the issuer's policy.maxPathLen");
        assertTrue(issued.leaf().getKeyUsage()[5], "keyCertSign (cert-manager adds \"cert sign\" for isCA)");
        assertEquals(
                3072, ((RSAPublicKey) issued.leaf().getPublicKey()).getModulus().bitLength());
        assertEquals("CN=cm-e2e sub CA", issued.leaf().getSubjectX500Principal().getName());
    }

    @Test
    void cmctlRenewIssuesANewCertificateRequestAndCertificate() throws Exception {
        CertificateSpec spec = spec("renewed-tls", "ClusterIssuer", ROOT_ISSUER, "ECDSA", 256, "PKCS1");
        spec.getPrivateKey().setRotationPolicy("Always");
        spec.setDnsNames(List.of("renewed.example.com"));
        create("renewed", spec);
        Issued first = awaitIssued("renewed", 1);
        assertTrue(first.tlsKey().startsWith("-----BEGIN EC PRIVATE KEY-----"), "PKCS#1 (SEC 1) for ECDSA");
        CertificateRequest firstRequest =
                requestOfRevision("renewed", first.revision()).orElseThrow();

        String output = new CommandLine(List.of(
                        cmctl().toString(),
                        "renew",
                        "renewed",
                        "-n",
                        namespace,
                        "--kubeconfig",
                        kubeconfigFile.toString()))
                .run();
        assertTrue(output.contains("Manually triggered issuance of Certificate " + namespace + "/renewed"), output);

        Issued second = awaitIssued("renewed", first.revision() + 1);
        assertNotEquals(first.leaf().getSerialNumber(), second.leaf().getSerialNumber(), "a new certificate");
        assertNotEquals(first.leaf().getPublicKey(), second.leaf().getPublicKey(), "rotationPolicy Always: a new key");
        CertificateRequest secondRequest =
                requestOfRevision("renewed", second.revision()).orElseThrow();
        assertNotEquals(
                firstRequest.getMetadata().getName(),
                secondRequest.getMetadata().getName());
        assertSans(second.leaf(), List.of("renewed.example.com"), List.of(), List.of(), List.of());
    }

    @Test
    void theApproverRbacWeShipIsWhatCertManagersWebhookChecks() {
        assertTrue(
                approverRbacWasAlreadyApplied || clusterIssuerSignerDeniedBeforeApproverRbac,
                "without kustomize/base/approver-rbac.yaml cert-manager's ServiceAccount may not approve for our "
                        + "signers (else the check below proves nothing)");
        assertTrue(awaitMayApprove(clusterIssuerSigner(ROOT_ISSUER)), clusterIssuerSigner(ROOT_ISSUER));
        assertTrue(awaitMayApprove("issuers." + ApiGroup.NAME + "/" + namespace + "." + TEAM_ISSUER));
        assertFalse(
                mayApprove("issuers.cert-manager.io/" + namespace + ".selfsigned"),
                "only our signers, not cert-manager's own (its chart grants those)");
        assertFalse(mayApprove("clusterissuers.other-issuer.example/anything"), "only our signers");
    }

    // --- issuers and the vault --------------------------------------------------------------------------------------
    /** An intermediate whose key is in the vault, signed by an offline root: the secret holds intermediate + root. */
    private static void bootstrapIntermediate(String name, KeyType type) {
        emulator.createKey(VAULT, name, type);
        KeyPair offlineRoot = TestKeyPairs.ec("P-256");
        X509Certificate root = TestCertificates.root("CN=cm-e2e offline root", offlineRoot);
        X509Certificate intermediate = TestCertificates.builder(
                        "CN=cm-e2e intermediate", emulator.publicKey(VAULT, name))
                .issuedBy(root, offlineRoot.getPrivate())
                .build();
        emulator.setSecret(VAULT, name, Pem.encode(intermediate) + Pem.encode(root), "application/x-pem-file");
    }

    private static IssuerSpec issuerSpec(String keyName, String secretName) {
        return IssuerFixtures.servicePrincipalSpec(vaultUrl, keyName, emulator.tenantId(), SIGNER, secretName);
    }

    private static void putClientSecret(String ns, String name) {
        IssuerFixtures.putClientSecret(admin, ns, name, SIGNER_SECRET);
    }

    private static boolean isReady(List<io.fabric8.kubernetes.api.model.Condition> conditions) {
        return conditions != null
                && conditions.stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    // --- approval RBAC ----------------------------------------------------------------------------------------------

    private static String clusterIssuerSigner(String name) {
        return "clusterissuers." + ApiGroup.NAME + "/" + name;
    }

    /** cert-manager's webhook (approval plugin): the exact signer name, then {@code <domain>/*}. */
    private static boolean mayApprove(String signerName) {
        return allowed(signerName) || allowed(signerName.substring(0, signerName.indexOf('/')) + "/*");
    }

    private static boolean awaitMayApprove(String signerName) {
        // RBAC changes reach the authorizer through an informer: give it a moment after the apply.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (mayApprove(signerName)) {
                return true;
            }
            sleep(200);
        }
        return false;
    }

    private static boolean allowed(String name) {
        SubjectAccessReview review = new SubjectAccessReviewBuilder()
                .withNewSpec()
                .withUser(CERT_MANAGER_USER)
                .withGroups(
                        "system:serviceaccounts",
                        "system:serviceaccounts:" + CERT_MANAGER_NAMESPACE,
                        "system:authenticated")
                .withNewResourceAttributes()
                .withGroup("cert-manager.io")
                .withVersion("*")
                .withResource("signers")
                .withVerb("approve")
                .withName(name)
                .endResourceAttributes()
                .endSpec()
                .build();
        return Boolean.TRUE.equals(admin.authorization()
                .v1()
                .subjectAccessReview()
                .create(review)
                .getStatus()
                .getAllowed());
    }

    // --- Certificates -----------------------------------------------------------------------------------------------

    /** A Certificate spec with every field spelled out that a webhook would default. */
    static CertificateSpec spec(
            String secretName, String issuerKind, String issuerName, String algorithm, Integer size, String encoding) {
        CertificateSpec spec = new CertificateSpec();
        spec.setSecretName(secretName);
        spec.setIssuerRef(new ObjectReferenceBuilder()
                .withGroup(ApiGroup.NAME)
                .withKind(issuerKind)
                .withName(issuerName)
                .build());
        CertificatePrivateKey key = new CertificatePrivateKey();
        key.setAlgorithm(algorithm);
        key.setSize(size);
        key.setEncoding(encoding);
        key.setRotationPolicy("Never");
        spec.setPrivateKey(key);
        return spec;
    }

    static void create(String name, CertificateSpec spec) {
        admin.resource(new CertificateBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withNamespace(namespace)
                        .endMetadata()
                        .withSpec(spec)
                        .build())
                .create();
    }

    private static Certificate certificate(String name) {
        return admin.resources(Certificate.class)
                .inNamespace(namespace)
                .withName(name)
                .get();
    }

    private static List<CertificateRequest> requestsOf(String certificate) {
        return admin.resources(CertificateRequest.class).inNamespace(namespace).list().getItems().stream()
                .filter(r -> r.getMetadata().getAnnotations() != null
                        && certificate.equals(r.getMetadata().getAnnotations().get("cert-manager.io/certificate-name")))
                .toList();
    }

    private static Optional<CertificateRequest> requestOfRevision(String certificate, int revision) {
        return requestsOf(certificate).stream()
                .filter(r -> String.valueOf(revision)
                        .equals(r.getMetadata().getAnnotations().get("cert-manager.io/certificate-revision")))
                .findFirst();
    }

    private static Optional<CertificateRequestCondition> condition(CertificateRequest request, String type) {
        return request.getStatus() == null || request.getStatus().getConditions() == null
                ? Optional.empty()
                : request.getStatus().getConditions().stream()
                        .filter(c -> type.equals(c.getType()))
                        .findFirst();
    }

    private static Optional<CertificateCondition> readyCondition(Certificate certificate) {
        return certificate == null
                        || certificate.getStatus() == null
                        || certificate.getStatus().getConditions() == null
                ? Optional.empty()
                : certificate.getStatus().getConditions().stream()
                        .filter(c -> "Ready".equals(c.getType()))
                        .findFirst();
    }

    record Issued(X509Certificate leaf, List<X509Certificate> chain, X509Certificate ca, String tlsKey, int revision) {}

    /**
     * Waits until the Certificate is Ready at {@code revision}, then checks what cert-manager made of it: the request
     * of that revision approved by cert-manager's approver and Issued by us; a Secret whose tls.crt chains to ca.crt
     * under {@code openssl verify} and whose tls.key is the leaf's key.
     */
    /**
     * Waits until the Certificate is Ready at {@code revision} or later and settled (not Issuing), and returns what
     * its Secret holds, checked against the request of that revision. cert-manager may issue once more on its own
     * right after an issuance: its trigger controller can read the new Secret from a cache that does not have it yet
     * ("Secret does not exist"), so the revision is at least, not exactly, the one asked for.
     */
    Issued awaitIssued(String name, int revision) throws Exception {
        Predicate<Certificate> done = c -> c != null
                && c.getStatus() != null
                && c.getStatus().getRevision() != null
                && c.getStatus().getRevision() >= revision
                && readyCondition(c).filter(r -> "True".equals(r.getStatus())).isPresent()
                && c.getStatus().getConditions().stream()
                        .noneMatch(k -> "Issuing".equals(k.getType()) && "True".equals(k.getStatus()));
        Certificate certificate;
        try {
            certificate = admin.resources(Certificate.class)
                    .inNamespace(namespace)
                    .withName(name)
                    .waitUntilCondition(done, WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (KubernetesClientTimeoutException e) {
            throw new AssertionError(
                    "Certificate " + namespace + "/" + name + " did not become Ready at revision " + revision
                            + " within " + WAIT + ": " + describe(name),
                    e);
        }
        int issuedRevision = certificate.getStatus().getRevision();

        CertificateRequest request = requestOfRevision(name, issuedRevision)
                .orElseThrow(() -> new AssertionError(
                        "no CertificateRequest of revision " + issuedRevision + ": " + describe(name)));
        CertificateRequestCondition approved =
                condition(request, "Approved").orElseThrow(() -> new AssertionError("not approved: " + describe(name)));
        assertEquals("True", approved.getStatus());
        assertEquals("cert-manager.io", approved.getReason(), "approved by cert-manager's approver");
        assertEquals(
                "Issued",
                condition(request, "Ready")
                        .map(CertificateRequestCondition::getReason)
                        .orElse(null));
        assertEquals(ApiGroup.NAME, request.getSpec().getIssuerRef().getGroup());

        Secret secret = admin.secrets()
                .inNamespace(namespace)
                .withName(certificate.getSpec().getSecretName())
                .get();
        assertEquals("kubernetes.io/tls", secret.getType());
        String tlsCrt = decode(secret.getData().get("tls.crt"));
        String tlsKey = decode(secret.getData().get("tls.key"));
        String caCrt = decode(secret.getData().get("ca.crt"));
        List<X509Certificate> chain = parse(tlsCrt);
        List<X509Certificate> cas = parse(caCrt);
        assertEquals(1, cas.size(), "ca.crt is the root");
        assertEquals(decode(request.getStatus().getCertificate()), tlsCrt, "tls.crt is what we issued");

        Path dir = Files.createDirectories(files.resolve(name + "-" + revision));
        Path leafFile = Files.writeString(dir.resolve("tls.crt"), tlsCrt);
        Path caFile = Files.writeString(dir.resolve("ca.crt"), caCrt);
        Path keyFile = Files.writeString(dir.resolve("tls.key"), tlsKey);
        List<String> verify = new ArrayList<>(List.of("verify", "-x509_strict", "-CAfile", caFile.toString()));
        if (chain.size() > 1) {
            StringBuilder intermediates = new StringBuilder();
            for (X509Certificate c : chain.subList(1, chain.size())) {
                intermediates.append(Pem.encode(c));
            }
            verify.addAll(List.of(
                    "-untrusted",
                    Files.writeString(dir.resolve("intermediates.pem"), intermediates)
                            .toString()));
        }
        verify.add(leafFile.toString());
        String verified = openssl.check(verify);
        assertTrue(verified.contains(leafFile + ": OK"), verified);
        assertEquals(
                openssl.check(List.of("x509", "-in", leafFile.toString(), "-noout", "-pubkey")),
                openssl.check(List.of("pkey", "-in", keyFile.toString(), "-pubout")),
                "tls.key is the leaf's key");

        return new Issued(chain.get(0), chain, cas.get(0), tlsKey, issuedRevision);
    }

    /** The state of a Certificate and its requests, plus the controller's last log lines, for failure messages. */
    private static String describe(String name) {
        Certificate c = certificate(name);
        String conditions = c == null || c.getStatus() == null
                ? "no status"
                : c.getStatus().getConditions() == null
                        ? "no conditions"
                        : c.getStatus().getConditions().stream()
                                .map(x ->
                                        x.getType() + "=" + x.getStatus() + "/" + x.getReason() + ": " + x.getMessage())
                                .collect(Collectors.joining("; "));
        String requests = requestsOf(name).stream()
                .map(r -> r.getMetadata().getName() + " [rev "
                        + r.getMetadata().getAnnotations().get("cert-manager.io/certificate-revision") + "] "
                        + (r.getStatus() == null || r.getStatus().getConditions() == null
                                ? "no conditions"
                                : r.getStatus().getConditions().stream()
                                        .map(x -> x.getType() + "=" + x.getStatus() + "/" + x.getReason() + ": "
                                                + x.getMessage())
                                        .collect(Collectors.joining("; "))))
                .collect(Collectors.joining(" | "));
        return "Certificate: " + conditions + " (revision "
                + (c == null || c.getStatus() == null ? null : c.getStatus().getRevision()) + "); requests: " + requests
                + "\ncert-manager controller log tail:\n"
                + (certManager == null ? "(not started)" : certManager.tail(40));
    }

    private static void assertSans(
            X509Certificate leaf, List<String> dns, List<String> ips, List<String> uris, List<String> emails)
            throws Exception {
        Collection<List<?>> names = leaf.getSubjectAlternativeNames();
        assertTrue(names != null && !names.isEmpty(), "subjectAltName present");
        assertEquals(new TreeSet<>(dns), sans(names, 2), "DNS names");
        assertEquals(new TreeSet<>(emails), sans(names, 1), "email addresses");
        assertEquals(new TreeSet<>(uris), sans(names, 6), "URIs");
        Set<InetAddress> expected = new java.util.HashSet<>();
        for (String ip : ips) {
            expected.add(InetAddress.getByName(ip));
        }
        Set<InetAddress> actual = new java.util.HashSet<>();
        for (String ip : sans(names, 7)) {
            actual.add(InetAddress.getByName(ip));
        }
        assertEquals(expected, actual, "IP addresses");
        assertEquals(dns.size() + emails.size() + uris.size() + ips.size(), names.size(), "no other SANs");
    }

    private static Set<String> sans(Collection<List<?>> names, int type) {
        return names.stream()
                .filter(n -> ((Integer) n.get(0)) == type)
                .map(n -> (String) n.get(1))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static void assertValidity(X509Certificate leaf, Duration duration) {
        assertEquals(
                duration,
                Duration.between(
                        leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant()));
    }

    private static List<X509Certificate> parse(String pem) throws Exception {
        List<X509Certificate> certificates = new ArrayList<>();
        for (java.security.cert.Certificate c : CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
            certificates.add((X509Certificate) c);
        }
        return certificates;
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
    }

    private static Path cmctl() {
        String value = System.getenv("CMCTL");
        if (value == null || value.isBlank() || !Files.isExecutable(Path.of(value))) {
            throw new IllegalStateException("CMCTL is not set to an executable (" + value + "): run the end-to-end "
                    + "tests with `make test`, which builds cmctl (hack/test-env/build.sh) and exports it");
        }
        return Path.of(value);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A command line tool run to completion; its output, or an AssertionError with it when it fails. */
    private record CommandLine(List<String> command) {
        String run() throws Exception {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(command + " did not finish within 60 s");
            }
            if (process.exitValue() != 0) {
                throw new AssertionError(
                        String.join(" ", command) + " exited with " + process.exitValue() + ":\n" + output);
            }
            return output;
        }
    }
}
