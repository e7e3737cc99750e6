package dev.azurekeyvaultissuer.it;

import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.approve;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.create;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.decode;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.readyReason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.api.IssuerSpec;
import dev.azurekeyvaultissuer.keyvault.KeyReference;
import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.pki.CaCertificateFactory;
import dev.azurekeyvaultissuer.pki.Pem;
import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.ForwardingKeyVault;
import dev.azurekeyvaultissuer.testing.LocalKeyVault;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.certmanager.api.model.v1.CertificateRequestBuilder;
import io.fabric8.certmanager.api.model.v1.CertificateRequestConditionBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What one tenant's actions, or the operator's own races, must never do to a request, on a real kube-apiserver with
 * the shipped RBAC: overwrite a final certificate, or let an issuer re-created under an old name sign with what was
 * checked for the old one. The vault is in memory, with hooks that stop the world at the racy moment.
 */
class TenantIsolationIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final InProcessOperator operator = new InProcessOperator();

    private static KubernetesTestEnvironment env;
    private static KubernetesClient admin;
    private static LocalKeyVault vault;
    private static final SimpleMeterRegistry METERS = new SimpleMeterRegistry();
    /** Runs inside the next sign, before the signature is returned. */
    private static final AtomicReference<Runnable> duringNextSign = new AtomicReference<>();
    /** Holds every getKey of the named key until released. */
    private static final AtomicReference<String> holdGetKeyOf = new AtomicReference<>();

    private static volatile CountDownLatch getKeyReleased = new CountDownLatch(0);

    @BeforeAll
    static void startOperator() {
        env = operator.env();
        admin = operator.admin();
        vault = new LocalKeyVault(LocalKeyVault.DEFAULT_URL, Clock.systemUTC());
        root("old-ca", "CN=Old Team Root");
        root("new-ca", "CN=New Team Root");
        operator.start(
                InProcessOperator.config().withResyncInterval(Duration.ofSeconds(5)),
                credentials -> new HookedVault(vault),
                METERS);
    }

    @AfterAll
    static void releaseHeldCalls() {
        // Before the operator stops: a reconcile held in getKey must not keep it from stopping.
        getKeyReleased.countDown();
    }

    private static void root(String key, String subject) {
        VaultKey k = vault.createEcKey(key, "P-256");
        vault.putSecret(
                key,
                Pem.encode(new CaCertificateFactory(vault, Clock.systemUTC())
                        .selfSignedRoot(
                                subject, Duration.ofDays(365), OptionalInt.empty(), k, SignatureAlgorithm.ES256)));
    }

    private static ClusterIssuer clusterIssuer(String name, String keyName) {
        IssuerSpec spec = new IssuerSpec();
        spec.setVaultURL(LocalKeyVault.DEFAULT_URL);
        spec.setKeyName(keyName);
        ClusterIssuer issuer = new ClusterIssuer();
        issuer.getMetadata().setName(name);
        issuer.setSpec(spec);
        return admin.resource(issuer).create();
    }

    private static boolean ready(ClusterIssuer issuer) {
        return ClusterAssert.<ClusterIssuer>isReady().test(issuer);
    }

    private static ClusterIssuer awaitIssuer(String name, Predicate<ClusterIssuer> test) {
        return ClusterAssert.await(admin, ClusterIssuer.class, null, name, WAIT, test);
    }

    private static CertificateRequest awaitRequest(String ns, String name, Predicate<CertificateRequest> test) {
        return ClusterAssert.await(admin, CertificateRequest.class, ns, name, WAIT, test);
    }

    private static String csr(String dns) {
        return CsrBuilder.forKey(TestKeyPairs.ec("P-256"))
                .subject("CN=" + dns)
                .dns(dns)
                .pem();
    }

    private static X509Certificate leaf(CertificateRequest request) {
        return Pem.decodeCertificates(decode(request.getStatus().getCertificate()), 1 << 20)
                .get(0);
    }

    @Test
    void aCertificateFinalBeforeOurWriteIsNeverOverwritten() throws Exception {
        clusterIssuer("race-ca", "old-ca");
        awaitIssuer("race-ca", TenantIsolationIT::ready);
        String ns = env.createNamespace("race");
        create(admin, ns, "app", "ClusterIssuer", "race-ca", csr("app.example.com"));
        // While the operator signs from what it read, the request becomes final: as when a reconcile ran from a
        // cache that did not yet show the certificate this operator had already written.
        String theirs = Base64.getEncoder()
                .encodeToString("-----BEGIN CERTIFICATE-----\nTHEIRS\n".getBytes(StandardCharsets.US_ASCII));
        CountDownLatch signed = new CountDownLatch(1);
        duringNextSign.set(() -> {
            CertificateRequest patch = new CertificateRequestBuilder()
                    .withNewMetadata()
                    .withName("app")
                    .withNamespace(ns)
                    .endMetadata()
                    .withNewStatus()
                    .withConditions(new CertificateRequestConditionBuilder()
                            .withType("Ready")
                            .withStatus("True")
                            .withReason("Issued")
                            .withMessage("issued by the earlier reconcile")
                            .withLastTransitionTime("2026-01-01T00:00:00Z")
                            .build())
                    .withCertificate(theirs)
                    .endStatus()
                    .build();
            admin.resource(patch)
                    .subresource("status")
                    .patch(new PatchContext.Builder()
                            .withPatchType(PatchType.SERVER_SIDE_APPLY)
                            .withFieldManager("earlier-reconcile")
                            .withForce(true)
                            .build());
            signed.countDown();
        });
        approve(admin, ns, "app");
        assertTrue(signed.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the operator signed");

        // A fence: a request made after the race is issued, so the operator is past the racy write.
        create(admin, ns, "fence", "ClusterIssuer", "race-ca", csr("fence.example.com"));
        approve(admin, ns, "fence");
        awaitRequest(ns, "fence", r -> "Issued".equals(readyReason(r)));

        // The Event follows the status write: wait for the fence's, then look for one about "app".
        admin.v1()
                .events()
                .inNamespace(ns)
                .informOnCondition(list -> list.stream()
                        .anyMatch(
                                e -> "fence".equals(e.getInvolvedObject().getName()) && "Issued".equals(e.getReason())))
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);
        CertificateRequest app = admin.resources(CertificateRequest.class)
                .inNamespace(ns)
                .withName("app")
                .get();
        assertEquals(theirs, app.getStatus().getCertificate(), "the final certificate was kept");
        List<Event> events = admin.v1().events().inNamespace(ns).list().getItems();
        assertFalse(
                events.stream()
                        .anyMatch(e -> "app".equals(e.getInvolvedObject().getName()) && "Issued".equals(e.getReason())),
                "no Issued event for a certificate that was dropped");
    }

    @Test
    void anIssuerCreatedAgainUnderTheSameNameSignsOnlyAfterItsOwnCheck() throws Exception {
        clusterIssuer("team-ca", "old-ca");
        awaitIssuer("team-ca", TenantIsolationIT::ready);
        assertFalse(METERS.find("akvi.issuer.ready")
                .tag("issuer", "ClusterIssuer team-ca")
                .gauges()
                .isEmpty());

        getKeyReleased = new CountDownLatch(1);
        holdGetKeyOf.set("new-ca"); // the new object's first check hangs in the vault
        admin.resources(ClusterIssuer.class)
                .withName("team-ca")
                .withTimeout(30, TimeUnit.SECONDS)
                .delete();
        // Deleted: its series go (a dashboard would otherwise show it ready forever).
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!METERS.find("akvi.issuer.ready")
                        .tag("issuer", "ClusterIssuer team-ca")
                        .gauges()
                        .isEmpty()
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(
                METERS.find("akvi.issuer.ready")
                        .tag("issuer", "ClusterIssuer team-ca")
                        .gauges()
                        .isEmpty(),
                "no akvi_issuer_ready series of a deleted issuer");

        clusterIssuer("team-ca", "new-ca"); // same name, generation 1 again, another key
        String ns = env.createNamespace("recreated");
        create(admin, ns, "early", "ClusterIssuer", "team-ca", csr("early.example.com"));
        approve(admin, ns, "early");
        CertificateRequest waiting = awaitRequest(ns, "early", r -> "Pending".equals(readyReason(r)));
        assertTrue(waiting.getStatus().getCertificate() == null, "nothing signed with the old object's key");

        getKeyReleased.countDown();
        CertificateRequest issued = awaitRequest(ns, "early", r -> "Issued".equals(readyReason(r)));
        assertEquals(
                "CN=New Team Root",
                leaf(issued).getIssuerX500Principal().getName(),
                "signed by the new issuer's key, after its own check");
    }

    /** The in-memory vault with the two hooks above. */
    private static final class HookedVault extends ForwardingKeyVault {

        HookedVault(KeyVault delegate) {
            super(delegate);
        }

        @Override
        public VaultKey getKey(KeyReference key) {
            if (key.name().equals(holdGetKeyOf.get())) {
                try {
                    getKeyReleased.await(WAIT.toSeconds(), TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return super.getKey(key);
        }

        @Override
        public byte[] sign(VaultKey key, SignatureAlgorithm algorithm, byte[] digest) {
            byte[] signature = super.sign(key, algorithm, digest);
            Runnable hook = duringNextSign.getAndSet(null);
            if (hook != null) {
                hook.run();
            }
            return signature;
        }
    }
}
