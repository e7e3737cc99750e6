package dev.azurekeyvaultissuer.it;

import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.approve;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.create;
import static dev.azurekeyvaultissuer.it.CertificateRequestFixtures.decode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulator;
import dev.azurekeyvaultissuer.emulator.Permissions;
import dev.azurekeyvaultissuer.keyvault.azure.AzureClientOptions;
import dev.azurekeyvaultissuer.keyvault.azure.AzureVaultConnector;
import dev.azurekeyvaultissuer.pki.Pem;
import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidatorException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The create-ca-cert round trip as a user makes it: {@code hack/create-ca-cert} (the wrapper script, run as a process
 * with the jar that {@code mvn package} built) creates the key and the CA in the Key Vault emulator, its standard
 * output goes to {@code kubectl apply -f -} against the real kube-apiserver, the operator (in-process, as
 * {@code hack/demo.sh} runs it: a service principal in its environment, with only keys Get, Sign and secrets Get)
 * marks the ClusterIssuer Ready, and a CertificateRequest is issued with a leaf that chains to the CA the command
 * wrote, checked by the JDK's PKIX validator and by {@code openssl verify}. Root, intermediate (CSR signed with the
 * documented openssl recipe, then imported) and rotation (a new key version) each make one trip.
 */
class CreateCaCertRoundTripIT {

    private static final String VAULT = "ca-roundtrip";
    // The identity that runs create-ca-cert: exactly the documented minimum for a root with a new key.
    private static final String BOOTSTRAP = "ca-bootstrap";
    private static final String BOOTSTRAP_SECRET = "ca-bootstrap-secret";
    // The operator's own identity: only what docs/vault-permissions.md asks for.
    private static final String OPERATOR = "operator";
    private static final String OPERATOR_SECRET = "operator-secret";
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Duration PROCESS_TIMEOUT = Duration.ofSeconds(180);

    @RegisterExtension
    static final InProcessOperator operator = new InProcessOperator();

    private static KeyVaultEmulator emulator;
    private static KubernetesTestEnvironment env;
    private static KubernetesClient admin;
    private static OpensslCli openssl;
    private static Path root;
    private static Path jar;
    private static Path kubeconfig;

    @BeforeAll
    static void start() throws IOException {
        root = KubernetesTestEnvironment.repositoryRoot();
        // The wrapper would build a missing jar with Maven; inside a test it must fail instead (AKVI_JAR set).
        jar = root.resolve("operator/target/azure-keyvault-issuer.jar");
        assertTrue(
                Files.isRegularFile(jar) && Files.isDirectory(jar.resolveSibling("lib")),
                jar + " and lib/ are missing: run the ITs through `mvn verify`, whose package phase builds them");
        openssl = OpensslCli.fromPath();

        emulator = KeyVaultEmulator.builder()
                .vault(VAULT)
                .clientSecret(
                        BOOTSTRAP,
                        BOOTSTRAP_SECRET,
                        Permissions.keys("get", "create", "sign").withSecrets("set"))
                .clientSecret(
                        OPERATOR,
                        OPERATOR_SECRET,
                        Permissions.keys("get", "sign").withSecrets("get"))
                .build()
                .start();
        operator.closeAfterwards(emulator);

        env = operator.env();
        admin = operator.admin();
        kubeconfig = Files.createTempFile("create-ca-cert-it", ".kubeconfig");
        Files.writeString(kubeconfig, env.kubeconfig());

        // The printed ClusterIssuer has no spec.auth: the operator signs with its own (ambient) identity.
        AzureClientOptions options = EmulatedVaults.operatorOptions(emulator);
        AzureVaultConnector connector = new AzureVaultConnector(
                options,
                Optional.empty(),
                Map.of(
                        "AZURE_TENANT_ID",
                        emulator.tenantId(),
                        "AZURE_CLIENT_ID",
                        OPERATOR,
                        "AZURE_CLIENT_SECRET",
                        OPERATOR_SECRET));
        operator.start(InProcessOperator.config().withResyncInterval(Duration.ofSeconds(3)), connector);
    }

    @AfterAll
    static void stop() throws IOException {
        if (kubeconfig != null) {
            Files.deleteIfExists(kubeconfig);
        }
    }

    @Test
    void rootCaBecomesAReadyClusterIssuerThatSigns(@TempDir Path dir) throws Exception {
        Path caFile = dir.resolve("ca.pem");
        Run run = createCaCert(
                "--vault-url",
                emulator.vaultUrl(VAULT),
                "--key-name",
                "rt-root",
                "--create-key",
                "--key-type",
                "ec-p384",
                "--subject",
                "CN=Round Trip Root,O=Test",
                "--out",
                caFile.toString());
        run.assertOk();
        X509Certificate ca = onlyCertificate(caFile);
        assertEquals(emulator.publicKey(VAULT, "rt-root"), ca.getPublicKey(), "the CA holds the vault key");

        kubectlApply(run.out());
        ClusterIssuer ready = awaitClusterIssuer("rt-root", readyTrue());
        assertEquals(emulator.keyId(VAULT, "rt-root"), ready.getStatus().getKeyID());

        CertificateRequest issued = issue(env.createNamespace("rt-root"), "leaf", "rt-root");
        List<X509Certificate> chain = chainOf(issued);
        assertEquals(1, chain.size(), "a root signs leaves directly");
        assertChainsTo(chain, ca);
        assertEquals(
                List.of(ca),
                Pem.decodeCertificates(decode(issued.getStatus().getCa()), 1 << 20),
                "status.ca is the root create-ca-cert wrote");
        opensslVerify(dir, chain, caFile);
    }

    @Test
    void rotationWithANewKeyVersionIsFollowedByTheSameIssuer(@TempDir Path dir) throws Exception {
        Path g1File = dir.resolve("g1.pem");
        Run first = createCaCert(
                "--vault-url",
                emulator.vaultUrl(VAULT),
                "--key-name",
                "rt-rotating",
                "--create-key",
                "--key-type",
                "ec-p256",
                "--subject",
                "CN=Rotating CA G1",
                "--out",
                g1File.toString());
        first.assertOk();
        X509Certificate g1 = onlyCertificate(g1File);
        kubectlApply(first.out());
        String v1 = emulator.keyId(VAULT, "rt-rotating");
        awaitClusterIssuer(
                "rt-rotating", readyTrue().and(i -> v1.equals(i.getStatus().getKeyID())));
        String ns = env.createNamespace("rt-rotating");
        assertChainsTo(chainOf(issue(ns, "before", "rt-rotating")), g1);

        // Without --new-version an existing key is refused (exit 4) and nothing changes.
        Run refused = createCaCert(
                "--vault-url",
                emulator.vaultUrl(VAULT),
                "--key-name",
                "rt-rotating",
                "--create-key",
                "--key-type",
                "ec-p256",
                "--subject",
                "CN=Rotating CA G2",
                "--out",
                dir.resolve("refused.pem").toString());
        assertEquals(4, refused.exit(), refused::toString);
        assertEquals(v1, emulator.keyId(VAULT, "rt-rotating"));

        Path g2File = dir.resolve("g2.pem");
        Run rotated = createCaCert(
                "--vault-url",
                emulator.vaultUrl(VAULT),
                "--key-name",
                "rt-rotating",
                "--create-key",
                "--new-version",
                "--key-type",
                "ec-p256",
                "--subject",
                "CN=Rotating CA G2",
                "--out",
                g2File.toString());
        rotated.assertOk();
        X509Certificate g2 = onlyCertificate(g2File);
        String v2 = emulator.keyId(VAULT, "rt-rotating");
        assertNotEquals(v1, v2);
        // Applying the newly printed issuer changes nothing that matters: it follows the key, unpinned.
        kubectlApply(rotated.out());
        awaitClusterIssuer(
                "rt-rotating", readyTrue().and(i -> v2.equals(i.getStatus().getKeyID())));

        List<X509Certificate> after = chainOf(issue(ns, "after", "rt-rotating"));
        assertChainsTo(after, g2);
        assertThrows(
                CertPathValidatorException.class,
                () -> assertChainsTo(after, g1),
                "after the rotation leaves no longer chain to the old root");
        opensslVerify(dir, after, g2File);
    }

    @Test
    void intermediateSignedByAnOfflineRootBecomesAReadyClusterIssuer(@TempDir Path dir) throws Exception {
        Path csr = dir.resolve("issuing.csr");
        Run csrStep = createCaCert(
                "--vault-url",
                emulator.vaultUrl(VAULT),
                "--key-name",
                "rt-issuing",
                "--create-key",
                "--key-type",
                "rsa-3072",
                "--subject",
                "CN=Round Trip Issuing CA,O=Test",
                "--intermediate-csr",
                csr.toString());
        csrStep.assertOk();

        // The offline root and its signature, with the OpenSSL recipe of docs/create-ca-cert.md.
        Path rootConfig = Files.writeString(dir.resolve("root.cnf"), """
                [req]
                prompt = no
                distinguished_name = dn
                x509_extensions = v3_root
                [dn]
                CN = Round Trip Offline Root
                O = Test
                [v3_root]
                basicConstraints = critical, CA:TRUE
                keyUsage = critical, keyCertSign, cRLSign
                subjectKeyIdentifier = hash
                authorityKeyIdentifier = keyid:always
                """);
        Path rootKey = dir.resolve("root.key");
        Path rootPem = dir.resolve("root.pem");
        openssl.check(List.of(
                "req",
                "-x509",
                "-newkey",
                "rsa:3072",
                "-nodes",
                "-keyout",
                rootKey.toString(),
                "-out",
                rootPem.toString(),
                "-days",
                "3650",
                "-sha384",
                "-config",
                rootConfig.toString()));
        Path extensions = Files.writeString(dir.resolve("ca-ext.cnf"), """
                basicConstraints = critical, CA:TRUE, pathlen:0
                keyUsage = critical, keyCertSign, cRLSign
                subjectKeyIdentifier = hash
                authorityKeyIdentifier = keyid
                """);
        Path intermediatePem = dir.resolve("issuing.pem");
        openssl.check(List.of(
                "x509",
                "-req",
                "-in",
                csr.toString(),
                "-CA",
                rootPem.toString(),
                "-CAkey",
                rootKey.toString(),
                "-CAcreateserial",
                "-days",
                "1825",
                "-sha384",
                "-extfile",
                extensions.toString(),
                "-out",
                intermediatePem.toString()));
        Path signedChain = Files.writeString(
                dir.resolve("issuing-chain.pem"), Files.readString(intermediatePem) + Files.readString(rootPem));

        Path ordered = dir.resolve("issuing-chain-ordered.pem");
        Run importStep = createCaCert(
                "--vault-url",
                emulator.vaultUrl(VAULT),
                "--key-name",
                "rt-issuing",
                "--import-signed",
                signedChain.toString(),
                "--out",
                ordered.toString());
        importStep.assertOk();
        X509Certificate offlineRoot = onlyCertificate(rootPem);
        X509Certificate intermediate = onlyCertificate(intermediatePem);
        assertEquals(List.of(intermediate, offlineRoot), Pem.decodeCertificates(Files.readString(ordered), 1 << 20));

        kubectlApply(importStep.out());
        awaitClusterIssuer("rt-issuing", readyTrue());
        CertificateRequest issued = issue(env.createNamespace("rt-issuing"), "leaf", "rt-issuing");
        List<X509Certificate> chain = chainOf(issued);
        assertEquals(List.of(intermediate), chain.subList(1, chain.size()), "the leaf comes with its intermediate");
        assertChainsTo(chain, offlineRoot);
        assertEquals(
                List.of(offlineRoot),
                Pem.decodeCertificates(decode(issued.getStatus().getCa()), 1 << 20),
                "status.ca is the offline root");
        opensslVerify(dir, chain, rootPem);
    }

    // ------------------------------------------------------------------ hack/create-ca-cert as a process

    /** One run of the wrapper: exit code and both streams. */
    record Run(List<String> command, int exit, String out, String err) {
        void assertOk() {
            assertEquals(0, exit, this::toString);
        }

        @Override
        public String toString() {
            return String.join(" ", command) + "\nexit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /**
     * Runs hack/create-ca-cert as the bootstrap service principal. The emulator's authority, TLS trust and the
     * challenge check come from the AZURE_* variables the command documents, not from flags: the user's shell way.
     */
    private static Run createCaCert(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(root.resolve("hack/create-ca-cert").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile());
        Map<String, String> environment = builder.environment();
        // The developer's own Azure settings must not leak in and pick another identity or cloud.
        environment.keySet().removeIf(name -> name.startsWith("AZURE_") || name.equals("JAVA_OPTS"));
        environment.put(
                "PATH",
                Path.of(System.getProperty("java.home"), "bin")
                        + File.pathSeparator
                        + environment.getOrDefault("PATH", "/usr/bin:/bin"));
        environment.put("AKVI_JAR", jar.toString());
        environment.put("AZURE_AUTH_METHOD", "environment");
        environment.put("AZURE_TENANT_ID", emulator.tenantId());
        environment.put("AZURE_CLIENT_ID", BOOTSTRAP);
        environment.put("AZURE_CLIENT_SECRET", BOOTSTRAP_SECRET);
        environment.put("AZURE_AUTHORITY_HOST", emulator.authorityHost());
        environment.put("AZURE_TRUST_STORE", emulator.trustStorePath().toString());
        environment.put("AZURE_TRUST_STORE_PASSWORD", emulator.trustStorePassword());
        environment.put("AZURE_DISABLE_CHALLENGE_RESOURCE_VERIFICATION", "true");
        Process process = builder.start();
        process.getOutputStream().close();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        String out = readAll(process.getInputStream());
        if (!process.waitFor(PROCESS_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("timed out after " + PROCESS_TIMEOUT + ": " + String.join(" ", command));
        }
        return new Run(command, process.exitValue(), out, err.join());
    }

    /** {@code create-ca-cert ... | kubectl apply -f -}, as docs/create-ca-cert.md shows it. */
    private static void kubectlApply(String yaml) throws IOException, InterruptedException {
        String kubectl = System.getenv("KUBECTL");
        if (kubectl == null || kubectl.isBlank() || !Files.isExecutable(Path.of(kubectl))) {
            throw new IllegalStateException("KUBECTL is not set to an executable: run the tests with `make test`, "
                    + "which builds the test environment (hack/test-env) and exports it");
        }
        List<String> command = List.of(kubectl, "--kubeconfig", kubeconfig.toString(), "apply", "-f", "-");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (OutputStream stdin = process.getOutputStream()) {
            stdin.write(yaml.getBytes(StandardCharsets.UTF_8));
        }
        String output = readAll(process.getInputStream());
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("kubectl apply did not finish in 60 s");
        }
        assertEquals(
                0,
                process.exitValue(),
                () -> "kubectl apply -f - refused the printed YAML:\n" + yaml + "\n--- kubectl\n" + output);
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ the cluster side

    private static Predicate<ClusterIssuer> readyTrue() {
        return ClusterAssert.isReady();
    }

    private static ClusterIssuer awaitClusterIssuer(String name, Predicate<ClusterIssuer> test) {
        return ClusterAssert.await(admin, ClusterIssuer.class, null, name, WAIT, test);
    }

    /** An approved CertificateRequest for the ClusterIssuer, once the operator has issued it. */
    private static CertificateRequest issue(String namespace, String name, String issuer) {
        String csr = CsrBuilder.forKey(TestKeyPairs.ec("P-256"))
                .subject("CN=" + name + ".example.com")
                .dns(name + ".example.com")
                .pem();
        create(admin, namespace, name, "ClusterIssuer", issuer, csr);
        approve(admin, namespace, name);
        return ClusterAssert.issued(admin, namespace, name);
    }

    private static List<X509Certificate> chainOf(CertificateRequest issued) {
        return Pem.decodeCertificates(decode(issued.getStatus().getCertificate()), 1 << 20);
    }

    private static X509Certificate onlyCertificate(Path pem) throws IOException {
        List<X509Certificate> certificates = Pem.decodeCertificates(Files.readString(pem), 1 << 20);
        assertEquals(1, certificates.size(), pem + " holds one certificate");
        return certificates.get(0);
    }

    private static void assertChainsTo(List<X509Certificate> chain, X509Certificate anchor) throws Exception {
        ClusterAssert.assertChainsTo(chain, anchor);
    }

    /** {@code openssl verify -x509_strict} of the leaf against the CA file the user distributes. */
    private static void opensslVerify(Path dir, List<X509Certificate> chain, Path caFile) throws Exception {
        Path leaf = Files.writeString(dir.resolve("leaf.pem"), Pem.encode(chain.get(0)));
        List<String> verify = new ArrayList<>(List.of("verify", "-x509_strict", "-CAfile", caFile.toString()));
        if (chain.size() > 1) {
            verify.addAll(List.of(
                    "-untrusted",
                    Files.writeString(dir.resolve("untrusted.pem"), Pem.encode(chain.subList(1, chain.size())))
                            .toString()));
        }
        verify.add(leaf.toString());
        String verified = openssl.check(verify);
        assertTrue(verified.contains(leaf + ": OK"), verified);
    }
}
