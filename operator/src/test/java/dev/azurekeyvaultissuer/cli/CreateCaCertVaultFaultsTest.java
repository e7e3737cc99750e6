package dev.azurekeyvaultissuer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.emulator.ClientConfig;
import dev.azurekeyvaultissuer.emulator.KeyType;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulatorExtension;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a user sees when the vault is down, unreachable or throttling, with the emulator's fault injection: exit code
 * 1 (documented as "vault or Azure authentication error") and a message that says what to check. Each fault outlasts
 * the SDK's retries (3 by default, so 4 attempts), which is what a user sees after the command has waited them out.
 */
class CreateCaCertVaultFaultsTest {

    private static final String VAULT = "faults";
    /** More failures than the command's 1 + 3 retries. */
    private static final int OUTLASTS_RETRIES = 10;

    private static final String UNAVAILABLE_HINT =
            "(check the vault URL, DNS, the network path and the vault's firewall)";
    private static final String THROTTLED_HINT = "(the vault is busy: try again in a minute)";

    @RegisterExtension
    static final KeyVaultEmulatorExtension KV = new KeyVaultEmulatorExtension(b -> b.vault(VAULT)
            .client(ClientConfig.withSecret(CreateCaCertHarness.ADMIN, CreateCaCertHarness.ADMIN_SECRET)));

    private final CreateCaCertHarness harness = new CreateCaCertHarness(KV.emulator());

    @AfterEach
    void clearFaults() {
        // One emulator for the class: a fault left over would fail the next test for the wrong reason.
        KV.emulator().faults(VAULT).clear();
    }

    @Test
    void vaultAnswering503SaysWhatToCheckAndSignsNothing() {
        KV.emulator().createKey(VAULT, "down", KeyType.EC_P256);
        KV.emulator().faults(VAULT).failNext("getKey", OUTLASTS_RETRIES, 503);
        KV.emulator().resetCalls(VAULT);
        CreateCaCertHarness.Run run = harness.run(
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "down",
                "--subject",
                "CN=Down",
                "--out",
                "/dev/null");
        assertEquals(CreateCaCertCommand.EXIT_VAULT, run.exit(), run::toString);
        assertTrue(
                run.err().contains("create-ca-cert: vault " + harness.normalizedVaultUrl(VAULT) + " unavailable: 503"),
                run::toString);
        assertTrue(run.err().contains(UNAVAILABLE_HINT), run::toString);
        assertEquals(0, KV.emulator().calls(VAULT, "sign"), "nothing is signed before the key is read");
        assertEquals(0, KV.emulator().calls(VAULT, "setSecret"));
    }

    @Test
    void connectionsClosedWithoutAnAnswerSayWhatToCheck() {
        KV.emulator().createKey(VAULT, "reset", KeyType.EC_P256);
        KV.emulator().faults(VAULT).resetNext("sign", OUTLASTS_RETRIES);
        CreateCaCertHarness.Run run = harness.run(
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "reset",
                "--subject",
                "CN=Reset",
                "--out",
                "/dev/null");
        assertEquals(CreateCaCertCommand.EXIT_VAULT, run.exit(), run::toString);
        assertTrue(run.err().contains("unreachable") && run.err().contains(UNAVAILABLE_HINT), run::toString);
        assertEquals(0, KV.emulator().calls(VAULT, "setSecret"), "no chain is stored without a signature");
    }

    @Test
    void aVaultUrlWhereNothingListensSaysWhatToCheck() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        CreateCaCertHarness.Run run = harness.run(
                "--vault-url", "https://127.0.0.1:" + closedPort, "--key-name", "nowhere", "--subject", "CN=Nowhere");
        assertEquals(CreateCaCertCommand.EXIT_VAULT, run.exit(), run::toString);
        assertTrue(
                run.err().contains("https://127.0.0.1:" + closedPort)
                        && run.err().contains("unreachable"),
                run::toString);
        assertTrue(run.err().contains(UNAVAILABLE_HINT), run::toString);
    }

    @Test
    void throttledSignSaysToTryAgainLater() {
        KV.emulator().createKey(VAULT, "busy", KeyType.EC_P256);
        KV.emulator().faults(VAULT).throttleNext("sign", OUTLASTS_RETRIES);
        CreateCaCertHarness.Run run = harness.run(
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "busy",
                "--subject",
                "CN=Busy",
                "--out",
                "/dev/null");
        assertEquals(CreateCaCertCommand.EXIT_VAULT, run.exit(), run::toString);
        assertTrue(
                run.err().contains("is throttling requests (429") && run.err().contains("gave no Retry-After"),
                run::toString);
        assertTrue(run.err().contains(THROTTLED_HINT), run::toString);
    }

    @Test
    void throttledAfterTheKeyWasCreatedListsWhatWasWrittenAndHowToFinish() {
        // A Retry-After beyond the retry policy's longest wait ends the retries at once and is reported.
        KV.emulator().faults(VAULT).retryAfter(Duration.ofSeconds(120)).throttleNext("setSecret", OUTLASTS_RETRIES);
        CreateCaCertHarness.Run run = harness.run(
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "busy-secret",
                "--create-key",
                "--key-type",
                "ec-p256",
                "--subject",
                "CN=Busy Secret",
                "--out",
                "/dev/null");
        assertEquals(CreateCaCertCommand.EXIT_VAULT, run.exit(), run::toString);
        // The hint agrees with the vault's Retry-After instead of guessing a minute.
        assertTrue(
                run.err()
                        .contains("it asks to retry after 120000ms (the vault is busy: try again in 120 seconds,"
                                + " as it asks)"),
                run::toString);
        String keyId = KV.emulator().keyId(VAULT, "busy-secret");
        String version = keyId.substring(keyId.lastIndexOf('/') + 1);
        assertTrue(
                run.err()
                        .contains("already written to the vault before the failure: key 'busy-secret' version "
                                + version),
                run::toString);
        assertTrue(run.err().contains("--key-version"), run::toString);

        // Once the vault answers again, the advice works and creates no second key version.
        KV.emulator().faults(VAULT).clear();
        CreateCaCertHarness.Run finish = harness.run(
                "--vault-url",
                harness.vaultUrl(VAULT),
                "--key-name",
                "busy-secret",
                "--key-version",
                version,
                "--subject",
                "CN=Busy Secret",
                "--out",
                "/dev/null");
        assertEquals(0, finish.exit(), finish::toString);
        assertEquals(keyId, KV.emulator().keyId(VAULT, "busy-secret"));
    }
}
