package dev.azurekeyvaultissuer.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link CertManagerEndToEndSuite} with cert-manager v1.11.5, the oldest release tested, on a kube-apiserver and etcd
 * of its own (hack/test-env's binaries) that get v1.11.5's CRDs ($CERT_MANAGER_V1_11_CRDS); the other ITs share the
 * API server with the current release's CRDs. Fails, never skips, when a piece of that environment is missing.
 */
class CertManagerV111EndToEndIT extends CertManagerEndToEndSuite {

    private static KubernetesTestEnvironment v111Cluster;

    @BeforeAll
    static void startOnAnApiServerWithV111Crds() throws Exception {
        CertManagerController.Release release = CertManagerController.Release.V1_11;
        release.binary();
        v111Cluster = KubernetesTestEnvironment.separate(release.crds());
        start(v111Cluster, release, "cert-manager-e2e-v1.11");
    }

    @AfterAll
    static void stopTheApiServer() {
        stop(); // before the API server goes (JUnit runs this class's @AfterAll before the suite's)
        if (v111Cluster != null) {
            v111Cluster.close();
            v111Cluster = null;
        }
    }
}
