package dev.azurekeyvaultissuer.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.controller.OperatorRuntime;
import dev.azurekeyvaultissuer.emulator.KeyType;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulator;
import dev.azurekeyvaultissuer.emulator.Permissions;
import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import dev.azurekeyvaultissuer.keyvault.azure.AzureVaultConnector;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * cert-manager's own Certificate conformance suite ({@code test/e2e/suite/conformance/certificates} of cert-manager
 * v1.21, defined for our kinds in hack/conformance and compiled by hack/test-env/build.sh into
 * $CERT_MANAGER_CONFORMANCE) against our Issuer and our ClusterIssuer. Real components only: the kube-apiserver and
 * etcd of the other ITs, cert-manager's controller v1.21, the Key Vault emulator over HTTPS holding the CA key, and the
 * operator in-process with the shipped RBAC. The suite's issuers point at the emulator as a service principal whose
 * client secret reaches the Go binary in an environment variable, never on its command line. The controller runs with
 * the flags of cert-manager's own e2e installation that concern this suite: the gateway-shim
 * ({@code --enable-gateway-api}, with the Gateway API CRDs of $GATEWAY_API_CRDS, and the extra listener protocol DTLS)
 * and no client-side rate limit.
 *
 * <p>The two kinds run as two processes of the binary at once (ginkgo focus per kind), each writing a JUnit report
 * and a log to target/conformance. A test per kind fails listing every failed spec; a spec the suite skips (a
 * feature gate that is off) is counted and printed, never hidden.
 */
class ConformanceIT {

    private static final String VAULT = "conformance";
    private static final String CA_KEY = "conformance-ca";
    private static final String SIGNER = "conformance-signer";
    private static final String ADMIN = "conformance-admin";
    private static final String CERT_MANAGER_NAMESPACE = "cert-manager";
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(25);
    /** The suites' names in hack/conformance/issuers_test.go are this plus the kind. */
    private static final String SUITE_NAME_PREFIX = "azure-keyvault-issuer ";

    private static KeyVaultEmulator emulator;
    private static OperatorRuntime operator;
    private static KubernetesClient operatorClient;
    private static CertManagerController certManager;
    private static Path workDir;
    private static Run issuers;
    private static Run clusterIssuers;

    @BeforeAll
    static void startEverythingAndTheSuite() throws Exception {
        Path binary = binary();
        KubernetesTestEnvironment env = KubernetesTestEnvironment.get();
        KubernetesClient admin = env.admin();
        workDir = Files.createDirectories(Path.of("target", "conformance").toAbsolutePath());
        Path kubeconfig = Files.writeString(workDir.resolve("kubeconfig"), env.kubeconfig());

        String signerSecret = "conformance-" + java.util.UUID.randomUUID();
        emulator = KeyVaultEmulator.builder()
                .vault(VAULT)
                .clientSecret(
                        SIGNER, signerSecret, Permissions.keys("get", "sign").withSecrets("get"))
                .clientSecret(ADMIN, "admin-secret", Permissions.all())
                .build()
                .start();
        AzureVaultConnector connector =
                new AzureVaultConnector(EmulatedVaults.operatorOptions(emulator), Optional.empty());
        KeyVault bootstrap =
                connector.connect(new VaultCredentials.ClientSecret(emulator.tenantId(), ADMIN, "admin-secret"));
        // Ten years: the suite asks for a CA certificate of 10,000 h (417 days), and leaves never outlive their CA.
        EmulatedVaults.bootstrapRoot(
                emulator, bootstrap, VAULT, CA_KEY, KeyType.EC_P256, "CN=conformance root", Duration.ofDays(3650));

        env.ensureNamespace(CERT_MANAGER_NAMESPACE);
        operatorClient = env.operatorClient();
        operator = OperatorRuntime.create(
                operatorClient,
                EmulatedVaults.operatorConfig(TestCluster.OPERATOR_NAMESPACE)
                        .withResyncInterval(Duration.ofSeconds(30)),
                connector,
                Clock.systemUTC());
        operator.start();
        // The Gateway API CRDs of the version cert-manager v1.21.1 is built against, for the suite's Gateway cases.
        env.apply(Path.of(TestCluster.requiredEnv("GATEWAY_API_CRDS")));
        env.awaitCrdsEstablished();
        // The flags of cert-manager's own e2e installation (its make/e2e-setup.mk) that concern this suite: the
        // gateway-shim with the extra listener protocol its Gateway case uses, and no client-side rate limit.
        certManager = CertManagerController.start(
                CertManagerController.Release.CURRENT,
                kubeconfig,
                workDir,
                CERT_MANAGER_NAMESPACE,
                List.of(
                        "--enable-gateway-api",
                        "--gateway-api-extra-protocols=DTLS",
                        "--kube-api-qps=9000",
                        "--kube-api-burst=9000"));

        List<String> common = List.of(
                binary.toString(),
                "--kubernetes-config=" + kubeconfig,
                "--kubectl-path=" + TestCluster.requiredEnv("KUBECTL"),
                "--repo-root=" + TestCluster.requiredEnv("CERT_MANAGER_SOURCE_TREE"),
                "--cluster-resource-namespace=" + CERT_MANAGER_NAMESPACE,
                "--gateway-api-extra-protocols=DTLS",
                // Tells the suite that CertificateSigningRequests are signed here (it skips its CSR cases
                // otherwise); it concerns the test binary only, as cert-manager's own signers are not involved.
                "--feature-gates=ExperimentalCertificateSigningRequestControllers=true",
                "--akvi-vault-url=" + emulator.vaultUrl(VAULT),
                "--akvi-key-name=" + CA_KEY,
                "--akvi-tenant-id=" + emulator.tenantId(),
                "--akvi-client-id=" + SIGNER,
                "--akvi-cluster-resource-namespace=" + TestCluster.OPERATOR_NAMESPACE,
                "--ginkgo.no-color",
                "--ginkgo.timeout=" + RUN_TIMEOUT.toMinutes() + "m",
                "-test.timeout=" + (RUN_TIMEOUT.toMinutes() + 1) + "m");
        issuers = Run.start(common, "Issuer", signerSecret);
        clusterIssuers = Run.start(common, "ClusterIssuer", signerSecret);
    }

    @AfterAll
    static void stopEverything() {
        for (Run run : new Run[] {issuers, clusterIssuers}) {
            if (run != null) {
                run.process.destroyForcibly();
            }
        }
        if (certManager != null) {
            certManager.close();
        }
        if (operator != null) {
            operator.close();
            operatorClient.close();
        }
        if (emulator != null) {
            emulator.close();
        }
    }

    @Test
    void issuerPassesCertManagersConformanceSuite() throws Exception {
        issuers.awaitAndCheck();
    }

    @Test
    void clusterIssuerPassesCertManagersConformanceSuite() throws Exception {
        clusterIssuers.awaitAndCheck();
    }

    /**
     * The CertificateRequests of the suite's namespaces that the operator failed, with its reason: the suite's own
     * failure messages only say that a Certificate did not become Ready in time.
     */
    private static String failedRequests() {
        StringBuilder out = new StringBuilder();
        KubernetesTestEnvironment.get()
                .admin()
                .resources(CertificateRequest.class)
                .inAnyNamespace()
                .list()
                .getItems()
                .stream()
                .filter(r -> r.getMetadata().getNamespace().startsWith("e2e-tests-certificates-"))
                .forEach(r -> CertificateRequestFixtures.condition(r, "Ready")
                        .filter(c -> "Failed".equals(c.getReason()))
                        .ifPresent(c -> out.append("\n  - ")
                                .append(r.getMetadata().getNamespace())
                                .append('/')
                                .append(r.getMetadata().getName())
                                .append(": ")
                                .append(c.getMessage())));
        return out.length() == 0 ? " none" : out.toString();
    }

    /** The compiled suite named by $CERT_MANAGER_CONFORMANCE; fails (never skips) when it is not there. */
    private static Path binary() {
        Path binary = Path.of(TestCluster.requiredEnv("CERT_MANAGER_CONFORMANCE"));
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("CERT_MANAGER_CONFORMANCE=" + binary + " is not an executable file: "
                    + "build it with hack/test-env/build.sh conformance (or `make test`)");
        }
        return binary;
    }

    /** One process of the suite, focused on one of our kinds. */
    private record Run(String kind, Process process, Path report, Path log, long startNanos) {

        static Run start(List<String> common, String kind, String clientSecret) throws IOException {
            Path report = workDir.resolve("junit-" + kind + ".xml");
            Path log = workDir.resolve("conformance-" + kind + ".log");
            Files.deleteIfExists(report);
            List<String> command = new ArrayList<>(common);
            // The Describe text of the suite for that kind (hack/conformance): "... azure-keyvault-issuer Issuer"
            // does not match the ClusterIssuer suite.
            command.add("--ginkgo.focus=with issuer type " + SUITE_NAME_PREFIX + kind + " ");
            command.add("--ginkgo.junit-report=" + report);
            Files.writeString(log, "# " + String.join(" ", command) + "\n");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            builder.environment().put("AKVI_CONFORMANCE_CLIENT_SECRET", clientSecret);
            return new Run(kind, builder.start(), report, log, System.nanoTime());
        }

        void awaitAndCheck() throws Exception {
            if (!process.waitFor(RUN_TIMEOUT.toSeconds() + 120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the conformance suite for " + kind + " did not finish within " + RUN_TIMEOUT
                        + "; its log: " + log + "\n" + tail(log, 60));
            }
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos);
            if (!Files.exists(report)) {
                throw new AssertionError("the conformance suite for " + kind + " exited with " + process.exitValue()
                        + " and wrote no JUnit report; its log: " + log + "\n" + tail(log, 60));
            }
            List<String> passed = new ArrayList<>();
            List<String> failed = new ArrayList<>();
            List<String> skipped = new ArrayList<>();
            NodeList cases = DocumentBuilderFactory.newInstance()
                    .newDocumentBuilder()
                    .parse(report.toFile())
                    .getElementsByTagName("testcase");
            for (int i = 0; i < cases.getLength(); i++) {
                Element testCase = (Element) cases.item(i);
                String name = testCase.getAttribute("name");
                String status = testCase.getAttribute("status");
                if (!name.contains(SUITE_NAME_PREFIX + kind + " ")) {
                    continue; // the other kind's specs, left out by --ginkgo.focus, and the suite's own nodes
                }
                if (testCase.getElementsByTagName("failure").getLength() > 0
                        || testCase.getElementsByTagName("error").getLength() > 0) {
                    Element failure =
                            (Element) (testCase.getElementsByTagName("failure").getLength() > 0
                                            ? testCase.getElementsByTagName("failure")
                                            : testCase.getElementsByTagName("error"))
                                    .item(0);
                    failed.add(name + "\n      "
                            + failure.getAttribute("message").strip().replace("\n", "\n      "));
                } else if ("skipped".equals(status)
                        || "pending".equals(status)
                        || testCase.getElementsByTagName("skipped").getLength() > 0) {
                    skipped.add(name);
                } else {
                    passed.add(name);
                }
            }
            String summary = "cert-manager conformance, " + kind + ": " + passed.size() + " passed, " + failed.size()
                    + " failed, " + skipped.size() + " skipped, in " + seconds + " s (report " + report + ", log "
                    + log + ")";
            System.out.println(summary);
            skipped.forEach(s -> System.out.println("  skipped: " + s));
            if (!failed.isEmpty()) {
                throw new AssertionError(summary + "\nfailed specs:\n  - " + String.join("\n  - ", failed)
                        + "\nCertificateRequests that failed (all kinds):" + failedRequests());
            }
            assertTrue(
                    process.exitValue() == 0,
                    summary + "; the suite exited with " + process.exitValue() + " although no spec failed; its log:\n"
                            + tail(log, 60));
            assertTrue(!passed.isEmpty(), summary + ": no spec ran (does the focus still match the suite's name?)");
            for (String suite :
                    List.of("Certificates with issuer type", "CertificateSigningRequest with issuer type")) {
                assertTrue(
                        passed.stream().anyMatch(name -> name.contains(suite)),
                        summary + ": no spec of \"" + suite + "\" passed: both suites must run");
            }
        }

        private static String tail(Path file, int lines) throws IOException {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        }
    }
}
