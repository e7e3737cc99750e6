package dev.azurekeyvaultissuer.it;

import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.k3s.K3sContainer;

/**
 * {@link CertManagerEndToEndSuite} on k3s in a container ({@link K3sTestCluster}); cert-manager's controller and
 * cmctl still run on this host with the container's kubeconfig, the operator in-process, the emulator on this host.
 * Skipped, not failed, where no Docker engine answers: this project's CI has none, so it never counts as verification
 * there. The rest of the environment (cert-manager's controller, CRDs, cmctl) still has to be there, as for
 * {@link CertManagerEndToEndIT}.
 */
@Testcontainers(disabledWithoutDocker = true)
class K3sCertManagerEndToEndIT extends CertManagerEndToEndSuite {

    // Started by the Testcontainers extension before @BeforeAll and stopped after every @AfterAll, so after the
    // operator and cert-manager's controller.
    @Container
    static final K3sContainer K3S = K3sTestCluster.container();

    @BeforeAll
    static void startOnK3s() throws Exception {
        start(K3sTestCluster.on(K3S), "cert-manager-e2e-k3s");
    }
}
