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
 * CRDs from crds/, cert-manager's CRDs from its Go module, and the RBAC that kustomize ships. The operator's client
 * impersonates the operator's ServiceAccount, so the tests run with exactly the permissions users install.
 */
public final class KubernetesTestEnvironment implements TestCluster {

    private static KubernetesTestEnvironment instance;

    private final KubeAPIServer apiServer;
    private final String kubeconfig;
    private final KubernetesClient admin;

    private KubernetesTestEnvironment() throws IOException {
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
        admin = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfig)).build();
        installProjectResources();
    }

    public static synchronized KubernetesTestEnvironment get() {
        if (instance == null) {
            try {
                instance = new KubernetesTestEnvironment();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(instance.apiServer::stop));
        }
        return instance;
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
