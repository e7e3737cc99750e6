package dev.azurekeyvaultissuer.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.cryptography.CryptographyClient;
import com.azure.security.keyvault.keys.cryptography.models.SignatureAlgorithm;
import com.azure.security.keyvault.keys.models.KeyType;
import com.azure.security.keyvault.keys.models.KeyVaultKey;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built jar, target/keyvault-emulator.jar with its lib/, started as `make keyvault-emulator` starts it (a vault, a
 * Managed HSM, a client with a secret, a managed identity, a state file) plus command-line faults: what it prints is
 * enough for real Azure SDK clients, the faults are in effect, and SIGTERM saves the state.
 */
class EmulatorJarIT {
    private static final RetryOptions NO_RETRY = new RetryOptions(new FixedDelayOptions(0, Duration.ofMillis(1)));

    @Test
    void runnableJarServesWhatItPrintsAppliesFaultFlagsAndSavesStateOnSigterm(@TempDir Path dir) throws Exception {
        Path jar = Path.of(System.getProperty("keyvault-emulator.jar", "target/keyvault-emulator.jar"));
        assertTrue(Files.isRegularFile(jar), jar + " missing: the Makefile and hack/demo.sh run this path");
        Path state = dir.resolve("state.json");
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar.toString(),
                "--vault",
                "demo",
                "--managed-hsm",
                "demo-hsm",
                "--client",
                "test-client:test-secret-not-for-production",
                "--managed-identity",
                "test-mi",
                "--tls-dir",
                dir.resolve("tls").toString(),
                "--state-file",
                state.toString(),
                "--throttle-next",
                "sign=1",
                "--fail-next",
                "createKey=1:500",
                "--retry-after",
                "1");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        StringBuffer output = new StringBuffer();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> readOutput(process, output, ready), "emulator-output");
        reader.setDaemon(true);
        reader.start();
        try {
            try {
                ready.get(60, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                fail("no \"ready.\" within 60 s:\n" + output);
            }
            StartupSummary printed = StartupSummary.parse(output.toString());
            assertTrue(printed.output().contains("NOT FOR PRODUCTION"), printed.output());
            assertTrue(printed.vaultUrls().keySet().containsAll(List.of("demo", "demo-hsm")), printed.output());
            assertEquals(dir.resolve("tls").resolve("emulator-truststore.p12").toAbsolutePath(), printed.trustStore());
            assertTrue(printed.output().contains("client test-mi (managed identity)"), printed.output());

            KeyClient keys = printed.keys("demo", printed.secretCredential("test-client"), NO_RETRY);
            // --fail-next createKey=1:500
            HttpResponseException failed =
                    assertThrows(HttpResponseException.class, () -> keys.createKey("ca", KeyType.EC));
            assertEquals(500, failed.getResponse().getStatusCode());
            KeyVaultKey ca = keys.createKey("ca", KeyType.EC);
            assertTrue(ca.getId().startsWith(printed.vaultUrl("demo") + "/keys/ca/"), ca.getId());

            // --throttle-next sign=1 with --retry-after 1: Key Vault's 429, then a signature.
            CryptographyClient crypto = printed.crypto(ca.getId(), printed.secretCredential("test-client"), NO_RETRY);
            HttpResponseException throttled = assertThrows(
                    HttpResponseException.class, () -> crypto.sign(SignatureAlgorithm.ES256, new byte[32]));
            assertEquals(429, throttled.getResponse().getStatusCode());
            assertEquals("1", throttled.getResponse().getHeaderValue("Retry-After"));
            assertTrue(throttled.getMessage().contains("\"code\":\"Throttled\""), throttled.getMessage());
            assertEquals(64, crypto.sign(SignatureAlgorithm.ES256, new byte[32]).getSignature().length);

            // The printed Managed HSM URL works too, and command-line faults are per vault: its first createKey
            // fails as well.
            KeyClient hsm = printed.keys("demo-hsm", printed.secretCredential("test-client"), NO_RETRY);
            assertEquals(
                    500,
                    assertThrows(HttpResponseException.class, () -> hsm.createKey("hsm-ca", KeyType.EC_HSM))
                            .getResponse()
                            .getStatusCode());
            assertEquals("hsm-ca", hsm.createKey("hsm-ca", KeyType.EC_HSM).getName());
        } finally {
            process.destroy(); // SIGTERM: the shutdown hook closes the emulator and saves the state file
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("the emulator did not stop within 30 s of SIGTERM:\n" + output);
            }
        }
        String saved = Files.readString(state);
        assertTrue(saved.contains("\"ca\"") && saved.contains("\"hsm-ca\""), saved);
    }

    private static void readOutput(Process process, StringBuffer output, CompletableFuture<Void> ready) {
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                output.append(line).append('\n');
                if (line.equals("ready.")) {
                    ready.complete(null);
                }
            }
        } catch (IOException e) {
            // the process ended
        }
        ready.completeExceptionally(new IllegalStateException("the emulator exited before \"ready.\":\n" + output));
    }
}
