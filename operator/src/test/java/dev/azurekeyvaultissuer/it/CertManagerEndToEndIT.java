package dev.azurekeyvaultissuer.it;

import org.junit.jupiter.api.BeforeAll;

/**
 * {@link CertManagerEndToEndSuite} on the kube-apiserver and etcd that hack/test-env builds
 * ({@link KubernetesTestEnvironment}). Fails, never skips, when a piece of that environment is missing.
 *
 * <p>Shares the API server with the other ITs of the JVM (failsafe runs the classes one after another): while this
 * class runs, cert-manager's approver would also approve CertificateRequests another class left unapproved; their
 * issuers' vaults are gone by then, so those would just stay pending. The controller is stopped after the class.
 */
class CertManagerEndToEndIT extends CertManagerEndToEndSuite {

    @BeforeAll
    static void startOnTheTestEnvironment() throws Exception {
        start(KubernetesTestEnvironment.get(), "cert-manager-e2e");
    }
}
