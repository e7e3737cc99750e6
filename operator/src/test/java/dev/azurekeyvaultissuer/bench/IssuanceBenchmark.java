package dev.azurekeyvaultissuer.bench;

import static dev.azurekeyvaultissuer.bench.Figures.mib;
import static dev.azurekeyvaultissuer.bench.Figures.num;
import static dev.azurekeyvaultissuer.bench.Figures.percentile;

import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.api.Issuer;
import dev.azurekeyvaultissuer.api.IssuerAuth;
import dev.azurekeyvaultissuer.api.IssuerSpec;
import dev.azurekeyvaultissuer.api.SecretKeySelector;
import dev.azurekeyvaultissuer.api.ServicePrincipalAuth;
import dev.azurekeyvaultissuer.bench.Figures.Table;
import dev.azurekeyvaultissuer.bench.RequestTracker.Target;
import dev.azurekeyvaultissuer.emulator.Faults;
import dev.azurekeyvaultissuer.emulator.KeyType;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulator;
import dev.azurekeyvaultissuer.emulator.Permissions;
import dev.azurekeyvaultissuer.emulator.ThrottleLimits;
import dev.azurekeyvaultissuer.it.KubernetesTestEnvironment;
import dev.azurekeyvaultissuer.keyvault.KeyReference;
import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.TransactionWeight;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.keyvault.azure.AzureClientOptions;
import dev.azurekeyvaultissuer.keyvault.azure.AzureVaultConnector;
import dev.azurekeyvaultissuer.pki.CaCertificateFactory;
import dev.azurekeyvaultissuer.pki.Pem;
import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.LoggerFactory;

/**
 * Issuance throughput, latency, vault calls, throttling and memory of the real operator, measured and printed; not a
 * test (no assertions on time), and not run by {@code mvn verify}: {@code make bench} runs it (docs/benchmarks.md).
 *
 * <p>What runs: the kube-apiserver and etcd of the test environment (kube-api-test, as the ITs), with the CRDs and
 * the RBAC that kustomize ships; the Key Vault emulator in this JVM with Azure-like sign latency (base plus uniform
 * jitter) and Azure's per-vault throttling limits; and the operator as its own JVM, started from the built jar like
 * the container (the Deployment's args and JAVA_TOOL_OPTIONS, the memory limit as -XX:MaxRAM, a token of the
 * operator's ServiceAccount). This JVM plays cert-manager: it creates approved CertificateRequests and watches them.
 *
 * <p>Phases: idle without issuers, with 3 ClusterIssuers, with 100 more Issuers (each its own service principal);
 * requests one at a time, at a steady rate, in a burst; a burst against a vault whose budget for its RSA-HSM 4096 key
 * is below what the operator's default rate limit allows, so the vault answers 429; a backlog of approved requests
 * drained by a freshly started operator, with the default and a higher {@code --concurrent-reconciles}; a restart over
 * every request so far (nothing may be signed again) with {@code --vault-sign-rate} at the throttling vault's budget,
 * and the throttling burst again. Settings are system properties {@code bench.*} (see {@link Settings}).
 */
public final class IssuanceBenchmark {

    private static final String VAULT = "bench";
    private static final String PREMIUM_VAULT = "bench-premium";
    private static final String OPERATOR_CLIENT = "operator";
    private static final String TENANT_CLIENT = "team-app";
    private static final String ADMIN_CLIENT = "bootstrap";
    private static final String CREDENTIALS_SECRET = "vault-credentials";
    private static final String CREDENTIALS_KEY = "clientSecret";
    private static final List<KeyType> ISSUER_KEYS =
            List.of(KeyType.EC_P256, KeyType.RSA_2048, KeyType.EC_P384, KeyType.RSA_3072);
    private static final KeyType THROTTLED_KEY = KeyType.RSA_HSM_4096;

    /** Every knob, from system properties. */
    record Settings(
            int issuers,
            int sequentialRequests,
            int steadyRequests,
            double steadyRate,
            int burstRequests,
            int throttledRequests,
            double throttleScale,
            int compareConcurrency,
            int signLatencyMs,
            int signJitterMs,
            int otherLatencyMs,
            int otherJitterMs,
            int submitThreads,
            Duration phaseTimeout,
            Duration idle,
            String gc,
            List<String> extraArgs,
            Path jar,
            Path workDir,
            Set<String> phases,
            int foreignRequests,
            int ownRequests,
            boolean jfr,
            int faultRequests,
            boolean nmt,
            List<String> jvmFlags) {

        boolean runs(String phase) {
            return phases.contains(phase);
        }

        static Settings fromSystemProperties() {
            String extra = System.getProperty("bench.operatorArgs", "").trim();
            String jvmFlags = System.getProperty("bench.jvmFlags", "").trim();
            return new Settings(
                    Integer.getInteger("bench.issuers", 100),
                    Integer.getInteger("bench.sequentialRequests", 50),
                    Integer.getInteger("bench.steadyRequests", 300),
                    Double.parseDouble(System.getProperty("bench.steadyRate", "10")),
                    Integer.getInteger("bench.burstRequests", 1000),
                    Integer.getInteger("bench.throttledRequests", 200),
                    Double.parseDouble(System.getProperty("bench.throttleScale", "0.2")),
                    Integer.getInteger("bench.compareConcurrency", 20),
                    Integer.getInteger("bench.signLatencyMs", 30),
                    Integer.getInteger("bench.signJitterMs", 40),
                    Integer.getInteger("bench.otherLatencyMs", 20),
                    Integer.getInteger("bench.otherJitterMs", 20),
                    Integer.getInteger("bench.submitThreads", 16),
                    Duration.ofSeconds(Integer.getInteger("bench.phaseTimeoutSeconds", 300)),
                    Duration.ofSeconds(Integer.getInteger("bench.idleSeconds", 10)),
                    System.getProperty("bench.operatorGc", "SerialGC"),
                    extra.isEmpty() ? List.of() : List.of(extra.split("\\s+")),
                    Path.of(System.getProperty("bench.jar", "target/azure-keyvault-issuer.jar"))
                            .toAbsolutePath(),
                    Path.of(System.getProperty("bench.dir", "target/bench")).toAbsolutePath(),
                    Set.of(System.getProperty("bench.phases", "issuance,memory,handover,faults")
                            .split("\\s*,\\s*")),
                    Integer.getInteger("bench.foreignRequests", 7500),
                    Integer.getInteger("bench.ownRequests", 2500),
                    Boolean.getBoolean("bench.jfr"),
                    Integer.getInteger("bench.faultRequests", 1000),
                    Boolean.getBoolean("bench.nmt"),
                    jvmFlags.isEmpty() ? List.of() : List.of(jvmFlags.split("\\s+")));
        }
    }

    /** What the Deployment in kustomize/base says about the container. */
    record DeploymentSpec(
            List<String> args,
            String javaToolOptions,
            long memoryLimitBytes,
            String memoryLimit,
            String memoryRequest,
            String cpuRequest,
            String cpuLimit,
            Map<String, String> env) {

        static DeploymentSpec read(Path file) throws IOException {
            Deployment d;
            try (InputStream in = Files.newInputStream(file)) {
                d = new KubernetesSerialization().unmarshal(in, Deployment.class);
            }
            var container = d.getSpec().getTemplate().getSpec().getContainers().get(0);
            String jto = container.getEnv().stream()
                    .filter(e -> "JAVA_TOOL_OPTIONS".equals(e.getName()))
                    .map(EnvVar::getValue)
                    .findFirst()
                    .orElse("");
            Map<String, Quantity> limits = container.getResources().getLimits();
            Map<String, Quantity> requests = container.getResources().getRequests();
            Quantity memory = limits.get("memory");
            List<String> args = new ArrayList<>(container.getArgs());
            args.remove("run");
            Map<String, String> env = new TreeMap<>();
            container.getEnv().stream()
                    .filter(e -> e.getValue() != null && !e.getName().equals("JAVA_TOOL_OPTIONS"))
                    .forEach(e -> env.put(e.getName(), e.getValue()));
            return new DeploymentSpec(
                    args,
                    jto,
                    Quantity.getAmountInBytes(memory).longValue(),
                    memory.toString(),
                    String.valueOf(requests.get("memory")),
                    String.valueOf(requests.get("cpu")),
                    limits.containsKey("cpu") ? limits.get("cpu").toString() : "none",
                    env);
        }
    }

    /** One point of the memory table. */
    record MemoryPoint(
            String point,
            int issuers,
            long cachedRequests,
            long rss,
            long peakRss,
            long anon,
            long heapUsedAfterGc,
            long heapCommitted,
            long heapResident,
            long heapPeakSampled,
            long nonHeap,
            long threads) {

        /** Resident memory outside the Java heap: what the limit must hold besides the heap. */
        long nativeResident() {
            return heapResident < 0 ? -1 : rss - heapResident;
        }

        /** The anonymous (not file-backed, so not reclaimable) part of it: metaspace, stacks, GC, malloc. */
        long nativeAnon() {
            return heapResident < 0 ? -1 : anon - heapResident;
        }
    }

    /** One issuance phase's figures. */
    record PhaseResult(
            String name,
            int requests,
            double submitSeconds,
            double wallSeconds,
            List<Double> latenciesMs,
            Map<String, List<Double>> byLabel,
            int open,
            int failed,
            int pendingSeen,
            Map<String, Long> vaultCalls,
            long issuedMetric,
            long retriedMetric,
            double signMeanMs,
            Machine.Cpu cpu,
            double loadAverage) {

        long calls(String op) {
            return vaultCalls.getOrDefault(op, 0L);
        }

        int issued() {
            return latenciesMs.size();
        }
    }

    private final Settings settings;
    private final List<MemoryPoint> memory = new ArrayList<>();
    private final List<PhaseResult> phases = new ArrayList<>();
    private final Map<String, String> setup = new LinkedHashMap<>();
    private final Map<String, String> lifecycle = new LinkedHashMap<>();
    private final List<String[]> memoryPhase = new ArrayList<>();
    private KeyVaultEmulator emulator;
    private KubernetesClient admin;
    private RequestTracker tracker;
    private long apiServerPid = -1;
    private long etcdPid = -1;
    private int issuerCount;
    private volatile VaultKey throttledKey;
    private final List<String> namespaces = new ArrayList<>();
    private final Map<String, String> issuerLabels = new HashMap<>();
    private final List<String> csrs = new ArrayList<>();

    private IssuanceBenchmark(Settings settings) {
        this.settings = settings;
    }

    public static void main(String[] args) throws Exception {
        quietLogging();
        int status = 0;
        try {
            new IssuanceBenchmark(Settings.fromSystemProperties()).run();
        } catch (Throwable t) {
            t.printStackTrace();
            status = 1;
        }
        // Shutdown hooks stop the kube-apiserver and etcd.
        System.exit(status);
    }

    private static void quietLogging() {
        ch.qos.logback.classic.Logger root =
                (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(ch.qos.logback.classic.Level.WARN);
    }

    private void say(String format, Object... args) {
        String line = String.format(Locale.ROOT, "[bench] " + format, args);
        System.out.println(line);
        System.out.flush();
    }

    private void run() throws Exception {
        Path root = KubernetesTestEnvironment.repositoryRoot();
        Files.createDirectories(settings.workDir());
        if (!Files.exists(settings.jar())) {
            throw new IllegalStateException(settings.jar() + " is missing: build the operator first (make bench does)");
        }
        DeploymentSpec deployment = DeploymentSpec.read(root.resolve("kustomize/base/deployment.yaml"));
        machineFacts(deployment);
        double loadAtStart = Machine.loadAverage();

        say("Key Vault emulator: vaults %s and %s", VAULT, PREMIUM_VAULT);
        String operatorSecret = randomSecret();
        String tenantSecret = randomSecret();
        String adminSecret = randomSecret();
        Permissions signer = Permissions.keys("get", "sign").withSecrets("get");
        emulator = KeyVaultEmulator.builder()
                .vault(VAULT)
                .vault(PREMIUM_VAULT)
                .clientSecret(OPERATOR_CLIENT, operatorSecret, signer)
                .clientSecret(TENANT_CLIENT, tenantSecret, signer)
                .clientSecret(ADMIN_CLIENT, adminSecret, Permissions.all())
                .tlsDir(settings.workDir().resolve("emulator-tls"))
                .build()
                .start();
        try {
            long t0 = System.nanoTime();
            say("kube-apiserver and etcd (kube-api-test), CRDs and the shipped RBAC");
            KubernetesTestEnvironment env = KubernetesTestEnvironment.get();
            admin = env.admin();
            apiServerPid = Machine.descendant("kube-apiserver");
            etcdPid = Machine.descendant("etcd");
            lifecycle.put("control plane (kube-api-test) start", num(seconds(t0), 1) + " s");
            bootstrap(env, adminSecret, tenantSecret);
            Path kubeconfig = serviceAccountKubeconfig(env);
            tracker = new RequestTracker(admin, settings.submitThreads());
            benchmark(deployment, kubeconfig, operatorSecret);
        } finally {
            if (tracker != null) {
                tracker.close();
            }
            emulator.close();
        }
        setup.put(
                "1-minute load average at start / end",
                num(loadAtStart, 1) + " / " + num(Machine.loadAverage(), 1)
                        + " (2 cores: above 2 means runnable work waited for a core)");
        String report = report(deployment);
        Files.writeString(settings.workDir().resolve("results.md"), report);
        System.out.println();
        System.out.println(report);
        say("also written to %s", settings.workDir().resolve("results.md"));
    }

    // ------------------------------------------------------------------------------------------------ arrangement

    private void machineFacts(DeploymentSpec deployment) throws IOException {
        String memTotal = Files.readAllLines(Path.of("/proc/meminfo")).stream()
                .filter(l -> l.startsWith("MemTotal"))
                .findFirst()
                .orElse("0");
        long memKib = Long.parseLong(memTotal.replaceAll("\\D", ""));
        setup.put(
                "machine",
                Runtime.getRuntime().availableProcessors() + " cores ("
                        + Machine.cpuModel().orElse("?") + "), " + num(memKib / 1024.0 / 1024.0, 1) + " GiB RAM, Linux "
                        + System.getProperty("os.version") + ", Java " + System.getProperty("java.version")
                        + "; the operator, kube-apiserver, etcd, the emulator and the load driver share the cores");
        setup.put(
                "Deployment (kustomize/base)",
                "args " + deployment.args() + ", JAVA_TOOL_OPTIONS \""
                        + deployment.javaToolOptions() + "\", env " + deployment.env() + ", requests cpu "
                        + deployment.cpuRequest() + " memory "
                        + deployment.memoryRequest() + ", limits cpu " + deployment.cpuLimit() + " memory "
                        + deployment.memoryLimit());
        setup.put(
                "vault latency (emulator)",
                "sign " + settings.signLatencyMs() + " ms + uniform 0-"
                        + settings.signJitterMs() + " ms; other vault calls " + settings.otherLatencyMs() + " ms + 0-"
                        + settings.otherJitterMs() + " ms");
        setup.put(
                "vault throttling (emulator)",
                "vault " + VAULT + ": Azure's published limits, " + ThrottleLimits.azure() + "; vault " + PREMIUM_VAULT
                        + ": the same x" + settings.throttleScale() + ", so its "
                        + label(THROTTLED_KEY) + " key allows " + throttledLimit()
                        + " signs per 10 s (the rest of Azure's "
                        + ThrottleLimits.azure().limitFor("RSA-4096-HSM") + " taken by other clients of the vault)");
    }

    private int throttledLimit() {
        return ThrottleLimits.azure().scaled(settings.throttleScale()).limitFor("RSA-4096-HSM");
    }

    private static String randomSecret() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Keys and CA certificates in the vaults, namespaces, credentials, CSRs; faults switched on at the end. */
    private void bootstrap(KubernetesTestEnvironment env, String adminSecret, String tenantSecret) throws Exception {
        long t0 = System.nanoTime();
        AzureVaultConnector connector = new AzureVaultConnector(
                AzureClientOptions.defaults()
                        .withAuthorityHost(URI.create(emulator.authorityHost()))
                        .withSslContext(emulator.sslContext())
                        .withChallengeResourceVerificationDisabled(),
                Optional.empty());
        KeyVault bootstrapVault =
                connector.connect(new VaultCredentials.ClientSecret(emulator.tenantId(), ADMIN_CLIENT, adminSecret));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> work = new ArrayList<>();
        work.add(pool.submit(() -> bootstrapCa(bootstrapVault, VAULT, "cluster-rsa", KeyType.RSA_2048)));
        work.add(pool.submit(() -> bootstrapCa(bootstrapVault, VAULT, "cluster-ec", KeyType.EC_P256)));
        work.add(pool.submit(() -> bootstrapCa(bootstrapVault, PREMIUM_VAULT, "cluster-hsm", THROTTLED_KEY)));
        issuerLabels.put("ClusterIssuer/cluster-rsa", label(KeyType.RSA_2048));
        issuerLabels.put("ClusterIssuer/cluster-ec", label(KeyType.EC_P256));
        issuerLabels.put("ClusterIssuer/cluster-hsm", label(THROTTLED_KEY));
        for (int i = 0; i < settings.issuers(); i++) {
            KeyType type = ISSUER_KEYS.get(i % ISSUER_KEYS.size());
            String key = "team-ca-" + i;
            work.add(pool.submit(() -> bootstrapCa(bootstrapVault, VAULT, key, type)));
        }
        for (int i = 0; i < settings.issuers(); i++) {
            String ns = env.createNamespace("bench-" + i);
            namespaces.add(ns);
            admin.resource(new SecretBuilder()
                            .withNewMetadata()
                            .withName(CREDENTIALS_SECRET)
                            .withNamespace(ns)
                            .endMetadata()
                            .withStringData(Map.of(CREDENTIALS_KEY, tenantSecret))
                            .build())
                    .create();
            issuerLabels.put("Issuer/" + ns + "/team-ca", label(ISSUER_KEYS.get(i % ISSUER_KEYS.size())));
        }
        for (Future<?> f : work) {
            f.get();
        }
        pool.shutdown();
        for (int i = 0; i < 8; i++) {
            var keyPair = i % 2 == 0 ? TestKeyPairs.ec("P-256") : TestKeyPairs.rsa(2048);
            csrs.add(CsrBuilder.forKey(keyPair)
                    .subject("CN=bench-" + i)
                    .dns("bench-" + i + ".example.com")
                    .pem());
        }
        for (String vault : List.of(VAULT, PREMIUM_VAULT)) {
            emulator.faults(vault)
                    .latency(
                            "sign",
                            Duration.ofMillis(settings.signLatencyMs()),
                            Duration.ofMillis(settings.signJitterMs()))
                    .latency(
                            Faults.ANY,
                            Duration.ofMillis(settings.otherLatencyMs()),
                            Duration.ofMillis(settings.otherJitterMs()))
                    .throttling(
                            vault.equals(VAULT)
                                    ? ThrottleLimits.azure()
                                    : ThrottleLimits.azure().scaled(settings.throttleScale()));
        }
        emulator.resetCalls();
        say(
                "bootstrap: %d CA keys and certificates in the vaults, %d namespaces with credentials (%.1f s)",
                settings.issuers() + 3, settings.issuers(), seconds(t0));
    }

    private Object bootstrapCa(KeyVault vault, String vaultName, String name, KeyType type) {
        emulator.createKey(vaultName, name, type);
        VaultKey key = vault.getKey(KeyReference.of(emulator.vaultUrl(vaultName), name, null));
        if (type == THROTTLED_KEY) {
            throttledKey = key;
        }
        var root = new CaCertificateFactory(vault, Clock.systemUTC())
                .selfSignedRoot(
                        "CN=" + name + " bench root",
                        Duration.ofDays(365),
                        OptionalInt.empty(),
                        key,
                        SignatureAlgorithm.defaultFor(key.publicKey()));
        emulator.setSecret(vaultName, name, Pem.encode(root), "application/x-pem-file");
        return null;
    }

    private static String label(KeyType type) {
        return switch (type) {
            case EC_P256 -> "EC P-256";
            case EC_P384 -> "EC P-384";
            case RSA_2048 -> "RSA 2048";
            case RSA_3072 -> "RSA 3072";
            case RSA_HSM_4096 -> "RSA-HSM 4096";
            default -> type.name();
        };
    }

    /** A kubeconfig with a token of the operator's ServiceAccount: exactly the RBAC that kustomize ships. */
    private Path serviceAccountKubeconfig(KubernetesTestEnvironment env) throws IOException {
        String token = admin.serviceAccounts()
                .inNamespace(KubernetesTestEnvironment.OPERATOR_NAMESPACE)
                .withName(KubernetesTestEnvironment.OPERATOR_SERVICE_ACCOUNT)
                .tokenRequest(new TokenRequestBuilder()
                        .withNewSpec()
                        .withExpirationSeconds(4 * 3600L)
                        .endSpec()
                        .build())
                .getStatus()
                .getToken();
        Config config = Config.fromKubeconfig(env.kubeconfig());
        String ca = config.getCaCertData();
        if (ca == null || ca.isBlank()) {
            ca = Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(config.getCaCertFile())));
        }
        String yaml = "apiVersion: v1\nkind: Config\n"
                + "clusters: [{name: bench, cluster: {server: \"" + config.getMasterUrl() + "\", "
                + "certificate-authority-data: \"" + ca + "\"}}]\n"
                + "users: [{name: operator, user: {token: \"" + token + "\"}}]\n"
                + "contexts: [{name: operator, context: {cluster: bench, user: operator, namespace: "
                + KubernetesTestEnvironment.OPERATOR_NAMESPACE + "}}]\n"
                + "current-context: operator\n";
        Path file = settings.workDir().resolve("operator-kubeconfig");
        Files.writeString(file, yaml);
        return file;
    }

    private OperatorProcess startOperator(
            DeploymentSpec deployment, Path kubeconfig, String operatorSecret, List<String> moreArgs, String logName)
            throws IOException {
        List<String> jvm =
                new ArrayList<>(List.of("-XX:MaxRAM=" + deployment.memoryLimitBytes(), "-XX:+Use" + settings.gc()));
        // Flags to try before they are shipped; after the Deployment's JAVA_TOOL_OPTIONS, so they win.
        jvm.addAll(settings.jvmFlags());
        if (settings.nmt()) {
            // Native Memory Tracking splits the memory outside the heap (jcmd VM.native_memory); it costs a little.
            jvm.add("-XX:NativeMemoryTracking=summary");
        }
        if (settings.jfr()) {
            // A CPU profile of the whole process (JFR's profile settings: a stack sample every 10 ms per thread).
            jvm.add("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename="
                    + settings.workDir().resolve(logName + ".jfr"));
        }
        List<String> args = new ArrayList<>(deployment.args());
        args.addAll(List.of(
                "--azure-authority-host=" + emulator.authorityHost(),
                "--azure-trust-store=" + emulator.trustStorePath(),
                "--azure-trust-store-password=" + emulator.trustStorePassword(),
                "--azure-disable-challenge-resource-verification",
                "--allowed-vault-hosts=127.0.0.1",
                "--health-bind-address=127.0.0.1"));
        args.addAll(settings.extraArgs());
        args.addAll(moreArgs);
        Map<String, String> env = new HashMap<>(deployment.env());
        env.put("KUBECONFIG", kubeconfig.toString());
        env.put("POD_NAMESPACE", KubernetesTestEnvironment.OPERATOR_NAMESPACE);
        env.put("JAVA_TOOL_OPTIONS", deployment.javaToolOptions());
        env.put("AZURE_TENANT_ID", emulator.tenantId());
        env.put("AZURE_CLIENT_ID", OPERATOR_CLIENT);
        env.put("AZURE_CLIENT_SECRET", operatorSecret);
        setup.put(
                "operator command (" + logName + ")",
                "KUBECONFIG=<ServiceAccount token> JAVA_TOOL_OPTIONS=\""
                        + deployment.javaToolOptions() + "\" java " + String.join(" ", jvm)
                        + " -jar azure-keyvault-issuer.jar run "
                        + String.join(
                                " ",
                                args.stream()
                                        .filter(a -> !a.startsWith("--azure-"))
                                        .toList()) + " --azure-...=<emulator> --health-port=<free>");
        return OperatorProcess.start(
                settings.jar(), jvm, args, env, settings.workDir().resolve(logName + ".log"));
    }

    // ------------------------------------------------------------------------------------------------ phases

    private void benchmark(DeploymentSpec deployment, Path kubeconfig, String operatorSecret) throws Exception {
        try (OperatorProcess operator = startOperator(deployment, kubeconfig, operatorSecret, List.of(), "operator")) {
            Duration startup = operator.awaitReady(Duration.ofMinutes(2));
            setup.put(
                    "operator JVM",
                    operator.collector() + ", MaxHeapSize " + mib(operator.maxHeapBytes())
                            + " MiB (-XX:MaxRAM = the " + deployment.memoryLimit() + " limit, with JAVA_TOOL_OPTIONS; "
                            + "-XX:+Use" + settings.gc()
                            + " is what the JVM picks itself in a container below 1792 MiB)");
            lifecycle.put(
                    "start to ready, no issuers",
                    num(startup.toMillis() / 1000.0, 1) + " s, " + num(operator.cpuSeconds(), 1) + " CPU s");
            lifecycle.put(
                    "start to leading (no Lease held before)",
                    num(awaitLog(operator, "leader election: leading", System.nanoTime() - startup.toNanos()), 1)
                            + " s");
            say("operator pid %d ready after %.1f s", operator.pid(), startup.toMillis() / 1000.0);
            idle(operator, "idle, no issuers", "CPU idle, no issuers");

            issuers(operator, false);
            idle(
                    operator,
                    "idle, " + issuerCount + " ClusterIssuers Ready",
                    "CPU idle, " + issuerCount + " ClusterIssuers Ready");
            issuers(operator, true);
            idle(operator, "idle, " + issuerCount + " issuers Ready", "CPU idle, " + issuerCount + " issuers Ready");

            if (settings.runs("issuance")) {
                issuance(operator);
            } else if (settings.runs("burst")) {
                burstOnly(operator);
            }
            if (settings.runs("memory")) {
                memory(operator);
            }
            Duration exit = operator.stop(Duration.ofSeconds(30));
            lifecycle.put("SIGTERM to exit", num(exit.toMillis() / 1000.0, 1) + " s");
        }
        if (settings.runs("issuance")) {
            afterRestarts(deployment, kubeconfig, operatorSecret);
        }
        if (settings.runs("handover")) {
            handOver(deployment, kubeconfig, operatorSecret);
        }
        if (settings.runs("faults")) {
            faults(deployment, kubeconfig, operatorSecret);
        }
    }

    /**
     * A burst while the vault misbehaves: 20 % of signs answered 503, 5 % of connections reset, and three throttling
     * storms (the next 100 signs answered 429); the operator is killed with SIGKILL a third of the way through and a
     * new one started, which waits for the dead leader's Lease to expire; two thirds of the way through, kube-apiserver
     * is killed and started again on the same port and etcd. Every request must end Issued, none Failed, none issued
     * twice (its certificate replaced).
     */
    private void faults(DeploymentSpec deployment, Path kubeconfig, String operatorSecret) throws Exception {
        int count = settings.faultRequests();
        List<Target> targets = targets("faults", count, false);
        Map<String, Long> before = emulator.calls(VAULT);
        emulator.faults(VAULT).errorRate("sign", 0.2, 503).resetRate("sign", 0.05);
        long t0;
        long killedAt;
        Thread driver;
        try (OperatorProcess first =
                startOperator(deployment, kubeconfig, operatorSecret, List.of(), "operator-faults-killed")) {
            long started = System.nanoTime();
            first.awaitReady(Duration.ofMinutes(2));
            awaitLog(first, "leader election: leading", started);
            say("faults: %d requests, 20 %% of signs 503, 5 %% reset, throttling storms, SIGKILL after a third", count);
            t0 = System.nanoTime();
            driver = new Thread(
                    () -> {
                        try {
                            tracker.submitBurst(targets);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    },
                    "faults-driver");
            driver.start();
            emulator.faults(VAULT).throttleNext("sign", 100);
            long deadline = System.nanoTime() + settings.phaseTimeout().toNanos();
            while (targets.stream().filter(t -> tracker.readyAt(t) != null).count() < count / 3
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            emulator.faults(VAULT).throttleNext("sign", 100);
            first.kill();
            killedAt = System.nanoTime();
        }
        try (OperatorProcess second =
                startOperator(deployment, kubeconfig, operatorSecret, List.of(), "operator-faults-after-kill")) {
            second.awaitReady(Duration.ofMinutes(2));
            double leading = awaitLog(second, "leader election: leading", killedAt);
            emulator.faults(VAULT).throttleNext("sign", 100);
            long deadline = System.nanoTime() + settings.phaseTimeout().toNanos();
            while (targets.stream().filter(t -> tracker.readyAt(t) != null).count() < 2L * count / 3
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            long issuedBeforeRestart =
                    targets.stream().filter(t -> tracker.readyAt(t) != null).count();
            say("faults: kube-apiserver restarted after %d certificates", issuedBeforeRestart);
            Duration apiDown = KubernetesTestEnvironment.get()
                    .restartApiServer(settings.workDir().resolve("kube-apiserver-restarted.log"));
            apiServerPid = Machine.descendant("kube-apiserver");
            say("faults: kube-apiserver answered again %.1f s after it was killed", apiDown.toMillis() / 1000.0);
            driver.join();
            int open = tracker.awaitDone(targets, settings.phaseTimeout().toNanos());
            double wall = seconds(t0);
            emulator.faults(VAULT).errorRate("sign", 0, 503).resetRate("sign", 0);
            Map<String, Long> calls = delta(before, emulator.calls(VAULT));
            long issued =
                    targets.stream().filter(t -> tracker.readyAt(t) != null).count();
            long failed = targets.stream().filter(tracker::hasFailed).count();
            long twice = targets.stream().filter(tracker::wasIssuedTwice).count();
            lifecycle.put(
                    "faults: " + count + " requests, 20 % of signs 503, 5 % reset, 3 storms of 100 429s, "
                            + "SIGKILL after a third, kube-apiserver restarted after two thirds",
                    issued + " Issued, " + failed + " Failed, " + open + " not done, "
                            + twice + " issued twice, in " + num(wall, 1) + " s; a new operator led " + num(leading, 1)
                            + " s after the kill (the dead leader's Lease expires after 15 s); kube-apiserver killed"
                            + " after " + issuedBeforeRestart + " certificates answered again after "
                            + num(apiDown.toMillis() / 1000.0, 1) + " s");
            lifecycle.put(
                    "faults: vault calls",
                    calls + " (signs that succeeded but whose certificate was never"
                            + " stored are the killed operator's in-flight ones)");
            say("faults: %d Issued, %d Failed, %d open, %d issued twice, vault %s", issued, failed, open, twice, calls);
            second.stop(Duration.ofSeconds(30));
        }
    }

    /** The burst phase alone, after a warm-up burst of 100 (a quick CPU profile: bench.phases=burst). */
    private void burstOnly(OperatorProcess operator) throws Exception {
        List<Target> warmUp = targets("burst-warmup", 100, false);
        phase(operator, "warm-up burst", warmUp, () -> tracker.submitBurst(warmUp), OptionalLong.empty());
        List<Target> burst = targets("burst", settings.burstRequests(), false);
        phase(operator, "burst", burst, () -> tracker.submitBurst(burst), OptionalLong.empty());
    }

    /** Requests one at a time, at a steady rate, in a burst, and a burst on the throttling vault. */
    private void issuance(OperatorProcess operator) throws Exception {
        {
            List<Target> oneByOne = targets("single", settings.sequentialRequests(), false);
            phase(
                    operator,
                    "one at a time",
                    oneByOne,
                    () -> tracker.submitOneByOne(
                            oneByOne, settings.phaseTimeout().toNanos()),
                    OptionalLong.empty());
            List<Target> steady = targets("steady", settings.steadyRequests(), false);
            phase(
                    operator,
                    "steady " + num(settings.steadyRate(), 0) + "/s",
                    steady,
                    () -> tracker.submitAtRate(steady, settings.steadyRate()),
                    OptionalLong.empty());
            List<Target> burst = targets("burst", settings.burstRequests(), false);
            phase(operator, "burst", burst, () -> tracker.submitBurst(burst), OptionalLong.empty());
            List<Target> throttled = targets("throttled", settings.throttledRequests(), true);
            phase(
                    operator,
                    "burst, throttling vault",
                    throttled,
                    () -> tracker.submitBurst(throttled),
                    OptionalLong.empty());
        }
    }

    /** Backlogs drained by a freshly started operator, then a restart over everything with a paced vault. */
    private void afterRestarts(DeploymentSpec deployment, Path kubeconfig, String operatorSecret) throws Exception {
        // A backlog: approved requests made while no operator runs, then an operator started over them. This
        // measures issuance alone, without the load driver's own writes competing for the API server.
        backlog(deployment, kubeconfig, operatorSecret, "--concurrent-reconciles=10");
        if (settings.compareConcurrency() > 0) {
            backlog(deployment, kubeconfig, operatorSecret, "--concurrent-reconciles=" + settings.compareConcurrency());
        }

        // Restarted over every request so far, with the rate limit at the throttling vault's budget, in the
        // operator's weighted transactions (TransactionWeight: what one sign with that key counts).
        int weight = TransactionWeight.ofSign(throttledKey);
        int limit = throttledLimit() * weight;
        setup.put(
                "--vault-sign-rate for the throttling vault's budget",
                throttledLimit() + " signs x weight "
                        + weight + " (" + label(THROTTLED_KEY) + ") = " + limit + " per 10 s; the default 2000 allows "
                        + 2000 / weight + " such signs per 10 s");
        restarted(deployment, kubeconfig, operatorSecret, "--vault-sign-rate=" + limit, operator -> {
            List<Target> paced = targets("paced", settings.throttledRequests(), true);
            phase(
                    operator,
                    "burst, throttling vault, --vault-sign-rate=" + limit,
                    paced,
                    () -> tracker.submitBurst(paced),
                    OptionalLong.empty());
        });
    }

    /**
     * A cluster with many CertificateRequests, most of them another issuer's: {@code bench.foreignRequests} (7,500)
     * issued by cert-manager's own CA issuer, with its annotations, CSR, certificate and CA, then
     * {@code bench.ownRequests} (2,500) of ours issued in a burst. The heap after a full GC before and after each
     * step gives the heap per request of each kind; RSS is read at the end. Unless the issuance phases ran first, 100
     * requests are issued before, so that the classes of the issuance path are loaded before the first figure.
     */
    private void memory(OperatorProcess operator) throws Exception {
        if (!settings.runs("issuance") && !settings.runs("burst")) {
            // The first certificates load the classes of the issuance path: not a cost per request.
            List<Target> warmUp = targets("warmup", 100, false);
            tracker.submitBurst(warmUp);
            tracker.awaitDone(warmUp, settings.phaseTimeout().toNanos());
        }
        MemoryPoint before = memoryAfterGc(operator, "before the memory phase", -1);
        memory.add(before);
        int foreign = settings.foreignRequests();
        // A leaf and its CA as cert-manager stores them: base64 of PEM, about 3 KiB together.
        byte[] pem = new byte[1700];
        new SecureRandom().nextBytes(pem);
        String certificate = Base64.getEncoder()
                .encodeToString(("-----BEGIN CERTIFICATE-----\n"
                                + Base64.getMimeEncoder().encodeToString(pem) + "\n-----END CERTIFICATE-----\n")
                        .getBytes());
        say("memory: %d requests of another issuer", foreign);
        long t0 = System.nanoTime();
        tracker.inParallel(
                foreign,
                i -> tracker.createForeignIssued(
                        namespaces.get(i % namespaces.size()), "other-" + i, csrs.get(i % csrs.size()), certificate));
        say("memory: %d requests of another issuer created in %.1f s", foreign, seconds(t0));
        Thread.sleep(5000);
        MemoryPoint withForeign = memoryAfterGc(operator, "+" + foreign + " requests of another issuer", -1);
        memory.add(withForeign);
        List<Target> ours = targets("memory", settings.ownRequests(), false);
        phase(
                operator,
                "burst of " + ours.size() + " among " + foreign + " requests of another issuer",
                ours,
                () -> tracker.submitBurst(ours),
                OptionalLong.empty());
        Thread.sleep(5000);
        MemoryPoint withOurs = memoryAfterGc(operator, "+" + ours.size() + " of ours, Issued", -1);
        memory.add(withOurs);
        Files.writeString(settings.workDir().resolve("heap-histogram-10000-requests.txt"), operator.classHistogram());
        if (settings.nmt()) {
            Files.writeString(settings.workDir().resolve("native-memory-10000-requests.txt"), operator.nativeMemory());
        }
        memoryPhase.add(new String[] {
            "another issuer's requests (Issued, with CSR, certificate, CA, annotations)",
            Integer.toString(foreign),
            num((withForeign.heapUsedAfterGc() - before.heapUsedAfterGc()) / (double) foreign, 0)
        });
        memoryPhase.add(new String[] {
            "our requests once Issued",
            Integer.toString(ours.size()),
            num((withOurs.heapUsedAfterGc() - withForeign.heapUsedAfterGc()) / (double) ours.size(), 0)
        });
        memoryPhase.add(new String[] {
            "operator RSS with " + withOurs.cachedRequests() + " CertificateRequests",
            "",
            mib(withOurs.rss()) + " MiB (peak " + mib(withOurs.peakRss()) + " MiB, heap after GC "
                    + mib(withOurs.heapUsedAfterGc()) + " MiB, heap committed " + mib(withOurs.heapCommitted())
                    + " MiB, outside the heap " + mib(withOurs.nativeResident()) + " MiB)"
        });
    }

    /**
     * A rolling update: a second replica starts as standby, requests arrive at 10 per second, the leader gets
     * SIGTERM. Measured: how soon the standby leads, and the longest pause between two issued certificates.
     */
    private void handOver(DeploymentSpec deployment, Path kubeconfig, String operatorSecret) throws Exception {
        Map<String, Long> before = emulator.calls(VAULT);
        Map<String, Long> beforePremium = emulator.calls(PREMIUM_VAULT);
        try (OperatorProcess leader =
                startOperator(deployment, kubeconfig, operatorSecret, List.of(), "operator-handover-leader")) {
            long started = System.nanoTime();
            leader.awaitReady(Duration.ofMinutes(2));
            awaitLog(leader, "leader election: leading", started);
            long deadline = System.nanoTime() + settings.phaseTimeout().toNanos();
            while (System.nanoTime() < deadline && sinceRestart(before, beforePremium, "getKey") < issuerCount) {
                Thread.sleep(100);
            }
            try (OperatorProcess standby =
                    startOperator(deployment, kubeconfig, operatorSecret, List.of(), "operator-handover-standby")) {
                standby.awaitReady(Duration.ofMinutes(2));
                String standbyBody = standby.readyzBody();
                String leaderBody = leader.readyzBody();
                List<Target> stream = targets("handover", (int) (settings.steadyRate() * 15), false);
                say(
                        "hand-over: %d requests at %.0f/s, SIGTERM to the leader after 5 s",
                        stream.size(), settings.steadyRate());
                Thread driver = new Thread(
                        () -> {
                            try {
                                tracker.submitAtRate(stream, settings.steadyRate());
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "handover-driver");
                driver.start();
                Thread.sleep(5000);
                long sigterm = System.nanoTime();
                Duration exit = leader.stop(Duration.ofSeconds(30));
                while (!"leader".equals(standby.readyzBody()) && seconds(sigterm) < 60) {
                    Thread.sleep(10);
                }
                double toLeading = seconds(sigterm);
                driver.join();
                int open = tracker.awaitDone(stream, settings.phaseTimeout().toNanos());
                List<Long> readyTimes = stream.stream()
                        .map(tracker::readyAt)
                        .filter(t -> t != null)
                        .sorted()
                        .toList();
                long longestGap = 0;
                for (int i = 1; i < readyTimes.size(); i++) {
                    if (readyTimes.get(i) > sigterm) {
                        longestGap = Math.max(longestGap, readyTimes.get(i) - readyTimes.get(i - 1));
                    }
                }
                long firstAfterExit = readyTimes.stream()
                        .filter(t -> t > sigterm + exit.toNanos())
                        .findFirst()
                        .orElse(-1L);
                List<Double> latencies = stream.stream()
                        .filter(t -> tracker.readyAt(t) != null)
                        .map(t -> (tracker.readyAt(t) - tracker.createdAt(t)) / 1e6)
                        .toList();
                long failed = stream.stream().filter(tracker::hasFailed).count();
                lifecycle.put(
                        "hand-over: /readyz of leader and standby before",
                        "\"" + leaderBody + "\", \"" + standbyBody + "\" (both 200)");
                lifecycle.put("hand-over: SIGTERM to the old leader's exit", num(exit.toMillis() / 1000.0, 2) + " s");
                lifecycle.put(
                        "hand-over: SIGTERM to the standby leading (its /readyz says leader)",
                        num(toLeading, 2) + " s");
                lifecycle.put(
                        "hand-over: old leader's exit to the first certificate issued after it",
                        firstAfterExit < 0 ? "none" : num((firstAfterExit - sigterm - exit.toNanos()) / 1e9, 2) + " s");
                lifecycle.put(
                        "hand-over: longest pause between two certificates issued (requests arriving at "
                                + num(settings.steadyRate(), 0) + "/s)",
                        num(longestGap / 1e9, 2) + " s");
                lifecycle.put(
                        "hand-over: " + stream.size() + " requests across it",
                        (stream.size() - open) + " done, "
                                + failed + " failed, p50 " + num(percentile(latencies, 50), 0) + " ms, p99 "
                                + num(percentile(latencies, 99), 0) + " ms, max " + num(percentile(latencies, 100), 0)
                                + " ms");
                say(
                        "hand-over: standby leading %.2f s after SIGTERM, longest pause %.2f s",
                        toLeading, longestGap / 1e9);
                standby.stop(Duration.ofSeconds(30));
            }
        }
    }

    /** Approved requests while no operator runs; then an operator starts, and they are timed from its leading. */
    private void backlog(DeploymentSpec deployment, Path kubeconfig, String operatorSecret, String flag)
            throws Exception {
        List<Target> targets = targets("backlog" + flag.replaceAll("\\D", ""), settings.burstRequests(), false);
        say("backlog: %d approved requests while no operator runs", targets.size());
        tracker.submitBurst(targets);
        long started = System.nanoTime();
        try (OperatorProcess operator = startOperator(
                deployment,
                kubeconfig,
                operatorSecret,
                List.of(flag),
                "operator" + flag.replaceAll("[^a-z0-9]+", "-"))) {
            operator.awaitReady(Duration.ofMinutes(2));
            double leading = awaitLog(operator, "leader election: leading", started);
            long leadingAt = started + (long) (leading * 1e9);
            lifecycle.put(
                    "restart (" + flag + ") over a backlog of " + targets.size() + " to leading",
                    num(leading, 1) + " s");
            phase(
                    operator,
                    "backlog of " + targets.size() + " at restart, " + flag,
                    targets,
                    () -> {},
                    OptionalLong.of(leadingAt));
            operator.stop(Duration.ofSeconds(30));
        }
    }

    interface Body {
        void run(OperatorProcess operator) throws Exception;
    }

    interface Submission {
        void run() throws Exception;
    }

    /** A new operator process with one more flag, over every request so far: start, idle, the body, stop. */
    private void restarted(DeploymentSpec deployment, Path kubeconfig, String operatorSecret, String flag, Body body)
            throws Exception {
        Map<String, Long> before = emulator.calls(VAULT);
        Map<String, Long> beforePremium = emulator.calls(PREMIUM_VAULT);
        try (OperatorProcess operator = startOperator(
                deployment,
                kubeconfig,
                operatorSecret,
                List.of(flag),
                "operator" + flag.replaceAll("[^a-z0-9]+", "-"))) {
            long started = System.nanoTime();
            Duration startup = operator.awaitReady(Duration.ofMinutes(2));
            long requests = cachedRequests();
            say(
                    "restarted operator (%s) pid %d ready after %.1f s over %d requests",
                    flag, operator.pid(), startup.toMillis() / 1000.0, requests);
            lifecycle.put(
                    "restart (" + flag + ") to ready, " + requests + " CertificateRequests",
                    num(startup.toMillis() / 1000.0, 1) + " s, " + num(operator.cpuSeconds(), 1) + " CPU s");
            // Issuance starts once this replica leads (the old Lease must expire first) and has checked every issuer.
            double leading = awaitLog(operator, "leader election: leading", started);
            long deadline = System.nanoTime() + settings.phaseTimeout().toNanos();
            while (System.nanoTime() < deadline
                    && (sinceRestart(before, beforePremium, "getKey") < issuerCount
                            || sinceRestart(before, beforePremium, "getSecret") < issuerCount)) {
                Thread.sleep(100);
            }
            lifecycle.put(
                    "restart (" + flag + ") to leading / to every issuer checked again",
                    num(leading, 1) + " s / " + num(seconds(started), 1) + " s");
            idle(
                    operator,
                    "after restart, " + requests + " requests cached",
                    "CPU idle after restart (" + flag + "), " + requests + " requests cached");
            long resigned = delta(before, emulator.calls(VAULT)).getOrDefault("sign", 0L)
                    + delta(beforePremium, emulator.calls(PREMIUM_VAULT)).getOrDefault("sign", 0L);
            lifecycle.put(
                    "signs by the restarted operator (" + flag + ") before new requests",
                    resigned + " (of " + requests + " requests, all Issued)");
            body.run(operator);
            Duration exit = operator.stop(Duration.ofSeconds(30));
            lifecycle.put("SIGTERM to exit (" + flag + ")", num(exit.toMillis() / 1000.0, 1) + " s");
        }
    }

    private long sinceRestart(Map<String, Long> before, Map<String, Long> beforePremium, String op) {
        return delta(before, emulator.calls(VAULT)).getOrDefault(op, 0L)
                + delta(beforePremium, emulator.calls(PREMIUM_VAULT)).getOrDefault(op, 0L);
    }

    /** Seconds from startNanos until the operator's log has a line with the text. */
    private double awaitLog(OperatorProcess operator, String text, long startNanos) throws Exception {
        long deadline = System.nanoTime() + settings.phaseTimeout().toNanos();
        while (operator.logLines(text) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        return seconds(startNanos);
    }

    private long cachedRequests() {
        return admin.resources(io.fabric8.certmanager.api.model.v1.CertificateRequest.class)
                .inAnyNamespace()
                .list()
                .getItems()
                .size();
    }

    /**
     * The requests of a phase: spread over every namespace; half to the namespace's own Issuer, half to the two
     * ClusterIssuers (RSA, EC), or all to the ClusterIssuer of the throttling vault.
     */
    private List<Target> targets(String prefix, int count, boolean throttlingVault) {
        List<Target> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int n = i % namespaces.size();
            String ns = namespaces.get(n);
            String csr = csrs.get(i % csrs.size());
            String kind;
            String name;
            if (throttlingVault) {
                kind = "ClusterIssuer";
                name = "cluster-hsm";
            } else if ((n + i / namespaces.size()) % 2 == 0) {
                kind = "Issuer";
                name = "team-ca";
            } else {
                kind = "ClusterIssuer";
                name = (i / 2) % 2 == 0 ? "cluster-rsa" : "cluster-ec";
            }
            String label = issuerLabels.get(kind.equals("Issuer") ? "Issuer/" + ns + "/" + name : kind + "/" + name);
            out.add(new Target(ns, prefix + "-" + i, kind, name, label, csr));
        }
        return out;
    }

    /**
     * Creates the three ClusterIssuers (the operator's own identity), or one Issuer per namespace (each with its own
     * service principal), and waits until all are Ready.
     */
    private void issuers(OperatorProcess operator, boolean namespaced) throws Exception {
        Map<String, Long> before = emulator.calls(VAULT);
        Map<String, Long> beforePremium = emulator.calls(PREMIUM_VAULT);
        double cpu0 = operator.cpuSeconds();
        long t0 = System.nanoTime();
        if (!namespaced) {
            for (String name : List.of("cluster-rsa", "cluster-ec")) {
                createClusterIssuer(name, VAULT);
            }
            createClusterIssuer("cluster-hsm", PREMIUM_VAULT);
        }
        for (int i = 0; namespaced && i < namespaces.size(); i++) {
            IssuerSpec spec = new IssuerSpec();
            spec.setVaultURL(emulator.vaultUrl(VAULT));
            spec.setKeyName("team-ca-" + i);
            ServicePrincipalAuth sp = new ServicePrincipalAuth();
            sp.setTenantID(emulator.tenantId());
            sp.setClientID(TENANT_CLIENT);
            sp.setClientSecretRef(new SecretKeySelector(CREDENTIALS_SECRET, CREDENTIALS_KEY));
            IssuerAuth auth = new IssuerAuth();
            auth.setServicePrincipal(sp);
            spec.setAuth(auth);
            Issuer issuer = new Issuer();
            issuer.getMetadata().setName("team-ca");
            issuer.getMetadata().setNamespace(namespaces.get(i));
            issuer.setSpec(spec);
            admin.resource(issuer).create();
        }
        int created = namespaced ? namespaces.size() : 3;
        issuerCount = namespaced ? namespaces.size() + 3 : 3;
        long deadline = System.nanoTime() + settings.phaseTimeout().toNanos();
        int ready = 0;
        while (System.nanoTime() < deadline) {
            ready = (int) (admin.resources(ClusterIssuer.class).list().getItems().stream()
                            .filter(i -> isReady(
                                    i.getStatus() == null ? null : i.getStatus().getConditions()))
                            .count()
                    + admin.resources(Issuer.class).inAnyNamespace().list().getItems().stream()
                            .filter(i -> isReady(
                                    i.getStatus() == null ? null : i.getStatus().getConditions()))
                            .count());
            if (ready == issuerCount) {
                break;
            }
            Thread.sleep(200);
        }
        double took = seconds(t0);
        if (ready < issuerCount) {
            throw new IllegalStateException("only " + ready + " of " + issuerCount + " issuers became Ready within "
                    + settings.phaseTimeout() + "; log: " + operator.tail(30));
        }
        Map<String, Long> calls = delta(before, emulator.calls(VAULT));
        delta(beforePremium, emulator.calls(PREMIUM_VAULT)).forEach((k, v) -> calls.merge(k, v, Long::sum));
        String what = namespaced
                ? created + " Issuers, each with its own service principal,"
                : created + " ClusterIssuers (the operator's identity)";
        lifecycle.put(
                what + " created to Ready",
                num(took, 1) + " s, " + num(operator.cpuSeconds() - cpu0, 1) + " CPU s; vault calls " + calls);
        say("%s Ready after %.1f s; vault calls %s", what, took, calls);
    }

    private void createClusterIssuer(String name, String vault) {
        IssuerSpec spec = new IssuerSpec();
        spec.setVaultURL(emulator.vaultUrl(vault));
        spec.setKeyName(name);
        ClusterIssuer issuer = new ClusterIssuer();
        issuer.getMetadata().setName(name);
        issuer.setSpec(spec);
        admin.resource(issuer).create();
    }

    private static boolean isReady(List<Condition> conditions) {
        return conditions != null
                && conditions.stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** Waits without load, measures CPU over the wait, then memory after a full GC. */
    private void idle(OperatorProcess operator, String point, String cpuLabel) throws Exception {
        operator.resetPeakRss();
        double cpu0 = operator.cpuSeconds();
        long t0 = System.nanoTime();
        Thread.sleep(settings.idle().toMillis());
        double cpu = operator.cpuSeconds() - cpu0;
        lifecycle.put(cpuLabel, num(cpu / seconds(t0) * 1000, 0) + " millicores (over " + num(seconds(t0), 0) + " s)");
        memory.add(memoryAfterGc(operator, point, -1));
    }

    private MemoryPoint memoryAfterGc(OperatorProcess operator, String point, long heapPeakSampled) throws Exception {
        long peak = operator.rss().peakBytes();
        operator.fullGc();
        OperatorProcess.Metrics m = operator.metrics();
        long heapResident = operator.heapResidentBytes();
        OperatorProcess.Rss rss = operator.rss();
        MemoryPoint p = new MemoryPoint(
                point,
                issuerCount,
                cachedRequests(),
                rss.currentBytes(),
                Math.max(peak, rss.peakBytes()),
                rss.anonBytes(),
                m.heapUsed(),
                m.heapCommitted(),
                heapResident,
                heapPeakSampled,
                m.nonHeapUsed(),
                m.liveThreads());
        say(
                "memory %s: RSS %s MiB (peak %s, outside the heap %s), heap after GC %s MiB, %d threads",
                point, mib(p.rss()), mib(p.peakRss()), mib(p.nativeResident()), mib(p.heapUsedAfterGc()), p.threads());
        return p;
    }

    /**
     * Submits a phase's requests, waits for all to be Ready, and records every figure of it. Latency runs from each
     * request's creation, or from {@code origin} when they were made before the operator ran (a backlog).
     */
    private void phase(
            OperatorProcess operator, String name, List<Target> targets, Submission submit, OptionalLong origin)
            throws Exception {
        say("phase %s: %d requests", name, targets.size());
        Map<String, Long> before = emulator.calls(VAULT);
        Map<String, Long> beforePremium = emulator.calls(PREMIUM_VAULT);
        OperatorProcess.Metrics m0 = operator.metrics();
        Machine.Cpu cpu0 = Machine.Cpu.read(operator.pid(), apiServerPid, etcdPid);
        operator.resetPeakRss();
        AtomicBoolean sampling = new AtomicBoolean(true);
        AtomicLong heapPeak = new AtomicLong();
        Thread sampler = new Thread(
                () -> {
                    while (sampling.get()) {
                        try {
                            heapPeak.accumulateAndGet(operator.metrics().heapUsed(), Math::max);
                            Thread.sleep(1000);
                        } catch (InterruptedException e) {
                            return;
                        } catch (RuntimeException e) {
                            // the next sample
                        }
                    }
                },
                "heap-sampler");
        sampler.setDaemon(true);
        sampler.start();

        String recording = "phase-" + name.replaceAll("[^A-Za-z0-9]+", "-").replaceAll("-$", "");
        if (settings.jfr()) {
            operator.startRecording(recording);
        }
        long t0 = System.nanoTime();
        submit.run();
        double submitSeconds = seconds(t0);
        int open = tracker.awaitDone(targets, settings.phaseTimeout().toNanos());
        if (settings.jfr()) {
            operator.stopRecording(recording, settings.workDir().resolve(recording + ".jfr"));
        }
        Machine.Cpu cpu =
                Machine.Cpu.read(operator.pid(), apiServerPid, etcdPid).minus(cpu0);
        double load = Machine.loadAverage();
        sampling.set(false);
        sampler.interrupt();
        sampler.join();

        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        List<Double> latencies = new ArrayList<>();
        Map<String, List<Double>> byLabel = new TreeMap<>();
        int failed = 0;
        int pending = 0;
        for (Target t : targets) {
            Long created = tracker.createdAt(t);
            Long ready = tracker.readyAt(t);
            if (tracker.hasFailed(t)) {
                failed++;
            }
            if (tracker.wasPending(t)) {
                pending++;
            }
            if (created != null && origin.isPresent()) {
                created = Math.max(created, origin.getAsLong());
            }
            if (created != null) {
                first = Math.min(first, created);
            }
            if (created != null && ready != null) {
                last = Math.max(last, ready);
                double ms = (ready - created) / 1e6;
                latencies.add(ms);
                byLabel.computeIfAbsent(t.label(), k -> new ArrayList<>()).add(ms);
            }
        }
        OperatorProcess.Metrics m1 = operator.metrics();
        Map<String, Long> calls = delta(before, emulator.calls(VAULT));
        delta(beforePremium, emulator.calls(PREMIUM_VAULT)).forEach((k, v) -> calls.merge(k, v, Long::sum));
        double signCount = m1.sum("akvi_sign_duration_seconds_count") - m0.sum("akvi_sign_duration_seconds_count");
        double signSum = m1.sum("akvi_sign_duration_seconds_sum") - m0.sum("akvi_sign_duration_seconds_sum");
        PhaseResult r = new PhaseResult(
                name,
                targets.size(),
                origin.isPresent() ? Double.NaN : submitSeconds,
                last == Long.MIN_VALUE ? Double.NaN : (last - first) / 1e9,
                latencies,
                byLabel,
                open,
                failed,
                pending,
                calls,
                m1.issued() - m0.issued(),
                m1.retried() - m0.retried(),
                signCount > 0 ? signSum / signCount * 1000 : Double.NaN,
                cpu,
                load);
        phases.add(r);
        say(
                "phase %s: %d issued in %.1f s (%.1f/s), p50 %.0f ms, p99 %.0f ms, open %d, vault calls %s",
                name,
                latencies.size(),
                r.wallSeconds(),
                latencies.size() / r.wallSeconds(),
                percentile(latencies, 50),
                percentile(latencies, 99),
                open,
                calls);
        memory.add(memoryAfterGc(operator, "after " + name, heapPeak.get()));
    }

    private static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> out = new TreeMap<>();
        after.forEach((k, v) -> {
            long d = v - before.getOrDefault(k, 0L);
            if (d != 0) {
                out.put(k, d);
            }
        });
        return out;
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    // ------------------------------------------------------------------------------------------------ report

    private String report(DeploymentSpec deployment) {
        StringBuilder out = new StringBuilder("## Benchmark results\n\n");
        Table setupTable = new Table("setting", "value");
        setup.forEach(setupTable::row);
        out.append(setupTable.render()).append('\n');

        out.append("### Issuance (latency: CertificateRequest creation to Ready=True seen by a watch)\n\n");
        Table issuance = new Table(
                "phase",
                "requests",
                "issued",
                "not done",
                "failed",
                "submit s",
                "wall s",
                "certs/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "max ms",
                "operator sign mean ms");
        for (PhaseResult p : phases) {
            issuance.row(
                    p.name(),
                    p.requests(),
                    p.issued(),
                    p.open(),
                    p.failed(),
                    num(p.submitSeconds(), 1),
                    num(p.wallSeconds(), 1),
                    num(p.issued() / p.wallSeconds(), 1),
                    num(percentile(p.latenciesMs(), 50), 0),
                    num(percentile(p.latenciesMs(), 95), 0),
                    num(percentile(p.latenciesMs(), 99), 0),
                    num(percentile(p.latenciesMs(), 100), 0),
                    num(p.signMeanMs(), 1));
        }
        out.append(issuance.render()).append('\n');

        out.append("### Vault calls and throttling (emulator counters; operator metrics)\n\n");
        Table vault = new Table(
                "phase",
                "sign calls",
                "429 answers",
                "signs that succeeded",
                "per certificate",
                "getKey",
                "getSecret",
                "other",
                "requests seen Pending",
                "operator retries (Retryable)");
        for (PhaseResult p : phases) {
            long sign = p.calls("sign");
            long throttled = p.calls("throttled");
            long other = p.vaultCalls().entrySet().stream()
                    .filter(e ->
                            !List.of("sign", "throttled", "getKey", "getSecret").contains(e.getKey()))
                    .mapToLong(Map.Entry::getValue)
                    .sum();
            vault.row(
                    p.name(),
                    sign,
                    throttled,
                    sign - throttled,
                    num(p.issued() == 0 ? Double.NaN : (sign - throttled) / (double) p.issued(), 2),
                    p.calls("getKey"),
                    p.calls("getSecret"),
                    other,
                    p.pendingSeen(),
                    p.retriedMetric());
        }
        out.append(vault.render()).append('\n');

        out.append("### CPU per phase (CPU seconds from /proc; the machine has "
                + Runtime.getRuntime().availableProcessors() + " cores)\n\n");
        Table cpu = new Table(
                "phase",
                "wall s",
                "machine busy",
                "operator",
                "operator cores",
                "operator CPU ms/cert",
                "kube-apiserver",
                "etcd",
                "load driver + emulator",
                "other processes",
                "load avg at end");
        for (PhaseResult p : phases) {
            Machine.Cpu c = p.cpu();
            double wall = p.wallSeconds();
            cpu.row(
                    p.name(),
                    num(wall, 1),
                    num(c.machineBusy() / wall / Runtime.getRuntime().availableProcessors() * 100, 0) + " %",
                    num(c.operator(), 1),
                    num(c.operator() / wall, 2),
                    num(p.issued() == 0 ? Double.NaN : c.operator() * 1000 / p.issued(), 1),
                    num(c.apiServer(), 1),
                    num(c.etcd(), 1),
                    num(c.driver(), 1),
                    num(c.others(), 1),
                    num(p.loadAverage(), 1));
        }
        out.append(cpu.render()).append('\n');

        out.append("### Latency by CA key\n\n");
        Table byKey = new Table("phase", "CA key", "certificates", "p50 ms", "p95 ms", "p99 ms");
        for (PhaseResult p : phases) {
            p.byLabel()
                    .forEach((label, values) -> byKey.row(
                            p.name(),
                            label,
                            values.size(),
                            num(percentile(values, 50), 0),
                            num(percentile(values, 95), 0),
                            num(percentile(values, 99), 0)));
        }
        out.append(byKey.render()).append('\n');

        out.append("### Memory of the operator process (RSS from /proc/PID/status; heap from /metrics after "
                + "jcmd GC.run; limit " + deployment.memoryLimit() + ")\n\n");
        Table mem = new Table(
                "point",
                "issuers",
                "CertificateRequests",
                "RSS MiB",
                "peak RSS (VmHWM) MiB",
                "peak % of limit",
                "heap used after GC MiB",
                "heap used peak (1 s samples) MiB",
                "heap committed MiB",
                "RSS outside the heap MiB",
                "of which anonymous MiB",
                "JVM non-heap used MiB",
                "threads");
        for (MemoryPoint p : memory) {
            mem.row(
                    p.point(),
                    p.issuers(),
                    p.cachedRequests(),
                    mib(p.rss()),
                    mib(p.peakRss()),
                    num(100.0 * p.peakRss() / deployment.memoryLimitBytes(), 0) + " %",
                    mib(p.heapUsedAfterGc()),
                    p.heapPeakSampled() < 0 ? "-" : mib(p.heapPeakSampled()),
                    mib(p.heapCommitted()),
                    mib(p.nativeResident()),
                    mib(p.nativeAnon()),
                    mib(p.nonHeap()),
                    p.threads());
        }
        out.append(mem.render()).append('\n');
        derivedMemory(out);
        if (!memoryPhase.isEmpty()) {
            out.append("### Heap per CertificateRequest by kind (heap after a full GC, before and after each kind was "
                    + "added)\n\n");
            Table kinds = new Table("kind", "requests", "heap bytes per request");
            memoryPhase.forEach(row -> kinds.row(row[0], row[1], row[2]));
            out.append(kinds.render()).append('\n');
        }

        out.append("### Operator lifecycle and idle CPU\n\n");
        Table life = new Table("measure", "value");
        lifecycle.forEach(life::row);
        out.append(life.render());
        return out.toString();
    }

    /** What one more issuer and one more cached CertificateRequest cost, from the idle points. */
    private void derivedMemory(StringBuilder out) {
        MemoryPoint few = memory.stream()
                .filter(p -> p.point().contains("ClusterIssuers Ready"))
                .findFirst()
                .orElse(null);
        MemoryPoint withIssuers = memory.stream()
                .filter(p -> p.point().startsWith("idle, ") && p.point().endsWith(" issuers Ready"))
                .findFirst()
                .orElse(null);
        MemoryPoint restarted = memory.stream()
                .filter(p -> p.point().startsWith("after restart"))
                .reduce((a, b) -> b)
                .orElse(null);
        Table t = new Table("derived", "value");
        if (few != null && withIssuers != null && withIssuers.issuers() > few.issuers()) {
            int n = withIssuers.issuers() - few.issuers();
            t.row(
                    "per Issuer with its own service principal (idle " + withIssuers.issuers() + " issuers minus idle "
                            + few.issuers() + ", / " + n + ")",
                    "heap after GC "
                            + num((withIssuers.heapUsedAfterGc() - few.heapUsedAfterGc()) / 1024.0 / n, 0)
                            + " KiB, RSS "
                            + num((withIssuers.rss() - few.rss()) / 1024.0 / n, 0) + " KiB, of which outside the heap "
                            + num((withIssuers.nativeResident() - few.nativeResident()) / 1024.0 / n, 0)
                            + " KiB, threads "
                            + num((withIssuers.threads() - few.threads()) / (double) n, 2));
        }
        if (withIssuers != null && restarted != null && restarted.cachedRequests() > withIssuers.cachedRequests()) {
            long requests = restarted.cachedRequests() - withIssuers.cachedRequests();
            t.row(
                    "per cached CertificateRequest (last restart idle minus idle with issuers, / " + requests + ")",
                    "heap after GC "
                            + num((restarted.heapUsedAfterGc() - withIssuers.heapUsedAfterGc()) / 1024.0 / requests, 1)
                            + " KiB");
        }
        long nativeMax =
                memory.stream().mapToLong(MemoryPoint::nativeResident).max().orElse(-1);
        long anonMax = memory.stream().mapToLong(MemoryPoint::nativeAnon).max().orElse(-1);
        long peakMax = memory.stream().mapToLong(MemoryPoint::peakRss).max().orElse(-1);
        if (nativeMax > 0) {
            t.row(
                    "largest RSS outside the heap (any point)",
                    mib(nativeMax) + " MiB, of which anonymous " + mib(anonMax) + " MiB");
            t.row("largest peak RSS (any point)", mib(peakMax) + " MiB");
        }
        out.append(t.render()).append('\n');
    }
}
