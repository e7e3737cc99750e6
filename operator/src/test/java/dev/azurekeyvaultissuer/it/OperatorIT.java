package dev.azurekeyvaultissuer.it;

import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.approve;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.condition;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.create;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.deny;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.readyReason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.api.Issuer;
import dev.azurekeyvaultissuer.api.IssuerSpec;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.pki.CaCertificateFactory;
import dev.azurekeyvaultissuer.pki.Pem;
import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.LocalKeyVault;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator in-process against a real kube-apiserver, with the RBAC kustomize ships, and JDK keys behind the
 * vault port: proves the Kubernetes side (CRDs, watches, status patches, cert-manager semantics). The Azure side is
 * covered against the Key Vault emulator by {@code AzureEndToEndIT}.
 */
class OperatorIT {

    private static final String VAULT = LocalKeyVault.DEFAULT_URL;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final InProcessOperator operator = new InProcessOperator();

    private static KubernetesTestEnvironment env;
    private static KubernetesClient admin;
    private static LocalKeyVault vault;

    @BeforeAll
    static void startOperator() {
        env = operator.env();
        admin = operator.admin();
        vault = new LocalKeyVault(VAULT, Clock.systemUTC());
        VaultKey key = vault.createEcKey("ca", "P-256");
        vault.putSecret(
                "ca",
                Pem.encode(new CaCertificateFactory(vault, Clock.systemUTC())
                        .selfSignedRoot(
                                "CN=OperatorIT Root",
                                Duration.ofDays(365),
                                OptionalInt.empty(),
                                key,
                                SignatureAlgorithm.ES256)));
        operator.start(InProcessOperator.config().withResyncInterval(Duration.ofSeconds(5)), credentials -> vault);
    }

    private static IssuerSpec spec(String keyName) {
        IssuerSpec spec = new IssuerSpec();
        spec.setVaultURL(VAULT);
        spec.setKeyName(keyName);
        return spec;
    }

    private static ClusterIssuer clusterIssuer(String name, String keyName) {
        ClusterIssuer issuer = new ClusterIssuer();
        issuer.getMetadata().setName(name);
        issuer.setSpec(spec(keyName));
        return admin.resource(issuer).create();
    }

    private static <T extends HasMetadata> T await(Class<T> type, String namespace, String name, Predicate<T> test) {
        return ClusterAssert.await(admin, type, namespace, name, WAIT, test);
    }

    private static Optional<Condition> ready(List<Condition> conditions) {
        return conditions == null
                ? Optional.empty()
                : conditions.stream().filter(c -> "Ready".equals(c.getType())).findFirst();
    }

    private static ClusterIssuer readyClusterIssuer(String name) {
        return await(ClusterIssuer.class, null, name, ClusterAssert.isReady());
    }

    private static String csr() {
        return CsrBuilder.forKey(TestKeyPairs.ec("P-256"))
                .subject("CN=app")
                .dns("app.example.com")
                .pem();
    }

    @Test
    void clusterIssuerBecomesReadyWithKeyIdAndCa() {
        clusterIssuer("ready-ca", "ca");
        ClusterIssuer issuer = readyClusterIssuer("ready-ca");
        assertTrue(
                issuer.getStatus().getKeyID().startsWith(VAULT + "/keys/ca/"),
                issuer.getStatus().getKeyID());
        assertTrue(issuer.getStatus().getCa().contains("BEGIN CERTIFICATE"));
        Condition condition = ready(issuer.getStatus().getConditions()).orElseThrow();
        assertEquals("Checked", condition.getReason());
        assertEquals(issuer.getMetadata().getGeneration(), condition.getObservedGeneration());
    }

    @Test
    void approvedRequestIsIssuedAndChainsToTheCa() throws Exception {
        clusterIssuer("signing-ca", "ca");
        readyClusterIssuer("signing-ca");
        String ns = env.createNamespace("issue");
        create(admin, ns, "app", "ClusterIssuer", "signing-ca", csr());
        approve(admin, ns, "app");
        CertificateRequest issued = await(CertificateRequest.class, ns, "app", r -> "Issued".equals(readyReason(r)));
        assertEquals(
                "True",
                condition(issued, "Approved").orElseThrow().getStatus(),
                "our status patch must keep the approver's condition");
        List<X509Certificate> chain = ClusterAssert.assertChainsToItsCa(issued);
        assertTrue(chain.get(0).getSubjectAlternativeNames().stream()
                .anyMatch(san -> "app.example.com".equals(san.get(1))));
    }

    @Test
    void requestIsLeftAloneUntilApproved() throws Exception {
        clusterIssuer("patient-ca", "ca");
        readyClusterIssuer("patient-ca");
        String ns = env.createNamespace("unapproved");
        create(admin, ns, "waiting", "ClusterIssuer", "patient-ca", csr());
        Thread.sleep(3000);
        CertificateRequest untouched = admin.resources(CertificateRequest.class)
                .inNamespace(ns)
                .withName("waiting")
                .get();
        assertNull(readyReason(untouched), "nothing is written before approval");
        approve(admin, ns, "waiting");
        await(CertificateRequest.class, ns, "waiting", r -> "Issued".equals(readyReason(r)));
    }

    @Test
    void deniedRequestFailsWithFailureTime() {
        clusterIssuer("denying-ca", "ca");
        String ns = env.createNamespace("denied");
        create(admin, ns, "nope", "ClusterIssuer", "denying-ca", csr());
        deny(admin, ns, "nope");
        CertificateRequest denied = await(CertificateRequest.class, ns, "nope", r -> "Denied".equals(readyReason(r)));
        assertNotNull(denied.getStatus().getFailureTime());
        assertEquals("False", condition(denied, "Ready").orElseThrow().getStatus());
    }

    @Test
    void badCsrFailsForGood() {
        clusterIssuer("strict-ca", "ca");
        readyClusterIssuer("strict-ca");
        String ns = env.createNamespace("badcsr");
        String weak =
                CsrBuilder.forKey(TestKeyPairs.rsa(1024)).subject("CN=weak").pem();
        create(admin, ns, "weak", "ClusterIssuer", "strict-ca", weak);
        approve(admin, ns, "weak");
        CertificateRequest failed = await(CertificateRequest.class, ns, "weak", r -> "Failed".equals(readyReason(r)));
        assertNotNull(failed.getStatus().getFailureTime());
        String message = condition(failed, "Ready").orElseThrow().getMessage();
        assertTrue(message.contains("2048"), message);
        assertTrue(!message.contains("\tat "), "no stack trace in a condition");
    }

    @Test
    void requestsOfOtherIssuersAreNotOurs() {
        String ns = env.createNamespace("foreign");
        create(admin, ns, "foreign", "Issuer", "ca", "cert-manager.io", csr());
        approve(admin, ns, "foreign");
        // The fence: a request of ours, made after the foreign one, is issued; by then the foreign one was seen.
        clusterIssuer("fence-ca", "ca");
        readyClusterIssuer("fence-ca");
        create(admin, ns, "ours", "ClusterIssuer", "fence-ca", csr());
        approve(admin, ns, "ours");
        await(CertificateRequest.class, ns, "ours", r -> "Issued".equals(readyReason(r)));
        assertNull(readyReason(admin.resources(CertificateRequest.class)
                .inNamespace(ns)
                .withName("foreign")
                .get()));
    }

    @Test
    void issuerCreatedAfterItsRequest() {
        String ns = env.createNamespace("late");
        create(admin, ns, "early", "ClusterIssuer", "late-ca", csr());
        approve(admin, ns, "early");
        CertificateRequest pending =
                await(CertificateRequest.class, ns, "early", r -> "Pending".equals(readyReason(r)));
        assertTrue(condition(pending, "Ready").orElseThrow().getMessage().contains("does not exist"));
        clusterIssuer("late-ca", "ca");
        await(CertificateRequest.class, ns, "early", r -> "Issued".equals(readyReason(r)));
    }

    @Test
    void namespacedIssuerWithoutAuthNeedsTheAmbientFlag() {
        String ns = env.createNamespace("ambient");
        Issuer issuer = new Issuer();
        issuer.getMetadata().setName("team-ca");
        issuer.getMetadata().setNamespace(ns);
        issuer.setSpec(spec("ca"));
        admin.resource(issuer).create();
        Issuer notReady = await(
                Issuer.class,
                ns,
                "team-ca",
                i -> i.getStatus() != null
                        && ready(i.getStatus().getConditions()).isPresent());
        Condition condition = ready(notReady.getStatus().getConditions()).orElseThrow();
        assertEquals("False", condition.getStatus());
        assertEquals("AmbientCredentialsNotAllowed", condition.getReason());
    }

    @Test
    void missingKeyMakesTheIssuerNotReadyWithAReason() {
        clusterIssuer("missing-key-ca", "no-such-key");
        ClusterIssuer issuer = await(
                ClusterIssuer.class,
                null,
                "missing-key-ca",
                i -> i.getStatus() != null
                        && ready(i.getStatus().getConditions()).isPresent());
        assertEquals(
                "KeyNotFound",
                ready(issuer.getStatus().getConditions()).orElseThrow().getReason());
    }

    @Test
    void invalidSpecIsRejectedByTheCrd() {
        ClusterIssuer issuer = new ClusterIssuer();
        issuer.getMetadata().setName("both-forms");
        IssuerSpec spec = spec("ca");
        spec.setKeyURI("azurekms://local.vault.azure.net/ca");
        issuer.setSpec(spec);
        var error = org.junit.jupiter.api.Assertions.assertThrows(
                io.fabric8.kubernetes.client.KubernetesClientException.class,
                () -> admin.resource(issuer).create());
        assertEquals(422, error.getCode());
        assertTrue(error.getMessage().contains("not both"), error.getMessage());
    }

    // ---- Events: what `kubectl describe` shows. EventRecorder writes core/v1 Events; read them as an admin.

    /** Waits for an Event of this type and reason about exactly this object (by uid), and checks its fields. */
    private static Event awaitEvent(String eventNamespace, HasMetadata about, String type, String reason)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<Event> aboutIt = List.of();
        while (System.nanoTime() < deadline) {
            aboutIt = admin.v1().events().inNamespace(eventNamespace).list().getItems().stream()
                    .filter(e -> e.getInvolvedObject() != null
                            && about.getMetadata()
                                    .getUid()
                                    .equals(e.getInvolvedObject().getUid()))
                    .toList();
            Optional<Event> match = aboutIt.stream()
                    .filter(e -> type.equals(e.getType()) && reason.equals(e.getReason()))
                    .findFirst();
            if (match.isPresent()) {
                Event event = match.get();
                assertEquals(about.getKind(), event.getInvolvedObject().getKind());
                assertEquals(about.getApiVersion(), event.getInvolvedObject().getApiVersion());
                assertEquals(
                        about.getMetadata().getName(), event.getInvolvedObject().getName());
                assertEquals(
                        about.getMetadata().getNamespace(),
                        event.getInvolvedObject().getNamespace());
                assertEquals("azure-keyvault-issuer", event.getSource().getComponent());
                assertTrue(!event.getMessage().isBlank() && !event.getMessage().contains("\tat "), event.getMessage());
                return event;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no " + type + " Event " + reason + " about " + about.getKind() + " "
                + about.getMetadata().getName() + " in " + eventNamespace + "; saw: "
                + aboutIt.stream().map(e -> e.getType() + "/" + e.getReason()).toList());
    }

    @Test
    void issuerGoingReadyAndNotReadyIsRecordedAsEvents() throws Exception {
        // A key of its own: disabling it must not disturb the other tests' issuers.
        VaultKey key = vault.createEcKey("evented", "P-256");
        vault.putSecret(
                "evented",
                Pem.encode(new CaCertificateFactory(vault, Clock.systemUTC())
                        .selfSignedRoot(
                                "CN=Evented Root",
                                Duration.ofDays(365),
                                OptionalInt.empty(),
                                key,
                                SignatureAlgorithm.ES256)));
        clusterIssuer("evented-ca", "evented");
        ClusterIssuer issuer = readyClusterIssuer("evented-ca");

        // A ClusterIssuer's Events are in "default": the only namespace the API server takes them in for a
        // cluster-scoped object, where client-go (and so cert-manager) writes them and kubectl describe finds them.
        Event ready = awaitEvent("default", issuer, "Normal", "Checked");
        assertTrue(ready.getMessage().contains(key.keyId()), ready.getMessage());

        vault.disableKey("evented");
        await(
                ClusterIssuer.class,
                null,
                "evented-ca",
                i -> i.getStatus() != null
                        && ready(i.getStatus().getConditions())
                                .map(c -> "KeyDisabled".equals(c.getReason()))
                                .orElse(false));
        awaitEvent("default", issuer, "Warning", "KeyDisabled");
    }

    @Test
    void aNamespacedIssuersEventsAreInItsNamespace() throws Exception {
        String ns = env.createNamespace("issuer-events");
        Issuer issuer = new Issuer();
        issuer.getMetadata().setName("no-auth-ca");
        issuer.getMetadata().setNamespace(ns);
        issuer.setSpec(spec("ca"));
        Issuer created = admin.resource(issuer).create();

        Event notReady = awaitEvent(ns, created, "Warning", "AmbientCredentialsNotAllowed");
        assertTrue(notReady.getMessage().contains("--issuer-ambient-credentials"), notReady.getMessage());
    }

    @Test
    void certificateRequestOutcomesAreRecordedAsEvents() throws Exception {
        clusterIssuer("events-ca", "ca");
        readyClusterIssuer("events-ca");
        String ns = env.createNamespace("request-events");
        create(admin, ns, "issued", "ClusterIssuer", "events-ca", csr());
        approve(admin, ns, "issued");
        create(
                admin,
                ns,
                "weak",
                "ClusterIssuer",
                "events-ca",
                CsrBuilder.forKey(TestKeyPairs.rsa(1024)).subject("CN=weak").pem());
        approve(admin, ns, "weak");
        create(admin, ns, "refused", "ClusterIssuer", "events-ca", csr());
        deny(admin, ns, "refused");
        create(admin, ns, "orphan", "ClusterIssuer", "no-such-ca", csr());
        approve(admin, ns, "orphan");

        CertificateRequest issued = await(CertificateRequest.class, ns, "issued", r -> "Issued".equals(readyReason(r)));
        CertificateRequest failed = await(CertificateRequest.class, ns, "weak", r -> "Failed".equals(readyReason(r)));
        CertificateRequest denied =
                await(CertificateRequest.class, ns, "refused", r -> "Denied".equals(readyReason(r)));
        CertificateRequest pending =
                await(CertificateRequest.class, ns, "orphan", r -> "Pending".equals(readyReason(r)));

        Event issuedEvent = awaitEvent(ns, issued, "Normal", "Issued");
        assertTrue(issuedEvent.getMessage().startsWith("Certificate issued, serial "), issuedEvent.getMessage());
        Event failedEvent = awaitEvent(ns, failed, "Warning", "PermanentError");
        assertTrue(failedEvent.getMessage().contains("2048"), failedEvent.getMessage());
        awaitEvent(ns, denied, "Warning", "Denied");
        awaitEvent(ns, pending, "Warning", "WaitingForIssuerExist");
    }
}
