package dev.azurekeyvaultissuer.it;

import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.approve;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.create;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.readyReason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.api.IssuerSpec;
import dev.azurekeyvaultissuer.config.OperatorConfig;
import dev.azurekeyvaultissuer.controller.OperatorRuntime;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.pki.CaCertificateFactory;
import dev.azurekeyvaultissuer.pki.Pem;
import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.LocalKeyVault;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * 200 approved requests in 50 namespaces, with the operator stopped in the middle and a new one started: every
 * request ends Issued, and nothing Issued is ever signed again, not by the second operator nor by a third one.
 */
class RestartAndScaleIT {

    private static final int NAMESPACES = 50;
    private static final int PER_NAMESPACE = 4;
    private static final int TOTAL = NAMESPACES * PER_NAMESPACE;

    @Test
    void restartInTheMiddleOfTwoHundredRequests() throws Exception {
        KubernetesTestEnvironment env = KubernetesTestEnvironment.get();
        KubernetesClient admin = env.admin();
        LocalKeyVault vault = new LocalKeyVault("https://scale.vault.azure.net", Clock.systemUTC());
        VaultKey key = vault.createRsaKey("scale-ca", 2048);
        vault.putSecret(
                "scale-ca",
                Pem.encode(new CaCertificateFactory(vault, Clock.systemUTC())
                        .selfSignedRoot(
                                "CN=Scale Root",
                                Duration.ofDays(30),
                                OptionalInt.empty(),
                                key,
                                SignatureAlgorithm.RS256)));
        vault.resetCalls();

        ClusterIssuer issuer = new ClusterIssuer();
        issuer.getMetadata().setName("scale-ca");
        IssuerSpec spec = new IssuerSpec();
        spec.setVaultURL("https://scale.vault.azure.net");
        spec.setKeyName("scale-ca");
        issuer.setSpec(spec);
        admin.resource(issuer).create();

        String csr = CsrBuilder.forKey(TestKeyPairs.ec("P-256"))
                .subject("CN=scale")
                .dns("scale.example.com")
                .pem();
        List<String> namespaces = new ArrayList<>();
        for (int n = 0; n < NAMESPACES; n++) {
            String ns = env.createNamespace("scale");
            namespaces.add(ns);
            for (int r = 0; r < PER_NAMESPACE; r++) {
                create(admin, ns, "req-" + r, "ClusterIssuer", "scale-ca", csr);
                approve(admin, ns, "req-" + r);
            }
        }

        OperatorConfig config = EmulatedVaults.operatorConfig(KubernetesTestEnvironment.OPERATOR_NAMESPACE);
        int firstRun;
        try (KubernetesClient client = env.operatorClient();
                OperatorRuntime first = OperatorRuntime.create(client, config, c -> vault, Clock.systemUTC())) {
            first.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (vault.signCalls() < TOTAL / 4 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            firstRun = vault.signCalls();
        }
        assertTrue(firstRun > 0 && firstRun < TOTAL, "the first operator stopped in the middle, after " + firstRun);

        try (KubernetesClient client = env.operatorClient();
                OperatorRuntime second = OperatorRuntime.create(client, config, c -> vault, Clock.systemUTC())) {
            second.start();
            for (String ns : namespaces) {
                for (int r = 0; r < PER_NAMESPACE; r++) {
                    admin.resources(CertificateRequest.class)
                            .inNamespace(ns)
                            .withName("req-" + r)
                            .waitUntilCondition(
                                    cr -> cr != null && "Issued".equals(readyReason(cr)),
                                    180,
                                    java.util.concurrent.TimeUnit.SECONDS);
                }
            }
        }
        int signed = vault.signCalls();
        // A request signed just as the first operator stopped may be signed again before its status is stored;
        // at most one per reconcile thread that was busy then.
        assertTrue(
                signed >= TOTAL && signed <= TOTAL + config.concurrentReconciliations(),
                "signs: " + signed + " for " + TOTAL + " requests");

        Map<String, String> certificates = new HashMap<>();
        namespaces.forEach(ns -> admin.resources(CertificateRequest.class)
                .inNamespace(ns)
                .list()
                .getItems()
                .forEach(cr -> certificates.put(
                        ns + "/" + cr.getMetadata().getName(), cr.getStatus().getCertificate())));
        try (KubernetesClient client = env.operatorClient();
                OperatorRuntime third = OperatorRuntime.create(client, config, c -> vault, Clock.systemUTC())) {
            third.start();
            // The fence: a request made now is issued, so the third operator has seen the Issued ones by then.
            String fence = env.createNamespace("scale-fence");
            create(admin, fence, "fence", "ClusterIssuer", "scale-ca", csr);
            approve(admin, fence, "fence");
            ClusterAssert.issued(admin, fence, "fence");
        }
        assertEquals(
                signed + 1,
                vault.signCalls(),
                "an operator restarted over Issued requests signs nothing of them, only the fence");
        admin.resources(ClusterIssuer.class).withName("scale-ca").delete();
        namespaces.forEach(ns -> admin.resources(CertificateRequest.class)
                .inNamespace(ns)
                .list()
                .getItems()
                .forEach(cr -> assertEquals(
                        certificates.get(ns + "/" + cr.getMetadata().getName()),
                        cr.getStatus().getCertificate())));
    }
}
