package dev.azurekeyvaultissuer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** `run`: every flag documented in its help and in the README, with its environment variable; values parse. */
class RunCommandTest {

    private static final Pattern ENV = Pattern.compile("\\$\\{env:([A-Z_]+)");

    private static List<OptionSpec> options() {
        return new CommandLine(new RunCommand())
                .getCommandSpec().options().stream()
                        .filter(o -> !o.usageHelp() && !o.versionHelp())
                        .toList();
    }

    private static String help() {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out));
        assertEquals(0, cli.execute("run", "--help"));
        return out.toString();
    }

    @Test
    void helpNamesEveryFlagWithItsEnvironmentVariable() {
        String help = help();
        for (OptionSpec option : options()) {
            // picocli shows a negatable flag as --[no-]name.
            String shown =
                    option.negatable() ? option.longestName().replaceFirst("^--", "--[no-]") : option.longestName();
            assertTrue(help.contains(shown), shown + " missing from run --help");
            Matcher env = ENV.matcher(String.valueOf(option.defaultValue()));
            while (env.find()) {
                assertTrue(
                        String.join(" ", option.description()).contains(env.group(1)),
                        option.longestName() + "'s help does not name " + env.group(1));
            }
        }
    }

    @Test
    void readmeDocumentsEveryFlagWithItsEnvironmentVariable() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        String table = readme.substring(
                readme.indexOf("## Running the operator: `run` flags"), readme.indexOf("## Installing"));
        for (OptionSpec option : options()) {
            String row = table.lines()
                    .filter(l -> l.contains("`" + option.longestName() + "`"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(option.longestName() + " missing from the README"));
            Matcher env = ENV.matcher(String.valueOf(option.defaultValue()));
            while (env.find()) {
                assertTrue(
                        row.contains("`" + env.group(1) + "`"),
                        "README row of " + option.longestName() + " does not name " + env.group(1) + ": " + row);
            }
        }
    }

    @Test
    void flagsParseIntoTheirValues() {
        RunCommand run = new RunCommand();
        new CommandLine(run)
                .parseArgs(
                        "--resync-interval=90s",
                        "--max-retry-duration=PT2H",
                        "--concurrent-reconciles=4",
                        "--vault-sign-rate=500",
                        "--issuer-ambient-credentials",
                        "--cluster-resource-namespace=pki");
        assertEquals(Duration.ofSeconds(90), run.resyncInterval);
        assertEquals(Duration.ofHours(2), run.maxRetryDuration);
        assertEquals(4, run.concurrentReconciles);
        assertEquals(500, run.vaultSignRate);
        assertTrue(run.issuerAmbientCredentials);
        assertEquals("pki", run.clusterResourceNamespace);
    }

    @ParameterizedTest
    @CsvSource({"30s, PT30S", "5m, PT5M", "1h, PT1H", "90d, PT2160H", "PT5M, PT5M", "pt1m30s, PT1M30S"})
    void durationsAsCertManagerUsersWriteThem(String written, Duration expected) {
        assertEquals(expected, new DurationConverter().convert(written));
    }

    @ParameterizedTest
    @ValueSource(strings = {"5", "m", "5x", "five minutes", "1.5h"})
    void badDurationsSayWhatTheyShouldLookLike(String written) {
        var e = assertThrows(IllegalArgumentException.class, () -> new DurationConverter().convert(written));
        assertTrue(e.getMessage().contains("30s, 5m, 1h or PT5M"), e.getMessage());
    }

    @Test
    void aBadFlagValueIsAUsageErrorNotAStackTrace() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute("run", "--resync-interval=soon");
        assertEquals(2, exit);
        assertTrue(err.toString().contains("--resync-interval"), err.toString());
        assertTrue(!err.toString().contains("\tat "), "no stack trace: " + err);
    }

    @Test
    void theChallengeSwitchIsRefusedUnlessTheAuthorityIsOnLoopback() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setErr(new PrintWriter(err));

        int exit = cli.execute(
                "run",
                "--azure-disable-challenge-resource-verification",
                "--azure-authority-host=https://login.microsoftonline.com");

        assertEquals(2, exit, err.toString());
        assertTrue(err.toString().contains("local emulator only"), err.toString());
        RunCommand run = new RunCommand();
        CommandLine local = new CommandLine(run);
        local.parseArgs(
                "--azure-disable-challenge-resource-verification",
                "--azure-authority-host=https://127.0.0.1:8440",
                "--allowed-vault-hosts=127.0.0.1,*.vault.corp.example");
        var config = run.config();
        assertTrue(config.azureDisableChallengeResourceVerification(), "accepted with a loopback authority");
        assertEquals(List.of("127.0.0.1", "*.vault.corp.example"), config.allowedVaultHosts());
    }

    @Test
    void aBadVaultHostEntryIsAUsageError() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setErr(new PrintWriter(err));

        assertEquals(2, cli.execute("run", "--allowed-vault-hosts=https://kv.example"), err.toString());
        assertTrue(err.toString().contains("--allowed-vault-hosts"), err.toString());
    }
}
