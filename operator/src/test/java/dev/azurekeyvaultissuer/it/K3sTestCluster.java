package dev.azurekeyvaultissuer.it;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * k3s in a container (Testcontainers), prepared like {@link KubernetesTestEnvironment}: our CRDs, cert-manager's, and
 * kustomize/base's namespace, ServiceAccount and RBAC. Unlike a bare kube-apiserver it also runs the controller
 * manager and a kubelet. Needs a Docker engine; the tests that use it are skipped without one.
 */
final class K3sTestCluster implements TestCluster {

    /** Kubernetes 1.34.4, the version hack/test-env builds kube-apiserver at (K8S_VERSION). */
    static final DockerImageName IMAGE = DockerImageName.parse("rancher/k3s:v1.34.4-k3s1");

    private final String kubeconfig;
    private final KubernetesClient admin;

    private K3sTestCluster(String kubeconfig) {
        this.kubeconfig = kubeconfig;
        this.admin = new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(kubeconfig))
                .build();
    }

    /** A container to start; creating it does not talk to Docker. */
    static K3sContainer container() {
        return new K3sContainer(IMAGE);
    }

    /** The cluster in a started {@code container}, with the project's resources installed. */
    static K3sTestCluster on(K3sContainer container) throws IOException {
        K3sTestCluster cluster = new K3sTestCluster(container.getKubeConfigYaml());
        cluster.installProjectResources();
        return cluster;
    }

    @Override
    public KubernetesClient admin() {
        return admin;
    }

    @Override
    public String kubeconfig() {
        return kubeconfig;
    }
}
