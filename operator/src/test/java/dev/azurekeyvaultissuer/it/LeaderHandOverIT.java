package dev.azurekeyvaultissuer.it;

import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.approve;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.create;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.readyReason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.api.IssuerSpec;
import dev.azurekeyvaultissuer.config.OperatorConfig;
import dev.azurekeyvaultissuer.controller.OperatorRuntime;
import dev.azurekeyvaultissuer.issuer.IssuerAvailability;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.pki.CaCertificateFactory;
import dev.azurekeyvaultissuer.pki.Pem;
import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.LocalKeyVault;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Two replicas with leader election, as a rolling update has them: the standby is ready but does not sign; when the
 * leader stops it hands the Lease back, and the standby leads and signs within about a second instead of waiting
 * 15 s for the Lease to expire. The standby checked the issuers while it waited (reads only, nothing written).
 */
class LeaderHandOverIT {

    private static final String LEASE = "azure-keyvault-issuer-leader";

    private static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out: " + what);
            }
            Thread.sleep(20);
        }
    }

    private static CertificateRequest issued(KubernetesClient admin, String ns, String name, String csr) {
        create(admin, ns, name, "ClusterIssuer", "handover-ca", csr);
        approve(admin, ns, name);
        return admin.resources(CertificateRequest.class)
                .inNamespace(ns)
                .withName(name)
                .waitUntilCondition(r -> r != null && "Issued".equals(readyReason(r)), 60, TimeUnit.SECONDS);
    }

    @Test
    void theLeaderHandsItsLeaseToTheStandbyOnShutdown() throws Exception {
        KubernetesTestEnvironment env = KubernetesTestEnvironment.get();
        KubernetesClient admin = env.admin();
        LocalKeyVault vault = new LocalKeyVault("https://handover.vault.azure.net", Clock.systemUTC());
        VaultKey key = vault.createEcKey("handover-ca", "P-256");
        vault.putSecret(
                "handover-ca",
                Pem.encode(new CaCertificateFactory(vault, Clock.systemUTC())
                        .selfSignedRoot(
                                "CN=Hand-over Root",
                                Duration.ofDays(30),
                                OptionalInt.empty(),
                                key,
                                SignatureAlgorithm.ES256)));
        ClusterIssuer issuer = new ClusterIssuer();
        issuer.getMetadata().setName("handover-ca");
        IssuerSpec spec = new IssuerSpec();
        spec.setVaultURL("https://handover.vault.azure.net");
        spec.setKeyName("handover-ca");
        issuer.setSpec(spec);
        admin.resource(issuer).create();
        String ns = env.createNamespace("handover");
        String csr = CsrBuilder.forKey(TestKeyPairs.ec("P-256"))
                .subject("CN=handover")
                .dns("h.example.com")
                .pem();
        OperatorConfig config = EmulatedVaults.operatorConfig(KubernetesTestEnvironment.OPERATOR_NAMESPACE)
                .withLeaderElection(KubernetesTestEnvironment.OPERATOR_NAMESPACE);

        try (KubernetesClient firstClient = env.operatorClient();
                KubernetesClient secondClient = env.operatorClient();
                OperatorRuntime first = OperatorRuntime.create(firstClient, config, c -> vault, Clock.systemUTC());
                OperatorRuntime second = OperatorRuntime.create(secondClient, config, c -> vault, Clock.systemUTC())) {
            first.start();
            await(first::isLeader, Duration.ofSeconds(30), "the first replica leads");
            second.start();
            await(second::isReady, Duration.ofSeconds(60), "the standby is ready");
            assertFalse(second.isLeader(), "one leader");
            await(
                    () -> second.registry()
                                    .availability(
                                            IssuerId.clusterIssuer("handover-ca"),
                                            admin.resources(ClusterIssuer.class)
                                                    .withName("handover-ca")
                                                    .get()
                                                    .getMetadata()
                                                    .getUid(),
                                            1)
                            instanceof IssuerAvailability.Ready,
                    Duration.ofSeconds(30),
                    "the standby has checked the issuer, reads only, before it leads");
            issued(admin, ns, "before", csr);
            Lease held = admin.leases()
                    .inNamespace(KubernetesTestEnvironment.OPERATOR_NAMESPACE)
                    .withName(LEASE)
                    .get();
            String firstHolder = held.getSpec().getHolderIdentity();

            long stopping = System.nanoTime();
            first.close();
            await(second::isLeader, Duration.ofSeconds(10), "the standby leads");
            double handOver = (System.nanoTime() - stopping) / 1e9;
            System.out.printf("hand-over: the standby led %.2f s after the leader began to stop%n", handOver);
            // The Lease lasts 15 s: without the release the standby would wait for it to expire.
            assertTrue(handOver < 5, "led after " + handOver + " s");
            Lease taken = admin.leases()
                    .inNamespace(KubernetesTestEnvironment.OPERATOR_NAMESPACE)
                    .withName(LEASE)
                    .get();
            assertNotEquals(firstHolder, taken.getSpec().getHolderIdentity());

            int signs = vault.signCalls();
            long asked = System.nanoTime();
            issued(admin, ns, "after", csr);
            System.out.printf(
                    "hand-over: the new leader issued a new request in %.2f s%n", (System.nanoTime() - asked) / 1e9);
            assertEquals(signs + 1, vault.signCalls(), "the new leader signs, once");
        } finally {
            admin.resources(ClusterIssuer.class).withName("handover-ca").delete();
        }
    }
}
