package dev.azurekeyvaultissuer.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * CPU time of processes and of the whole machine, from /proc, so that each phase can say where the CPU went: the
 * operator, the kube-apiserver and etcd, this JVM (load driver and Key Vault emulator), and anything else running on
 * the machine at the same time.
 */
final class Machine {

    private static final long CLOCK_TICKS = clockTicks();

    private Machine() {}

    /** User plus system CPU seconds of a process so far; 0 when it is gone. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / (double) CLOCK_TICKS;
        } catch (IOException e) {
            return 0;
        }
    }

    /** CPU seconds the whole machine spent busy (all cores, everything but idle and iowait) since boot. */
    static double busySeconds() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return (total - idle) / (double) CLOCK_TICKS;
        } catch (IOException e) {
            return 0;
        }
    }

    /** The 1-minute load average. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    /** The pid of this JVM's descendant whose executable ends with the name (kube-apiserver, etcd), or -1. */
    static long descendant(String executable) {
        return ProcessHandle.current()
                .descendants()
                .filter(p -> p.info()
                        .command()
                        .map(c -> c.endsWith("/" + executable))
                        .orElse(false))
                .mapToLong(ProcessHandle::pid)
                .findFirst()
                .orElse(-1);
    }

    /** CPU seconds of the parts of the system under test, read together. */
    record Cpu(double machineBusy, double operator, double apiServer, double etcd, double driver) {

        static Cpu read(long operatorPid, long apiServerPid, long etcdPid) {
            return new Cpu(
                    busySeconds(),
                    cpuSeconds(operatorPid),
                    apiServerPid < 0 ? 0 : cpuSeconds(apiServerPid),
                    etcdPid < 0 ? 0 : cpuSeconds(etcdPid),
                    cpuSeconds(ProcessHandle.current().pid()));
        }

        Cpu minus(Cpu before) {
            return new Cpu(
                    machineBusy - before.machineBusy,
                    operator - before.operator,
                    apiServer - before.apiServer,
                    etcd - before.etcd,
                    driver - before.driver);
        }

        /** Busy CPU seconds of everything else on the machine (other users' work included). */
        double others() {
            return Math.max(0, machineBusy - operator - apiServer - etcd - driver);
        }
    }

    static Optional<String> cpuModel() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            return lines.stream()
                    .filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            p.waitFor();
            return Long.parseLong(out);
        } catch (IOException | NumberFormatException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
