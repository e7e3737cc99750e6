package dev.azurekeyvaultissuer.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * cert-manager's real controller (a binary hack/test-env builds, see {@link Release}) as a child process of the test
 * JVM, against the test API server: the flags hack/test-env/cert-manager.sh uses, with its default controllers
 * (issuing, key manager, request manager, readiness, trigger, the internal issuers, ingress-shim and the
 * certificaterequests-approver). There is no webhook and no cainjector: nothing defaults or validates resources, and
 * approvals are not checked against RBAC (see {@link CertManagerEndToEndSuite}). Every server it opens listens on
 * 127.0.0.1 on a free port.
 */
final class CertManagerController implements AutoCloseable {

    private static final Duration STARTUP = Duration.ofSeconds(90);

    /** The cert-manager releases hack/test-env builds; each one's binary, CRDs and version come from env.sh. */
    enum Release {
        /** v1.21: built from its source tarball; serves /livez on its (hidden) internal healthz server. */
        CURRENT("CERT_MANAGER_CONTROLLER", "CERT_MANAGER_CRDS", "CERT_MANAGER_VERSION", true),
        /** v1.11.5, the oldest release tested: built from the Go module proxy; it has no health endpoint. */
        V1_11("CERT_MANAGER_V1_11_CONTROLLER", "CERT_MANAGER_V1_11_CRDS", "CERT_MANAGER_V1_11_VERSION", false);

        private final String controllerVariable;
        private final String crdsVariable;
        private final String versionVariable;
        private final boolean healthz;

        Release(String controllerVariable, String crdsVariable, String versionVariable, boolean healthz) {
            this.controllerVariable = controllerVariable;
            this.crdsVariable = crdsVariable;
            this.versionVariable = versionVariable;
            this.healthz = healthz;
        }

        /** The controller binary named by its variable; fails (never skips) when it is not there. */
        Path binary() {
            String value = System.getenv(controllerVariable);
            if (value == null || value.isBlank()) {
                throw new IllegalStateException(
                        controllerVariable + " is not set: run the end-to-end tests with "
                                + "`make test`, which builds cert-manager's controller (hack/test-env/build.sh) and exports "
                                + "it, or `source ~/.cache/azure-keyvault-issuer/test-env/env.sh` after hack/test-env/build.sh");
            }
            Path binary = Path.of(value);
            if (!Files.isExecutable(binary)) {
                throw new IllegalStateException(controllerVariable + "=" + value + " is not an executable file: "
                        + "build it with hack/test-env/build.sh (or `make test`)");
            }
            return binary;
        }

        /** The release's CRDs, rendered by hack/test-env/build.sh. */
        Path crds() {
            Path crds = Path.of(TestCluster.requiredEnv(crdsVariable));
            if (!Files.isRegularFile(crds)) {
                throw new IllegalStateException(crdsVariable + "=" + crds + " is not a file: build it with "
                        + "hack/test-env/build.sh (or `make test`)");
            }
            return crds;
        }

        String version() {
            return TestCluster.requiredEnv(versionVariable);
        }
    }

    private final Process process;
    private final Path log;

    private CertManagerController(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** The current release's controller binary ($CERT_MANAGER_CONTROLLER); fails (never skips) when it is not there. */
    static Path binary() {
        return Release.CURRENT.binary();
    }

    /** {@link #start(Release, Path, Path, String)} of the current release. */
    static CertManagerController start(Path kubeconfigFile, Path workDir, String clusterResourceNamespace)
            throws IOException, InterruptedException {
        return start(Release.CURRENT, kubeconfigFile, workDir, clusterResourceNamespace);
    }

    /** {@link #start(Release, Path, Path, String, List)} without extra flags. */
    static CertManagerController start(
            Release release, Path kubeconfigFile, Path workDir, String clusterResourceNamespace)
            throws IOException, InterruptedException {
        return start(release, kubeconfigFile, workDir, clusterResourceNamespace, List.of());
    }

    /**
     * Starts the controller with {@code kubeconfigFile} and {@code extraFlags}, logging to
     * {@code workDir}/cert-manager-controller.log, and waits until it is up: /livez on its healthz server answers 200
     * (v1.21), and its metrics server answers (the only sign of life v1.11 gives).
     */
    static CertManagerController start(
            Release release,
            Path kubeconfigFile,
            Path workDir,
            String clusterResourceNamespace,
            List<String> extraFlags)
            throws IOException, InterruptedException {
        Path binary = release.binary();
        Files.createDirectories(workDir);
        Path log = workDir.resolve("cert-manager-controller.log");
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(
                binary.toString(),
                "--kubeconfig=" + kubeconfigFile,
                "--cluster-resource-namespace=" + clusterResourceNamespace,
                "--leader-elect=false",
                "--controllers=*",
                "--metrics-listen-address=127.0.0.1:" + port,
                "--v=2"));
        Integer healthzPort = null;
        if (release.healthz) {
            // Hidden flag, default 0.0.0.0:9403: keep it on loopback and off a fixed port.
            healthzPort = freePort();
            command.add("--internal-healthz-listen-address=127.0.0.1:" + healthzPort);
        }
        command.addAll(extraFlags);
        Files.writeString(log, "# " + Instant.now() + " " + String.join(" ", command) + "\n");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        CertManagerController controller = new CertManagerController(process, log);
        Runtime.getRuntime().addShutdownHook(new Thread(controller::close));
        if (healthzPort != null) {
            controller.await("http://127.0.0.1:" + healthzPort + "/livez");
        }
        controller.await("http://127.0.0.1:" + port + "/metrics");
        return controller;
    }

    private void await(String url) throws InterruptedException {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(5))
                .build();
        Instant deadline = Instant.now().plus(STARTUP);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("cert-manager's controller exited with " + process.exitValue()
                        + " while starting; the end of " + log + ":\n" + tail(60));
            }
            try {
                if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        close();
        throw new IllegalStateException("cert-manager's controller did not answer " + url + " within " + STARTUP
                + "; the end of " + log + ":\n" + tail(60));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    /** The last {@code lines} lines of the controller's log. */
    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", new ArrayList<>(all.subList(Math.max(0, all.size() - lines), all.size())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGTERM, then SIGKILL after 15 seconds; only the process this class started. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
