package dev.azurekeyvaultissuer.it;

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
 * A Kubernetes API server the integration tests run against, prepared the same way whoever runs it
 * ({@link #installProjectResources}): {@link KubernetesTestEnvironment} (kube-apiserver and etcd on this host) or
 * {@link K3sTestCluster} (k3s in a container).
 */
public interface TestCluster {

    String OPERATOR_NAMESPACE = "azure-keyvault-issuer";
    String OPERATOR_SERVICE_ACCOUNT = "azure-keyvault-issuer";

    /** cluster-admin, for arranging tests the way a user would. */
    KubernetesClient admin();

    /** cluster-admin's kubeconfig, for the tools that run as processes (cert-manager's controller, cmctl). */
    String kubeconfig();

    /** A client that acts as the operator's ServiceAccount, with the RBAC of kustomize/base. */
    default KubernetesClient operatorClient() {
        Config config = Config.fromKubeconfig(kubeconfig());
        config.setImpersonateUsername("system:serviceaccount:" + OPERATOR_NAMESPACE + ":" + OPERATOR_SERVICE_ACCOUNT);
        config.setImpersonateGroups(
                "system:serviceaccounts", "system:serviceaccounts:" + OPERATOR_NAMESPACE, "system:authenticated");
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    default String createNamespace(String prefix) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        admin().namespaces()
                .resource(new NamespaceBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .endMetadata()
                        .build())
                .create();
        return name;
    }

    /** Creates the namespace unless it exists (fixed names, such as cert-manager's, shared by test classes). */
    default void ensureNamespace(String name) {
        if (admin().namespaces().withName(name).get() == null) {
            admin().namespaces()
                    .resource(new NamespaceBuilder()
                            .withNewMetadata()
                            .withName(name)
                            .endMetadata()
                            .build())
                    .create();
        }
    }

    default void apply(Path manifest) throws IOException {
        try (InputStream in = Files.newInputStream(manifest)) {
            List<HasMetadata> items = admin().load(in).items();
            for (HasMetadata item : items) {
                admin().resource(item).fieldManager("tests").forceConflicts().serverSideApply();
            }
        }
    }

    /** The cert-manager CRDs this cluster gets: by default those of the current release ($CERT_MANAGER_CRDS). */
    default Path certManagerCrds() {
        return CertManagerController.Release.CURRENT.crds();
    }

    /**
     * What every test cluster has before a test runs: our CRDs from crds/, cert-manager's from
     * {@link #certManagerCrds()} (all established), then kustomize/base's namespace, ServiceAccount and RBAC.
     */
    default void installProjectResources() throws IOException {
        Path root = repositoryRoot();
        for (String crd :
                List.of("issuers.azure-keyvault-issuer.dev.yaml", "clusterissuers.azure-keyvault-issuer.dev.yaml")) {
            apply(root.resolve("crds").resolve(crd));
        }
        apply(certManagerCrds());
        awaitCrdsEstablished();
        apply(root.resolve("kustomize/base/namespace.yaml"));
        apply(root.resolve("kustomize/base/serviceaccount.yaml"));
        apply(root.resolve("kustomize/base/rbac.yaml"));
    }

    /** Waits until every CustomResourceDefinition of the cluster is Established. */
    default void awaitCrdsEstablished() {
        KubernetesClient admin = admin();
        admin.apiextensions()
                .v1()
                .customResourceDefinitions()
                .list()
                .getItems()
                .forEach(crd -> admin.apiextensions()
                        .v1()
                        .customResourceDefinitions()
                        .withName(crd.getMetadata().getName())
                        .waitUntilCondition(
                                c -> c.getStatus() != null
                                        && c.getStatus().getConditions() != null
                                        && c.getStatus().getConditions().stream()
                                                .anyMatch(cond -> "Established".equals(cond.getType())
                                                        && "True".equals(cond.getStatus())),
                                60,
                                TimeUnit.SECONDS));
    }

    static Path repositoryRoot() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("crds")) ? here : here.getParent();
    }

    static String requiredEnv(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(name + " is not set: run the tests with `make test`, which builds the "
                    + "test environment (hack/test-env) and exports it");
        }
        return value;
    }
}
