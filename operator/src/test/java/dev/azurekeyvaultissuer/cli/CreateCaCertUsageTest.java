package dev.azurekeyvaultissuer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.keyvault.CaKeyType;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Usage errors are found before any vault call (no vault here at all) and say what to do. */
class CreateCaCertUsageTest {

    private static final String VAULT = "https://contoso.vault.azure.net";

    static Stream<Arguments> usageErrors() {
        return Stream.of(
                Arguments.of(
                        new String[] {
                            "--vault-url",
                            VAULT,
                            "--key-name",
                            "ca",
                            "--create-key",
                            "--key-type",
                            "rsa-1024",
                            "--subject",
                            "CN=x"
                        },
                        "unknown key type \"rsa-1024\": use one of rsa-2048, rsa-3072,"
                                + " rsa-4096, ec-p256, ec-p384, ec-p521"),
                Arguments.of(new String[] {"--subject", "CN=x"}, "name the CA key"),
                Arguments.of(new String[] {"--vault-url", VAULT, "--key-name", "ca"}, "--subject is required"),
                Arguments.of(
                        new String[] {
                            "--key-uri",
                            "azurekms://contoso.vault.azure.net/ca",
                            "--key-name",
                            "ca",
                            "--subject",
                            "CN=x"
                        },
                        "not both"),
                Arguments.of(
                        new String[] {"--key-uri", "https://contoso.vault.azure.net/keys/ca", "--subject", "CN=x"},
                        "azurekms://<vault-host>/<key-name>"),
                Arguments.of(
                        new String[] {
                            "--vault-url", "http://contoso.vault.azure.net", "--key-name", "ca", "--subject", "CN=x"
                        },
                        "must be an https URL"),
                Arguments.of(
                        new String[] {
                            "--vault-url", VAULT, "--key-name", "ca", "--key-type", "ec-p256", "--subject", "CN=x"
                        },
                        "--key-type applies to a key this command creates"),
                Arguments.of(
                        new String[] {"--vault-url", VAULT, "--key-name", "ca", "--new-version", "--subject", "CN=x"},
                        "--new-version applies with --create-key"),
                Arguments.of(
                        new String[] {
                            "--vault-url",
                            VAULT,
                            "--key-name",
                            "ca",
                            "--create-key",
                            "--key-version",
                            "0123456789abcdef0123456789abcdef",
                            "--subject",
                            "CN=x"
                        },
                        "drop the version"),
                Arguments.of(
                        new String[] {
                            "--vault-url",
                            VAULT,
                            "--key-name",
                            "ca",
                            "--subject",
                            "CN=x",
                            "--intermediate-csr",
                            "a.csr",
                            "--import-signed",
                            "b.pem"
                        },
                        "two separate steps"),
                Arguments.of(
                        new String[] {
                            "--vault-url", VAULT, "--key-name", "ca", "--create-key", "--import-signed", "b.pem"
                        },
                        "drop --create-key"),
                Arguments.of(
                        new String[] {
                            "--vault-url", VAULT, "--key-name", "ca", "--subject", "CN=x", "--import-signed", "b.pem"
                        },
                        "drop --subject"),
                Arguments.of(
                        new String[] {
                            "--vault-url",
                            VAULT,
                            "--key-name",
                            "ca",
                            "--subject",
                            "CN=x",
                            "--intermediate-csr",
                            "a.csr",
                            "--path-length",
                            "0"
                        },
                        "drop --validity and --path-length"),
                Arguments.of(
                        new String[] {
                            "--vault-url",
                            VAULT,
                            "--key-name",
                            "ca",
                            "--subject",
                            "CN=x",
                            "--intermediate-csr",
                            "a.csr",
                            "--out",
                            "ca.pem"
                        },
                        "give --out and --issuer-out with"),
                Arguments.of(
                        new String[] {
                            "--vault-url", VAULT, "--key-name", "ca", "--subject", "CN=x", "--validity", "ten years"
                        },
                        "is not a duration"),
                Arguments.of(
                        new String[] {
                            "--vault-url", VAULT, "--key-name", "ca", "--subject", "CN=x", "--path-length", "-1"
                        },
                        "0 or more"),
                Arguments.of(
                        new String[] {
                            "--vault-url",
                            VAULT,
                            "--key-name",
                            "ca",
                            "--subject",
                            "CN=x",
                            "--signature-algorithm",
                            "MD5"
                        },
                        "unknown signature algorithm"),
                Arguments.of(
                        new String[] {
                            "--vault-url",
                            VAULT,
                            "--key-name",
                            "ca",
                            "--subject",
                            "CN=x",
                            "--no-secret",
                            "--secret-name",
                            "s"
                        },
                        "contradicts"),
                Arguments.of(
                        new String[] {"--vault-url", VAULT, "--key-name", "CA_Key", "--subject", "CN=x"},
                        "not a Key Vault name"),
                Arguments.of(
                        new String[] {
                            "--vault-url",
                            VAULT,
                            "--key-name",
                            "ca",
                            "--subject",
                            "CN=x",
                            "--issuer-name",
                            "Internal_CA"
                        },
                        "not a Kubernetes name"),
                Arguments.of(
                        new String[] {
                            "--vault-url", VAULT, "--certificate-name", "ca", "--key-name", "other", "--subject", "CN=x"
                        },
                        "drop --key-name other"),
                Arguments.of(
                        new String[] {
                            "--vault-url",
                            "https://contoso.managedhsm.azure.net",
                            "--key-name",
                            "ca",
                            "--subject",
                            "CN=x"
                        },
                        "a Managed HSM stores keys only"),
                Arguments.of(
                        new String[] {
                            "--vault-url", VAULT, "--key-name", "ca", "--subject", "CN=x", "--auth-method", "password"
                        },
                        "--auth-method: unknown authentication method"),
                Arguments.of(
                        new String[] {
                            "--vault-url",
                            VAULT,
                            "--key-name",
                            "ca",
                            "--subject",
                            "CN=x",
                            "--azure-trust-store",
                            "/nonexistent.p12"
                        },
                        "--azure-trust-store: trust store /nonexistent.p12 cannot be used"),
                Arguments.of(
                        new String[] {"--vault-url", VAULT, "--key-name", "ca", "--subject", "CN=x", "--no-such-option"
                        },
                        "Unknown option"));
    }

    @ParameterizedTest
    @MethodSource("usageErrors")
    void usageErrorsExitWithTwo(String[] args, String message) {
        CreateCaCertHarness.Run run = CreateCaCertHarness.runRaw(Map.of(), args);
        assertEquals(CreateCaCertCommand.EXIT_USAGE, run.exit(), run::toString);
        assertTrue(run.err().contains(message), () -> "expected \"" + message + "\" in " + run);
        assertEquals("", run.out());
    }

    @Test
    void helpIsEnoughToUseIt() {
        CreateCaCertHarness.Run run = CreateCaCertHarness.runRaw(Map.of(), "--help");
        assertEquals(0, run.exit(), run::toString);
        String help = run.out();
        for (CaKeyType type : CaKeyType.values()) {
            assertTrue(help.contains(type.id()), type.id());
        }
        for (String expected : new String[] {
            "Usage: create-ca-cert",
            "Key:",
            "CA certificate:",
            "Publishing:",
            "Azure connection:",
            "Exit codes:",
            "Examples:",
            "--intermediate-csr",
            "--import-signed",
            "--certificate-name",
            "--secret-vault-url",
            "--dry-run",
            "--auth-method",
            "AZURE_AUTH_METHOD",
            "azurekms://",
            "--new-version",
            "TEST ONLY"
        }) {
            assertTrue(help.contains(expected), () -> "help lacks " + expected + ":\n" + help);
        }
        for (int code : CreateCaCertCommand.exitCodes()) {
            assertTrue(help.matches("(?s).*\\n\\s+" + code + "\\s+\\S.*"), () -> "help lacks exit code " + code);
        }
    }
}
