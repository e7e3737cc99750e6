package dev.azurekeyvaultissuer.it;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubeapitest.process.KubeAPIServerProcess;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

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
    private Process restartedApiServer;

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

    /**
     * Stops kube-apiserver abruptly (SIGKILL, as a crash) and starts it again with the same command line: the same
     * port, certificates and etcd, which keeps running, so clients keep their URL and credentials. kube-api-test has
     * no restart, and when its API server process exits it stops etcd too; so its process holder is told to stop
     * (through reflection: the field is private) and this JVM owns the new process from then on.
     *
     * @return the time from the stop until the API server answered again
     */
    public synchronized Duration restartApiServer(Path log) throws IOException, InterruptedException {
        long pid = ProcessHandle.current()
                .descendants()
                .filter(p -> p.info()
                        .command()
                        .map(c -> c.endsWith("/kube-apiserver"))
                        .orElse(false))
                .mapToLong(ProcessHandle::pid)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no kube-apiserver runs under this JVM"));
        List<String> command = Arrays.asList(
                new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8)
                        .split("\0"));
        long stopped = System.nanoTime();
        if (restartedApiServer == null) {
            kubeApiTestProcess().stopApiServer();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                if (restartedApiServer != null) {
                    restartedApiServer.destroy();
                }
            }));
        } else {
            restartedApiServer.destroyForcibly().waitFor();
        }
        restartedApiServer = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            try {
                admin.namespaces().withName("default").get();
                return Duration.ofNanos(System.nanoTime() - stopped);
            } catch (KubernetesClientException e) {
                if (!restartedApiServer.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("kube-apiserver did not come back; its log: " + log, e);
                }
                Thread.sleep(100);
            }
        }
    }

    private KubeAPIServerProcess kubeApiTestProcess() {
        try {
            var field = KubeAPIServer.class.getDeclaredField("kubeApiServerProcess");
            field.setAccessible(true);
            return (KubeAPIServerProcess) field.get(apiServer);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("kube-api-test changed: no kubeApiServerProcess field to stop", e);
        }
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
