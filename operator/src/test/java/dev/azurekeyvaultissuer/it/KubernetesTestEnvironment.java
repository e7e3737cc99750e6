package dev.azurekeyvaultissuer.it;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One real kube-apiserver and etcd per test JVM (fabric8 kube-api-test, binaries built by hack/test-env), with our
 * CRDs from crds/, the CRDs of cert-manager's current release, and the RBAC that kustomize ships. The operator's client
 * impersonates the operator's ServiceAccount, so the tests run with exactly the permissions users install.
 * {@link #separate} starts another one, with another release's cert-manager CRDs, for one test class.
 */
public final class KubernetesTestEnvironment implements TestCluster, AutoCloseable {

    private static KubernetesTestEnvironment instance;

    private final KubeAPIServer apiServer;
    private final String kubeconfig;
    private final KubernetesClient admin;
    private final Path certManagerCrds;

    private KubernetesTestEnvironment(Path certManagerCrds) throws IOException {
        this.certManagerCrds = certManagerCrds;
        String dir = TestCluster.requiredEnv("KUBE_API_TEST_DIR");
        apiServer = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(dir)
                .withApiServerVersion(TestCluster.requiredEnv("K8S_VERSION"))
                .withOfflineMode(true)
                .withUpdateKubeConfig(false)
                .withStartupTimeout(120_000)
                .build());
        apiServer.start();
        kubeconfig = apiServer.getKubeConfigYaml();
        admin = new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(kubeconfig))
                .build();
        installProjectResources();
    }

    public static synchronized KubernetesTestEnvironment get() {
        if (instance == null) {
            try {
                instance = new KubernetesTestEnvironment(CertManagerController.Release.CURRENT.crds());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(instance.apiServer::stop));
        }
        return instance;
    }

    /**
     * An API server of its own, prepared like the shared one but with {@code certManagerCrds}; the caller closes it.
     */
    static KubernetesTestEnvironment separate(Path certManagerCrds) throws IOException {
        return new KubernetesTestEnvironment(certManagerCrds);
    }

    @Override
    public Path certManagerCrds() {
        return certManagerCrds;
    }

    /** Stops a {@link #separate} API server; the shared one stops when the JVM exits. */
    @Override
    public void close() {
        if (this == instance) {
            return;
        }
        admin.close();
        apiServer.stop();
    }

    @Override
    public KubernetesClient admin() {
        return admin;
    }

    @Override
    public String kubeconfig() {
        return kubeconfig;
    }

    public static Path repositoryRoot() {
        return TestCluster.repositoryRoot();
    }
}
