package dev.azurekeyvaultissuer.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator as its own JVM, started from the built jar the way the container starts it ({@code java ... run}
 * with JAVA_TOOL_OPTIONS), and what can be read from outside it: readiness, Prometheus metrics, resident memory
 * from /proc, CPU time, and a full GC through jcmd.
 */
final class OperatorProcess implements AutoCloseable {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final int healthPort;
    private final Path log;
    private final long startedNanos;

    private OperatorProcess(Process process, int healthPort, Path log, long startedNanos) {
        this.process = process;
        this.healthPort = healthPort;
        this.log = log;
        this.startedNanos = startedNanos;
    }

    /**
     * Starts {@code java <jvmFlags> -jar jar run <args> --health-port P}. The environment is the caller's minus any
     * Azure or Kubernetes settings, plus {@code env}; stdout and stderr go to {@code log}.
     */
    static OperatorProcess start(Path jar, List<String> jvmFlags, List<String> args, Map<String, String> env, Path log)
            throws IOException {
        int port = freePort();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags);
        command.add("-jar");
        command.add(jar.toString());
        command.add("run");
        command.addAll(args);
        command.add("--health-port=" + port);
        // Replicas on one machine: each its own CRL port, on loopback.
        command.add("--crl-bind-address=127.0.0.1");
        command.add("--crl-port=0");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        builder.environment()
                .keySet()
                .removeIf(k -> k.startsWith("AZURE_")
                        || k.startsWith("IDENTITY_")
                        || k.startsWith("MSI_")
                        || k.equals("KUBECONFIG")
                        || k.startsWith("KUBERNETES_")
                        || k.equals("JAVA_TOOL_OPTIONS")
                        || k.equals("JDK_JAVA_OPTIONS"));
        builder.environment().putAll(env);
        long started = System.nanoTime();
        return new OperatorProcess(builder.start(), port, log, started);
    }

    long pid() {
        return process.pid();
    }

    /** Waits for /readyz to answer 200; returns the time since the process was started. */
    Duration awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "the operator exited with " + process.exitValue() + "; log: " + log + "\n" + tail(40));
            }
            try {
                HttpResponse<Void> r = HTTP.send(
                        HttpRequest.newBuilder(url("/readyz"))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return Duration.ofNanos(System.nanoTime() - startedNanos);
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(
                "the operator was not ready within " + timeout + "; log: " + log + "\n" + tail(40));
    }

    /** The body of /readyz ("leader", "standby", "not ready"), or "" while it does not answer. */
    String readyzBody() throws InterruptedException {
        try {
            return HTTP.send(
                            HttpRequest.newBuilder(url("/readyz"))
                                    .timeout(Duration.ofSeconds(2))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body()
                    .trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** Starts a JFR CPU profile (settings=profile) of what follows, until {@link #stopRecording}. */
    void startRecording(String name) throws IOException, InterruptedException {
        jcmd("JFR.start name=" + name + " settings=profile");
    }

    /** Stops the recording {@code name} and writes it to {@code file}. */
    void stopRecording(String name, Path file) throws IOException, InterruptedException {
        jcmd("JFR.stop name=" + name + " filename=" + file);
    }

    /** Native Memory Tracking's summary (needs -XX:NativeMemoryTracking=summary), in MiB. */
    String nativeMemory() throws IOException, InterruptedException {
        return jcmd("VM.native_memory summary scale=MB");
    }

    /** The live objects by class (jcmd GC.class_histogram, which runs a full GC first). */
    String classHistogram() throws IOException, InterruptedException {
        return jcmd("GC.class_histogram");
    }

    /** The Prometheus text of /metrics. */
    Metrics metrics() {
        try {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(url("/metrics"))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Metrics(r.body());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the operator's /metrics: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * VmRSS, VmHWM (peak resident set since start or since {@link #resetPeakRss()}) and the anonymous part of the
     * RSS (RssAnon: heap, metaspace, stacks, malloc; the rest is file-backed: libjvm, the CDS archive, jars), bytes.
     */
    Rss rss() {
        try {
            String status = Files.readString(Path.of("/proc", Long.toString(pid()), "status"));
            return new Rss(kib(status, "VmRSS") * 1024, kib(status, "VmHWM") * 1024, kib(status, "RssAnon") * 1024);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid() + "/status", e);
        }
    }

    /** Resets VmHWM to the current RSS (Linux: 5 into /proc/PID/clear_refs); false when not allowed. */
    boolean resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc", Long.toString(pid()), "clear_refs"), "5");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** User plus system CPU time of the process so far, in seconds. */
    double cpuSeconds() {
        return Machine.cpuSeconds(pid());
    }

    /** A full GC (jcmd GC.run), so that heap figures read afterwards are the live set. */
    void fullGc() throws IOException, InterruptedException {
        jcmd("GC.run");
        Thread.sleep(500);
    }

    /**
     * Resident bytes of the Java heap's address range: the range from jcmd GC.heap_info, the resident pages of the
     * mappings inside it from /proc/PID/smaps. The rest of the RSS is the JVM's native footprint (metaspace, code
     * cache, thread stacks, GC structures, malloc), which the memory limit must hold besides the heap.
     */
    long heapResidentBytes() throws IOException, InterruptedException {
        Matcher m = Pattern.compile("\\[0x([0-9a-f]+), 0x([0-9a-f]+), 0x([0-9a-f]+)\\)")
                .matcher(jcmd("GC.heap_info"));
        long low = -1;
        long high = 0;
        while (m.find()) {
            long start = Long.parseUnsignedLong(m.group(1), 16);
            long end = Long.parseUnsignedLong(m.group(3), 16);
            low = low < 0 ? start : Math.min(low, start);
            high = Math.max(high, end);
        }
        if (low < 0) {
            return -1;
        }
        long resident = 0;
        boolean inside = false;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "smaps"))) {
            Matcher vma = VMA.matcher(line);
            if (vma.lookingAt()) {
                long start = Long.parseUnsignedLong(vma.group(1), 16);
                long end = Long.parseUnsignedLong(vma.group(2), 16);
                inside = start >= low && end <= high;
            } else if (inside && line.startsWith("Rss:")) {
                resident += Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return resident;
    }

    private static final Pattern VMA = Pattern.compile("([0-9a-f]+)-([0-9a-f]+) ");

    /** The heap size the JVM chose (MaxHeapSize from jcmd VM.flags), in bytes, or -1. */
    long maxHeapBytes() throws IOException, InterruptedException {
        Matcher m = Pattern.compile("MaxHeapSize=(\\d+)").matcher(jcmd("VM.flags"));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** The collector the JVM runs with, from jcmd VM.flags. */
    String collector() throws IOException, InterruptedException {
        Matcher m = Pattern.compile("-XX:\\+Use(\\w+GC)").matcher(jcmd("VM.flags"));
        return m.find() ? m.group(1) : "?";
    }

    private String jcmd(String command) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(
                        Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd", Long.toString(pid()), command)
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("jcmd " + pid() + " " + command + " failed: " + out);
        }
        return out;
    }

    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Lines of the log that contain the text. */
    long logLines(String text) throws IOException {
        try (var lines = Files.lines(log)) {
            return lines.filter(l -> l.contains(text)).count();
        }
    }

    /** SIGKILL: the process dies where it is, as on an OOM kill or a node failure. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM, as the kubelet does, then SIGKILL after the grace period; returns how long the exit took. */
    Duration stop(Duration grace) throws InterruptedException {
        long t0 = System.nanoTime();
        process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop(Duration.ofSeconds(30));
        }
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + healthPort + path);
    }

    private static long kib(String status, String field) {
        Matcher m = Pattern.compile("(?m)^" + field + ":\\s+(\\d+) kB").matcher(status);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    record Rss(long currentBytes, long peakBytes, long anonBytes) {}

    /** Prometheus text format, read by name and label substrings. */
    record Metrics(String text) {

        /** The sum of every sample of the metric whose labels contain all the given fragments. */
        double sum(String name, String... labelFragments) {
            double total = 0;
            for (String line : text.split("\n")) {
                if (line.startsWith("#") || !(line.startsWith(name + "{") || line.startsWith(name + " "))) {
                    continue;
                }
                int brace = line.indexOf('}');
                String labels = brace > 0 ? line.substring(name.length(), brace + 1) : "";
                boolean matches = true;
                for (String fragment : labelFragments) {
                    matches &= labels.contains(fragment);
                }
                if (matches) {
                    String value = line.substring(line.lastIndexOf(' ') + 1);
                    total += Double.parseDouble(value);
                }
            }
            return total;
        }

        long heapUsed() {
            return (long) sum("jvm_memory_used_bytes", "area=\"heap\"");
        }

        long heapCommitted() {
            return (long) sum("jvm_memory_committed_bytes", "area=\"heap\"");
        }

        long nonHeapUsed() {
            return (long) sum("jvm_memory_used_bytes", "area=\"nonheap\"");
        }

        long liveThreads() {
            return (long) sum("jvm_threads_live_threads");
        }

        long issued() {
            return (long) sum("akvi_certificates_issued_total");
        }

        long retried() {
            return (long) sum("akvi_certificates_failed_total", "reason=\"Retryable\"");
        }

        long failed() {
            return (long) sum("akvi_certificates_failed_total") - retried();
        }
    }
}
