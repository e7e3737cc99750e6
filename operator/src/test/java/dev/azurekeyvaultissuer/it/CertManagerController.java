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
 * cert-manager's real controller (the binary hack/test-env builds from its Go module) as a child process of the test
 * JVM, against the test API server: the flags hack/test-env/cert-manager.sh uses, with its default controllers
 * (issuing, key manager, request manager, readiness, trigger, the internal issuers and the
 * certificaterequests-approver). There is no webhook and no cainjector: nothing defaults or validates resources, and
 * approvals are not checked against RBAC (see {@link CertManagerEndToEndIT}).
 */
final class CertManagerController implements AutoCloseable {

    private static final Duration STARTUP = Duration.ofSeconds(90);

    private final Process process;
    private final Path log;
    private final int metricsPort;

    private CertManagerController(Process process, Path log, int metricsPort) {
        this.process = process;
        this.log = log;
        this.metricsPort = metricsPort;
    }

    /** The controller binary named by $CERT_MANAGER_CONTROLLER; fails (never skips) when it is not there. */
    static Path binary() {
        String value = System.getenv("CERT_MANAGER_CONTROLLER");
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("CERT_MANAGER_CONTROLLER is not set: run the end-to-end tests with `make "
                    + "test`, which builds cert-manager's controller (hack/test-env/build.sh) and exports it, or "
                    + "`source ~/.cache/azure-keyvault-issuer/test-env/env.sh` after hack/test-env/build.sh");
        }
        Path binary = Path.of(value);
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("CERT_MANAGER_CONTROLLER=" + value + " is not an executable file: build "
                    + "it with hack/test-env/build.sh cert-manager (or `make test`)");
        }
        return binary;
    }

    /**
     * Starts the controller with {@code kubeconfigFile}, logging to {@code workDir}/cert-manager-controller.log, and
     * waits until its metrics server answers (v1.11 has no health endpoint).
     */
    static CertManagerController start(Path kubeconfigFile, Path workDir, String clusterResourceNamespace)
            throws IOException, InterruptedException {
        Path binary = binary();
        Files.createDirectories(workDir);
        Path log = workDir.resolve("cert-manager-controller.log");
        int port = freePort();
        List<String> command = List.of(binary.toString(),
                "--kubeconfig=" + kubeconfigFile,
                "--cluster-resource-namespace=" + clusterResourceNamespace,
                "--leader-elect=false",
                "--controllers=*",
                "--metrics-listen-address=127.0.0.1:" + port,
                "--v=2");
        Files.writeString(log, "# " + Instant.now() + " " + String.join(" ", command) + "\n");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        CertManagerController controller = new CertManagerController(process, log, port);
        Runtime.getRuntime().addShutdownHook(new Thread(controller::close));
        controller.awaitMetrics();
        return controller;
    }

    private void awaitMetrics() throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build();
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
            Thread.sleep(250);
        }
        close();
        throw new IllegalStateException("cert-manager's controller did not serve metrics within " + STARTUP
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
