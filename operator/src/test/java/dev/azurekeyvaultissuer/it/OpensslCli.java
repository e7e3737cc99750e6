package dev.azurekeyvaultissuer.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The openssl command line, run as a process, the way a user checks what cert-manager stored. */
final class OpensslCli {

    private final Path openssl;

    private OpensslCli(Path openssl) {
        this.openssl = openssl;
    }

    /** openssl from PATH; fails (never skips) without it. */
    static OpensslCli fromPath() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "openssl");
            if (Files.isExecutable(candidate)) {
                return new OpensslCli(candidate);
            }
        }
        throw new IllegalStateException(
                "openssl is not on PATH: the end-to-end tests check chains with " + "`openssl verify`");
    }

    record Result(int exitCode, String output) {}

    Result run(List<String> arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(openssl.toString());
        command.addAll(arguments);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("openssl " + arguments + " did not finish in 30 s");
        }
        return new Result(process.exitValue(), output);
    }

    /** Runs openssl and returns its output; throws with the output when it fails. */
    String check(List<String> arguments) throws IOException, InterruptedException {
        Result result = run(arguments);
        if (result.exitCode() != 0) {
            throw new AssertionError("openssl " + String.join(" ", arguments) + " exited with " + result.exitCode()
                    + ":\n" + result.output());
        }
        return result.output();
    }
}
