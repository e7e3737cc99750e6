package dev.azurekeyvaultissuer.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FieldValidateable.Validation;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Everything we ship as manifests, rendered the way users render it ({@code $KUBECTL kustomize} of the base and of
 * every overlay, {@code $HELM template} of the chart with default values and with every feature on, the documented
 * examples in docs/examples as they are), then applied object by object to the real kube-apiserver of the test
 * environment with a server-side dry-run and strict field validation: unknown or duplicate fields, wrong types, CRD
 * schema violations, missing namespaces and admission refusals all fail here. Pod templates (of Deployments and
 * Jobs) are also dry-run created as Pods in the operator's namespace, which enforces the restricted Pod Security
 * Standard. Finally the chart's RBAC must grant exactly what kustomize/base grants.
 *
 * <p>The ServiceMonitor that the chart renders with {@code metrics.serviceMonitor.enabled} is checked against a
 * minimal CRD installed here (prometheus-operator's group, kind and the schema of the fields the chart sets), since
 * the test environment does not carry prometheus-operator.
 */
class ManifestsIT {

    private static final String NAMESPACE = KubernetesTestEnvironment.OPERATOR_NAMESPACE;
    private static final String RELEASE = "azure-keyvault-issuer";
    private static final YAMLMapper YAML = new YAMLMapper();

    private static KubernetesTestEnvironment env;
    private static KubernetesClient admin;
    /** cluster-admin without retries: a refused object fails at once (the default retries 5xx with backoff). */
    private static KubernetesClient dryRun;

    private static Path root;

    @AfterAll
    static void tearDown() {
        if (dryRun != null) {
            dryRun.close();
        }
    }

    @BeforeAll
    static void setUp() {
        env = KubernetesTestEnvironment.get();
        admin = env.admin();
        Config config = Config.fromKubeconfig(env.kubeconfig());
        config.setRequestRetryBackoffLimit(0);
        dryRun = new KubernetesClientBuilder().withConfig(config).build();
        root = KubernetesTestEnvironment.repositoryRoot();
        applyServiceMonitorCrd();
    }

    /** One rendering of the manifests: a name for the report and the objects it produced. */
    record Rendering(String name, List<Map<String, Object>> objects) {

        Stream<Map<String, Object>> ofKind(String kind) {
            return objects.stream().filter(o -> kind.equals(o.get("kind")));
        }

        Map<String, Object> one(String kind, String name) {
            List<Map<String, Object>> found =
                    ofKind(kind).filter(o -> name.equals(nameOf(o))).toList();
            assertEquals(
                    1, found.size(), this.name + ": expected one " + kind + " " + name + ", found " + found.size());
            return found.get(0);
        }
    }

    static List<Rendering> renderings() {
        List<Rendering> all = new ArrayList<>();
        all.add(kustomize(root.resolve("kustomize/base")));
        overlays().forEach(overlay -> all.add(kustomize(overlay)));
        all.add(helm("default"));
        all.add(helm("all-features"));
        all.add(helm("client-certificate"));
        all.add(example("docs/examples/create-ca-cert-job.yaml"));
        all.add(example("docs/examples/workload-identity-team-rbac.yaml"));
        return all;
    }

    /** A documented example that users apply as it is (kubectl apply -f). */
    private static Rendering example(String path) {
        try {
            return new Rendering(path, readYaml(root.resolve(path)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Path> overlays() {
        try (Stream<Path> dirs = Files.list(root.resolve("kustomize/overlays"))) {
            List<Path> found = dirs.filter(d -> Files.exists(d.resolve("kustomization.yaml")))
                    .sorted(Comparator.comparing(Path::toString))
                    .toList();
            assertTrue(found.size() >= 3, "expected the overlays workload-identity, service-principal and ha");
            return found;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Every object of every rendering is accepted by the API server.

    @TestFactory
    Stream<DynamicTest> everyRenderedObjectIsAcceptedByTheApiServer() {
        return renderings().stream().map(r -> DynamicTest.dynamicTest(r.name(), () -> dryRunApplyAll(r)));
    }

    private static void dryRunApplyAll(Rendering rendering) {
        assertFalse(rendering.objects().isEmpty(), rendering.name() + " rendered nothing");
        // Namespaces that objects live in are created for real: a dry-run cannot create them for the objects.
        rendering.objects().stream()
                .map(ManifestsIT::namespaceOf)
                .filter(Objects::nonNull)
                .distinct()
                .forEach(env::ensureNamespace);
        List<String> refused = new ArrayList<>();
        // CRDs first, then namespaces, then the rest, as kubectl and helm order them.
        List<Map<String, Object>> ordered = rendering.objects().stream()
                .sorted(Comparator.comparingInt(ManifestsIT::applyOrder))
                .toList();
        for (Map<String, Object> object : ordered) {
            try {
                HasMetadata applied = dryRun.resource(generic(object))
                        .dryRun()
                        .fieldValidation(Validation.STRICT)
                        .fieldManager("manifests-it")
                        .forceConflicts()
                        .serverSideApply();
                assertNotNull(applied, describe(object));
            } catch (KubernetesClientException e) {
                refused.add(describe(object) + ": " + e.getCode() + " " + e.getMessage());
            }
        }
        // A Job's pods (the create-ca-cert example) face the same Pod Security admission as the operator's.
        for (Map<String, Object> deployment : Stream.concat(rendering.ofKind("Deployment"), rendering.ofKind("Job"))
                .toList()) {
            String podRefused = dryRunCreatePod(deployment);
            if (podRefused != null) {
                refused.add(podRefused);
            }
        }
        if (!refused.isEmpty()) {
            fail(rendering.name() + ": the API server refused " + refused.size() + " of "
                    + rendering.objects().size() + " objects:\n  " + String.join("\n  ", refused));
        }
    }

    /**
     * The Deployment's pod template as a Pod, dry-run created in the operator's namespace, which enforces the
     * restricted Pod Security Standard (kustomize/base/namespace.yaml): a Deployment only earns a warning there,
     * its Pods would be refused.
     */
    @SuppressWarnings("unchecked")
    private static String dryRunCreatePod(Map<String, Object> deployment) {
        Map<String, Object> template =
                (Map<String, Object>) ((Map<String, Object>) deployment.get("spec")).get("template");
        Map<String, Object> metadata = new LinkedHashMap<>((Map<String, Object>) template.get("metadata"));
        metadata.put("name", nameOf(deployment) + "-pod-security");
        metadata.put("namespace", NAMESPACE);
        Map<String, Object> pod = new LinkedHashMap<>();
        pod.put("apiVersion", "v1");
        pod.put("kind", "Pod");
        pod.put("metadata", metadata);
        pod.put("spec", template.get("spec"));
        try {
            dryRun.resource(generic(pod))
                    .dryRun()
                    .fieldValidation(Validation.STRICT)
                    .create();
            return null;
        } catch (KubernetesClientException e) {
            return "the pod template of " + describe(deployment) + " as a Pod in " + NAMESPACE
                    + " (Pod Security restricted): " + e.getCode() + " " + e.getMessage();
        }
    }

    @Test
    void operatorNamespaceEnforcesRestrictedPodSecurity() {
        assertEquals(
                "restricted",
                admin.namespaces()
                        .withName(NAMESPACE)
                        .get()
                        .getMetadata()
                        .getLabels()
                        .get("pod-security.kubernetes.io/enforce"));
        // The check above has teeth: a privileged pod template is refused.
        Map<String, Object> privileged =
                kustomize(root.resolve("kustomize/base")).one("Deployment", RELEASE);
        podTemplateSpec(privileged).put("securityContext", Map.of("runAsNonRoot", false));
        String refused = dryRunCreatePod(privileged);
        assertNotNull(refused, "a pod without runAsNonRoot was admitted in the restricted namespace");
        assertTrue(refused.contains("violates PodSecurity"), refused);
    }

    /** The chart ships crds/ byte for byte (hack/sync-chart-crds.sh copies them after `make crds`). */
    @Test
    void chartCrdsAreTheGeneratedOnes() throws IOException {
        Path chartCrds = root.resolve("charts/azure-keyvault-issuer/crds");
        Set<String> generated;
        Set<String> shipped;
        try (Stream<Path> a = Files.list(root.resolve("crds"));
                Stream<Path> b = Files.list(chartCrds)) {
            generated = a.map(f -> f.getFileName().toString())
                    .filter(n -> !n.equals("kustomization.yaml"))
                    .collect(Collectors.toCollection(TreeSet::new));
            shipped = b.map(f -> f.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(generated, shipped, "run hack/sync-chart-crds.sh");
        for (String name : generated) {
            assertEquals(
                    Files.readString(root.resolve("crds").resolve(name)),
                    Files.readString(chartCrds.resolve(name)),
                    name + " differs between crds/ and the chart: run hack/sync-chart-crds.sh");
        }
    }

    /** The dry-run has teeth: an unknown field, a wrong type and a CRD schema violation are each refused. */
    @Test
    @SuppressWarnings("unchecked")
    void dryRunRefusesBrokenObjects() {
        Rendering base = kustomize(root.resolve("kustomize/base"));
        Map<String, Object> unknownField = base.one("Deployment", RELEASE);
        ((Map<String, Object>) unknownField.get("spec")).put("replica", 2);
        Map<String, Object> wrongType =
                kustomize(root.resolve("kustomize/base")).one("Deployment", RELEASE);
        ((Map<String, Object>) wrongType.get("spec")).put("replicas", "two");
        Map<String, Object> badMonitor = helm("all-features").one("ServiceMonitor", RELEASE);
        ((List<Map<String, Object>>) ((Map<String, Object>) badMonitor.get("spec")).get("endpoints"))
                .get(0)
                .put("interval", "soon");
        for (Map<String, Object> broken : List.of(unknownField, wrongType, badMonitor)) {
            KubernetesClientException refused = assertThrows(
                    KubernetesClientException.class,
                    () -> dryRun.resource(generic(broken))
                            .dryRun()
                            .fieldValidation(Validation.STRICT)
                            .fieldManager("manifests-it")
                            .forceConflicts()
                            .serverSideApply(),
                    describe(broken));
            // 400/422 for validation errors; server-side apply answers 500 for a field missing from the schema.
            assertTrue(refused.getCode() >= 400, refused.getMessage());
            assertTrue(refused.getMessage().matches("(?s).*(replica|interval).*"), refused.getMessage());
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // RBAC: the chart grants what kustomize/base grants, no more, no less.

    @Test
    void chartRbacGrantsTheSameRulesAsKustomizeBase() throws IOException {
        Rendering base = new Rendering("kustomize/base/rbac.yaml", readYaml(root.resolve("kustomize/base/rbac.yaml")));
        Rendering approverBase = new Rendering(
                "kustomize/base/approver-rbac.yaml", readYaml(root.resolve("kustomize/base/approver-rbac.yaml")));
        for (String values : List.of("default", "all-features")) {
            Rendering chart = helm(values);
            assertEquals(
                    rules(base.one("ClusterRole", "azure-keyvault-issuer")),
                    rules(chart.one("ClusterRole", RELEASE)),
                    chart.name() + ": operator ClusterRole");
            assertEquals(
                    rules(base.one("Role", "azure-keyvault-issuer-leader-election")),
                    rules(chart.one("Role", RELEASE + "-leader-election")),
                    chart.name() + ": leader election Role");
            assertEquals(
                    rules(approverBase.ofKind("ClusterRole").findFirst().orElseThrow()),
                    rules(chart.one("ClusterRole", "cert-manager-controller-approve:" + RELEASE)),
                    chart.name() + ": approver ClusterRole");
            // The bindings point at the chart's own roles and ServiceAccount.
            assertBinding(chart.one("ClusterRoleBinding", RELEASE), "ClusterRole", RELEASE, RELEASE, NAMESPACE);
        }
        // By default nobody gets serviceaccounts/token: workload identity needs an administrator's grant.
        Rendering defaults = helm("default");
        assertEquals(3, defaults.ofKind("ClusterRole").count(), "default: ClusterRoles");
        Rendering csrApproverBase = new Rendering(
                "kustomize/base/csr-approver-rbac.yaml",
                readYaml(root.resolve("kustomize/base/csr-approver-rbac.yaml")));
        assertEquals(
                rules(csrApproverBase.one("ClusterRole", "azure-keyvault-issuer-csr-approver")),
                rules(defaults.one("ClusterRole", RELEASE + "-csr-approver")),
                "CSR approver ClusterRole");
        assertTrue(helm("default", "--set", "certificateSigningRequests.approverClusterRole=false")
                .ofKind("ClusterRole")
                .noneMatch(o -> nameOf(o).endsWith("-csr-approver")));
        assertEquals(1, defaults.ofKind("Role").count(), "default: Roles");
        for (Rendering r : List.of(defaults, base)) {
            Stream.concat(r.ofKind("ClusterRole"), r.ofKind("Role"))
                    .forEach(role -> assertTrue(
                            rules(role).stream().noneMatch(rule -> rule.contains("serviceaccounts/token")),
                            r.name() + ": " + nameOf(role)));
        }
        // Per namespace, for the listed ServiceAccounts only; cluster-wide only when asked for.
        Rendering all = helm("all-features");
        assertEquals(
                Set.of("/serviceaccounts/token/create/keyvault-issuer"),
                rules(namespaced(all, "Role", RELEASE + "-tokens", "team-a")));
        assertEquals(
                Set.of(
                        "/serviceaccounts/token/create/cluster-signer",
                        "/serviceaccounts/token/create/cluster-signer-2"),
                rules(namespaced(all, "Role", RELEASE + "-tokens", "akvi-cluster-resources")));
        assertBinding(
                namespaced(all, "RoleBinding", RELEASE + "-tokens", "team-a"),
                "Role",
                RELEASE + "-tokens",
                RELEASE,
                NAMESPACE);
        assertEquals(Set.of("/serviceaccounts/token/create/"), rules(all.one("ClusterRole", RELEASE + "-tokens")));
        Rendering example = example("docs/examples/workload-identity-team-rbac.yaml");
        assertEquals(
                Set.of("/serviceaccounts/token/create/keyvault-issuer"),
                rules(example.one("Role", "azure-keyvault-issuer-tokens")));
        // The approver's ServiceAccount is configurable, cert-manager/cert-manager by default.
        assertBinding(
                helm("default").one("ClusterRoleBinding", "cert-manager-controller-approve:" + RELEASE),
                "ClusterRole",
                "cert-manager-controller-approve:" + RELEASE,
                "cert-manager",
                "cert-manager");
        assertBinding(
                helm("all-features").one("ClusterRoleBinding", "cert-manager-controller-approve:" + RELEASE),
                "ClusterRole",
                "cert-manager-controller-approve:" + RELEASE,
                "cert-manager-controller",
                "security");
        // Least privilege, whatever the values: nobody may list or watch Secrets.
        for (Rendering r : renderings()) {
            Stream.concat(r.ofKind("ClusterRole"), r.ofKind("Role"))
                    .forEach(role -> rules(role).forEach(rule -> {
                        if (rule.startsWith("/secrets/")) {
                            assertTrue(rule.endsWith("/get/"), r.name() + ": " + nameOf(role) + " grants " + rule);
                        }
                    }));
        }
    }

    @Test
    void approverRbacCanBeTurnedOff() {
        Rendering chart = helm("default", "--set", "approver.enabled=false");
        assertTrue(chart.ofKind("ClusterRole").noneMatch(o -> nameOf(o).startsWith("cert-manager-controller-approve")));
        assertTrue(chart.ofKind("ClusterRoleBinding")
                .noneMatch(o -> nameOf(o).startsWith("cert-manager-controller-approve")));
    }

    private static Map<String, Object> namespaced(Rendering rendering, String kind, String name, String namespace) {
        List<Map<String, Object>> found = rendering
                .ofKind(kind)
                .filter(o -> name.equals(nameOf(o)) && namespace.equals(namespaceOf(o)))
                .toList();
        assertEquals(1, found.size(), rendering.name() + ": " + kind + " " + namespace + "/" + name);
        return found.get(0);
    }

    /** Rules flattened to one string per (apiGroup, resource, verb, resourceName), so that grouping differences
     * between two equivalent roles do not matter. */
    @SuppressWarnings("unchecked")
    private static Set<String> rules(Map<String, Object> role) {
        Set<String> flat = new TreeSet<>();
        for (Map<String, Object> rule : (List<Map<String, Object>>) role.get("rules")) {
            List<String> names = (List<String>) rule.getOrDefault("resourceNames", List.of(""));
            for (String group : (List<String>) rule.get("apiGroups")) {
                for (String resource : (List<String>) rule.get("resources")) {
                    for (String verb : (List<String>) rule.get("verbs")) {
                        for (String name : names.isEmpty() ? List.of("") : names) {
                            flat.add(group + "/" + resource + "/" + verb + "/" + name);
                        }
                    }
                }
            }
        }
        return flat;
    }

    @SuppressWarnings("unchecked")
    private static void assertBinding(
            Map<String, Object> binding, String roleKind, String roleName, String serviceAccount, String namespace) {
        Map<String, Object> roleRef = (Map<String, Object>) binding.get("roleRef");
        assertEquals(roleKind, roleRef.get("kind"), nameOf(binding));
        assertEquals(roleName, roleRef.get("name"), nameOf(binding));
        assertEquals(
                List.of(Map.of("kind", "ServiceAccount", "name", serviceAccount, "namespace", namespace)),
                binding.get("subjects"),
                nameOf(binding));
    }

    // ---------------------------------------------------------------------------------------------------------
    // What each overlay and toggle promises.

    @Test
    @SuppressWarnings("unchecked")
    void overlaysDoWhatTheyPromise() {
        Rendering wi = kustomize(root.resolve("kustomize/overlays/workload-identity"));
        Map<String, String> saAnnotations = (Map<String, String>)
                ((Map<String, Object>) wi.one("ServiceAccount", RELEASE).get("metadata")).get("annotations");
        assertTrue(saAnnotations.containsKey("azure.workload.identity/client-id"), wi.name());
        assertTrue(saAnnotations.containsKey("azure.workload.identity/tenant-id"), wi.name());
        assertEquals("true", podLabels(wi.one("Deployment", RELEASE)).get("azure.workload.identity/use"));

        Rendering sp = kustomize(root.resolve("kustomize/overlays/service-principal"));
        Map<String, Object> spDeployment = sp.one("Deployment", RELEASE);
        assertFalse(podLabels(spDeployment).containsKey("azure.workload.identity/use"), sp.name());
        assertEquals(
                Map.of(
                        "AZURE_CLIENT_ID",
                        "AZURE_CLIENT_ID",
                        "AZURE_TENANT_ID",
                        "AZURE_TENANT_ID",
                        "AZURE_CLIENT_SECRET",
                        "AZURE_CLIENT_SECRET"),
                secretEnv(spDeployment),
                sp.name());

        Rendering ha = kustomize(root.resolve("kustomize/overlays/ha"));
        Map<String, Object> haDeployment = ha.one("Deployment", RELEASE);
        assertEquals(2, ((Map<String, Object>) haDeployment.get("spec")).get("replicas"), ha.name());
        assertTrue(containerArgs(haDeployment).contains("--leader-elect"), ha.name());
        Map<String, Object> pdb = ha.one("PodDisruptionBudget", RELEASE);
        assertEquals(1, ((Map<String, Object>) pdb.get("spec")).get("minAvailable"), ha.name());
    }

    @Test
    @SuppressWarnings("unchecked")
    void chartMapsEveryOperatorFlag() {
        Rendering defaults = helm("default");
        assertEquals(
                List.of(
                        "run",
                        "--cluster-resource-namespace=" + NAMESPACE,
                        "--resync-interval=5m",
                        "--max-retry-duration=1h",
                        "--concurrent-reconciles=10",
                        "--vault-sign-rate=2000",
                        "--vault-call-timeout=30s",
                        "--vault-max-response-bytes=1048576",
                        "--health-port=8081",
                        "--crl-port=8082",
                        "--crl-batch-delay=2s",
                        "--leader-elect",
                        "--leader-election-namespace=" + NAMESPACE),
                containerArgs(defaults.one("Deployment", RELEASE)));
        assertNotNull(defaults.one("Service", RELEASE + "-crl"), "the CRL Service is on by default");
        assertTrue(defaults.ofKind("ServiceMonitor").findAny().isEmpty(), "ServiceMonitor is off by default");
        assertTrue(defaults.ofKind("PodDisruptionBudget").findAny().isEmpty(), "PDB is off by default");

        Rendering all = helm("all-features");
        Map<String, Object> deployment = all.one("Deployment", RELEASE);
        assertEquals(
                List.of(
                        "run",
                        "--cluster-resource-namespace=akvi-cluster-resources",
                        "--issuer-ambient-credentials",
                        "--issuer-managed-identities=00000000-0000-0000-0000-0000000000a1,"
                                + "00000000-0000-0000-0000-0000000000a2",
                        "--allowed-vault-hosts=kv.pki.internal.example,*.vault.internal.example",
                        "--resync-interval=2m",
                        "--max-retry-duration=PT30M",
                        "--concurrent-reconciles=20",
                        "--vault-sign-rate=1000",
                        "--vault-call-timeout=20s",
                        "--vault-max-response-bytes=262144",
                        "--vault-calls-per-tenant=4",
                        "--health-port=9090",
                        "--crl-port=9091",
                        "--crl-batch-delay=5s",
                        "--leader-elect",
                        "--leader-election-namespace=akvi-leases",
                        "--azure-authority-host=https://login.microsoftonline.us/",
                        "--azure-trust-store=/etc/azure-keyvault-issuer/trust-store/truststore.p12"),
                containerArgs(deployment));
        assertEquals(
                Map.of(
                        "AZURE_CLIENT_ID",
                        "AZURE_CLIENT_ID",
                        "AZURE_TENANT_ID",
                        "AZURE_TENANT_ID",
                        "AZURE_CLIENT_SECRET",
                        "AZURE_CLIENT_SECRET",
                        "AZURE_TRUST_STORE_PASSWORD",
                        "password"),
                secretEnv(deployment));
        assertFalse(podLabels(deployment).containsKey("azure.workload.identity/use"));
        assertEquals(2, ((Map<String, Object>) deployment.get("spec")).get("replicas"));
        assertNotNull(all.one("ServiceMonitor", RELEASE));
        assertNotNull(all.one("Service", RELEASE + "-metrics"));
        assertNotNull(all.one("PodDisruptionBudget", RELEASE));
        String networkPolicy = all.one("NetworkPolicy", RELEASE).toString();
        assertTrue(
                networkPolicy.contains("port=9091") && networkPolicy.contains("ingress-nginx"),
                "CRL fetchers may reach the CRL port: " + networkPolicy);
        Map<String, Object> crlService = all.one("Service", RELEASE + "-crl");
        assertTrue(
                crlService.toString().contains("port=8080")
                        && crlService.toString().contains("targetPort=crl"),
                crlService.toString());
    }

    @Test
    @SuppressWarnings("unchecked")
    void chartTakesTheOperatorsClientCertificateFromItsSecret() {
        Map<String, Object> deployment = helm("client-certificate").one("Deployment", RELEASE);
        assertEquals(
                Map.of(
                        "AZURE_CLIENT_ID",
                        "AZURE_CLIENT_ID",
                        "AZURE_TENANT_ID",
                        "AZURE_TENANT_ID",
                        "AZURE_CLIENT_CERTIFICATE_PASSWORD",
                        "client-pfx-password"),
                secretEnv(deployment),
                "a certificate replaces the client secret");
        String path = ((List<Map<String, Object>>) container(deployment).get("env"))
                .stream()
                        .filter(e -> "AZURE_CLIENT_CERTIFICATE_PATH".equals(e.get("name")))
                        .map(e -> (String) e.get("value"))
                        .findFirst()
                        .orElseThrow();
        Map<String, Object> mount = ((List<Map<String, Object>>)
                        container(deployment).get("volumeMounts"))
                .stream()
                        .filter(m -> path.startsWith(m.get("mountPath") + "/"))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError(path + " is on no mounted volume"));
        assertEquals(true, mount.get("readOnly"));
        Map<String, Object> volume = ((List<Map<String, Object>>)
                        podTemplateSpec(deployment).get("volumes"))
                .stream()
                        .filter(v -> mount.get("name").equals(v.get("name")))
                        .findFirst()
                        .orElseThrow();
        Map<String, Object> secret = (Map<String, Object>) volume.get("secret");
        assertEquals("operator-azure-credentials", secret.get("secretName"));
        assertEquals(
                List.of(Map.of("key", "client.pfx", "path", "client.pfx")),
                secret.get("items"),
                "only the certificate is mounted");
        assertTrue(path.endsWith("/client.pfx"), path);
    }

    /**
     * NOTES.txt renders (helm needs a reachable cluster for that, even for a client-side dry-run); a release of its
     * own in a namespace of its own, so that helm does not trip over the objects the test environment applied.
     */
    @Test
    void chartNotesRender() throws IOException {
        Path kubeconfig = Files.createTempFile("manifests-it", ".kubeconfig");
        Files.writeString(kubeconfig, env.kubeconfig());
        String namespace = env.createNamespace("notes");
        List<String> install = List.of(
                tool("HELM"),
                "install",
                "notes",
                root.resolve("charts/azure-keyvault-issuer").toString(),
                "--namespace",
                namespace,
                "--dry-run=client",
                "--kubeconfig",
                kubeconfig.toString());
        String defaults = run(install);
        String notes = defaults.substring(defaults.indexOf("NOTES:"));
        assertTrue(
                notes.contains("subject:  system:serviceaccount:" + namespace + ":notes-azure-keyvault-issuer"), notes);
        assertTrue(notes.contains("azure.workloadIdentity.clientID is empty"), notes);
        assertFalse(notes.contains("<no value>"), notes);
        List<String> installAll = new ArrayList<>(install);
        installAll.addAll(List.of(
                "-f",
                root.resolve("charts/azure-keyvault-issuer/ci/all-features-values.yaml")
                        .toString()));
        String all = run(installAll);
        String allNotes = all.substring(all.indexOf("NOTES:"));
        assertTrue(allNotes.contains("service principal from Secret " + namespace + "/akvi-sp"), allNotes);
        assertTrue(allNotes.contains("2 replicas with leader election (Lease in akvi-leases)"), allNotes);
        assertFalse(allNotes.contains("<no value>"), allNotes);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> podTemplateSpec(Map<String, Object> deployment) {
        return (Map<String, Object>)
                ((Map<String, Object>) ((Map<String, Object>) deployment.get("spec")).get("template")).get("spec");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> podLabels(Map<String, Object> deployment) {
        return (Map<String, String>) ((Map<String, Object>)
                        ((Map<String, Object>) ((Map<String, Object>) deployment.get("spec")).get("template"))
                                .get("metadata"))
                .get("labels");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> container(Map<String, Object> deployment) {
        List<Map<String, Object>> containers =
                (List<Map<String, Object>>) podTemplateSpec(deployment).get("containers");
        assertEquals(1, containers.size());
        return containers.get(0);
    }

    @SuppressWarnings("unchecked")
    private static List<String> containerArgs(Map<String, Object> deployment) {
        return (List<String>) container(deployment).get("args");
    }

    /** Environment variables taken from Secrets: name -> key. */
    @SuppressWarnings("unchecked")
    private static Map<String, String> secretEnv(Map<String, Object> deployment) {
        Map<String, String> found = new LinkedHashMap<>();
        for (Map<String, Object> e :
                (List<Map<String, Object>>) container(deployment).getOrDefault("env", List.of())) {
            Map<String, Object> from = (Map<String, Object>) e.get("valueFrom");
            if (from != null && from.get("secretKeyRef") instanceof Map<?, ?> ref) {
                found.put((String) e.get("name"), (String) ref.get("key"));
            }
        }
        return found;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Rendering with the test environment's kubectl and helm.

    private static Rendering kustomize(Path dir) {
        String out = run(List.of(tool("KUBECTL"), "kustomize", dir.toString()));
        return new Rendering("kubectl kustomize " + root.relativize(dir), parse(out));
    }

    private static Rendering helm(String values, String... extra) {
        List<String> command = new ArrayList<>(List.of(
                tool("HELM"),
                "template",
                RELEASE,
                root.resolve("charts/azure-keyvault-issuer").toString(),
                "--namespace",
                NAMESPACE,
                "--include-crds"));
        if (!"default".equals(values)) {
            command.addAll(List.of(
                    "-f",
                    root.resolve("charts/azure-keyvault-issuer/ci/" + values + "-values.yaml")
                            .toString()));
        }
        command.addAll(List.of(extra));
        String name =
                "helm template (" + values + " values" + (extra.length > 0 ? " " + String.join(" ", extra) : "") + ")";
        return new Rendering(name, parse(run(command)));
    }

    private static String tool(String variable) {
        String path = System.getenv(variable);
        if (path == null || path.isBlank() || !Files.isExecutable(Path.of(path))) {
            throw new IllegalStateException(variable + " is not set to an executable: run the tests with `make test`, "
                    + "which builds the test environment (hack/test-env) and exports it");
        }
        return path;
    }

    private static Path helmHome;

    private static synchronized Path helmHome() throws IOException {
        if (helmHome == null) {
            helmHome = Files.createTempDirectory("manifests-it-helm");
        }
        return helmHome;
    }

    private static String run(List<String> command) {
        try {
            Path helmHome = helmHome();
            ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile());
            // Helm's cache and config stay out of $HOME and away from parallel runs.
            builder.environment()
                    .put("HELM_CACHE_HOME", helmHome.resolve("cache").toString());
            builder.environment()
                    .put("HELM_CONFIG_HOME", helmHome.resolve("config").toString());
            builder.environment().put("HELM_DATA_HOME", helmHome.resolve("data").toString());
            Process process = builder.start();
            CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
            String stdout = readAll(process.getInputStream());
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("timed out: " + String.join(" ", command));
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(
                        String.join(" ", command) + " exited " + process.exitValue() + ":\n" + stderr.join());
            }
            return stdout;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A multi-document YAML stream as raw maps: no typed model in between that could coerce or drop fields. */
    private static List<Map<String, Object>> parse(String yaml) {
        try (MappingIterator<Map<String, Object>> docs =
                YAML.readerFor(new TypeReference<Map<String, Object>>() {}).readValues(yaml)) {
            List<Map<String, Object>> objects = new ArrayList<>();
            while (docs.hasNext()) {
                Map<String, Object> doc = docs.next();
                if (doc != null && !doc.isEmpty()) {
                    objects.add(doc);
                }
            }
            return objects;
        } catch (IOException e) {
            throw new IllegalStateException("unparsable YAML: " + e.getMessage(), e);
        }
    }

    private static List<Map<String, Object>> readYaml(Path file) throws IOException {
        return parse(Files.readString(file));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Helpers.

    private static GenericKubernetesResource generic(Map<String, Object> object) {
        return admin.getKubernetesSerialization().convertValue(object, GenericKubernetesResource.class);
    }

    @SuppressWarnings("unchecked")
    private static String nameOf(Map<String, Object> object) {
        return (String) ((Map<String, Object>) object.get("metadata")).get("name");
    }

    @SuppressWarnings("unchecked")
    private static String namespaceOf(Map<String, Object> object) {
        return (String) ((Map<String, Object>) object.get("metadata")).get("namespace");
    }

    private static String describe(Map<String, Object> object) {
        String ns = namespaceOf(object);
        return object.get("kind") + " " + (ns == null ? "" : ns + "/") + nameOf(object);
    }

    private static int applyOrder(Map<String, Object> object) {
        return switch (String.valueOf(object.get("kind"))) {
            case "CustomResourceDefinition" -> 0;
            case "Namespace" -> 1;
            default -> 2;
        };
    }

    /**
     * prometheus-operator's ServiceMonitor, reduced to the fields the chart sets, with their types and the duration
     * pattern of the real CRD (monitoring.coreos.com/v1); unknown fields are refused by strict validation.
     */
    private static void applyServiceMonitorCrd() {
        String crd = """
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata:
                  name: servicemonitors.monitoring.coreos.com
                spec:
                  group: monitoring.coreos.com
                  scope: Namespaced
                  names: {kind: ServiceMonitor, listKind: ServiceMonitorList, plural: servicemonitors, singular: servicemonitor}
                  versions:
                    - name: v1
                      served: true
                      storage: true
                      schema:
                        openAPIV3Schema:
                          type: object
                          required: [spec]
                          properties:
                            apiVersion: {type: string}
                            kind: {type: string}
                            metadata: {type: object}
                            spec:
                              type: object
                              required: [selector]
                              properties:
                                namespaceSelector:
                                  type: object
                                  properties:
                                    any: {type: boolean}
                                    matchNames: {type: array, items: {type: string}}
                                selector:
                                  type: object
                                  x-kubernetes-map-type: atomic
                                  properties:
                                    matchLabels: {type: object, additionalProperties: {type: string}}
                                endpoints:
                                  type: array
                                  items:
                                    type: object
                                    properties:
                                      port: {type: string}
                                      path: {type: string}
                                      interval:
                                        type: string
                                        pattern: '^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$'
                                      scrapeTimeout:
                                        type: string
                                        pattern: '^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$'
                """;
        HasMetadata item = admin.load(new ByteArrayInputStream(crd.getBytes(StandardCharsets.UTF_8)))
                .items()
                .get(0);
        admin.resource(item).fieldManager("manifests-it").forceConflicts().serverSideApply();
        admin.apiextensions()
                .v1()
                .customResourceDefinitions()
                .withName("servicemonitors.monitoring.coreos.com")
                .waitUntilCondition(
                        c -> c.getStatus() != null
                                && c.getStatus().getConditions() != null
                                && c.getStatus().getConditions().stream()
                                        .anyMatch(cond -> "Established".equals(cond.getType())
                                                && "True".equals(cond.getStatus())),
                        60,
                        TimeUnit.SECONDS);
        // Discovery caches of the client must see the new kind.
        assertTrue(admin.getApiGroups().getGroups().stream()
                .map(g -> g.getName())
                .collect(Collectors.toSet())
                .contains("monitoring.coreos.com"));
    }
}
