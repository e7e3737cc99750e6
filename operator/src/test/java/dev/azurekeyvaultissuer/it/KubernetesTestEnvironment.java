package dev.azurekeyvaultissuer.it;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One real kube-apiserver and etcd per test JVM (fabric8 kube-api-test, binaries built by hack/test-env), with our
 * CRDs from crds/, cert-manager's CRDs from its Go module, and the RBAC that kustomize ships. The operator's client
 * impersonates the operator's ServiceAccount, so the tests run with exactly the permissions users install.
 */
public final class KubernetesTestEnvironment {

    public static final String OPERATOR_NAMESPACE = "azure-keyvault-issuer";
    public static final String OPERATOR_SERVICE_ACCOUNT = "azure-keyvault-issuer";
    private static KubernetesTestEnvironment instance;

    private final KubeAPIServer apiServer;
    private final String kubeconfig;
    private final KubernetesClient admin;

    private KubernetesTestEnvironment() throws IOException {
        String dir = requiredEnv("KUBE_API_TEST_DIR");
        apiServer = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(dir)
                .withApiServerVersion(requiredEnv("K8S_VERSION"))
                .withOfflineMode(true)
                .withUpdateKubeConfig(false)
                .withStartupTimeout(120_000)
                .build());
        apiServer.start();
        kubeconfig = apiServer.getKubeConfigYaml();
        admin = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfig)).build();
        Path root = repositoryRoot();
        for (String crd : List.of("issuers.azure-keyvault-issuer.dev.yaml",
                "clusterissuers.azure-keyvault-issuer.dev.yaml")) {
            apply(root.resolve("crds").resolve(crd));
        }
        apply(Path.of(requiredEnv("CERT_MANAGER_CRDS")));
        admin.apiextensions().v1().customResourceDefinitions().list().getItems().forEach(crd ->
                admin.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
                        .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getConditions() != null
                                && c.getStatus().getConditions().stream().anyMatch(
                                        cond -> "Established".equals(cond.getType())
                                                && "True".equals(cond.getStatus())), 60, TimeUnit.SECONDS));
        apply(root.resolve("kustomize/base/namespace.yaml"));
        apply(root.resolve("kustomize/base/serviceaccount.yaml"));
        apply(root.resolve("kustomize/base/rbac.yaml"));
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

    /** cluster-admin, for arranging tests the way a user would. */
    public KubernetesClient admin() {
        return admin;
    }

    public String kubeconfig() {
        return kubeconfig;
    }

    /** A client that acts as the operator's ServiceAccount, with the RBAC of kustomize/base. */
    public KubernetesClient operatorClient() {
        Config config = Config.fromKubeconfig(kubeconfig);
        config.setImpersonateUsername("system:serviceaccount:" + OPERATOR_NAMESPACE + ":" + OPERATOR_SERVICE_ACCOUNT);
        config.setImpersonateGroups("system:serviceaccounts", "system:serviceaccounts:" + OPERATOR_NAMESPACE,
                "system:authenticated");
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    public String createNamespace(String prefix) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
                .create();
        return name;
    }

    public void apply(Path manifest) throws IOException {
        try (InputStream in = Files.newInputStream(manifest)) {
            List<HasMetadata> items = admin.load(in).items();
            for (HasMetadata item : items) {
                admin.resource(item).fieldManager("tests").forceConflicts().serverSideApply();
            }
        }
    }

    public static Path repositoryRoot() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("crds")) ? here : here.getParent();
    }

    private static String requiredEnv(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(name + " is not set: run the tests with `make test`, which builds the "
                    + "test environment (hack/test-env) and exports it");
        }
        return value;
    }
}
