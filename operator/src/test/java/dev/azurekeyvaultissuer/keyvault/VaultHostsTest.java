package dev.azurekeyvaultissuer.keyvault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which vault hosts an issuer may name, and where the test-only challenge switch may apply. */
class VaultHostsTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "https://contoso.vault.azure.net",
                "https://contoso.managedhsm.azure.net",
                "https://contoso.vault.azure.cn",
                "https://contoso.managedhsm.azure.cn",
                "https://contoso.vault.usgovcloudapi.net",
                "https://contoso.managedhsm.usgovcloudapi.net",
                "https://CONTOSO.Vault.Azure.Net"
            })
    void azureCloudsVaultAndManagedHsmHostsAreAccepted(String url) {
        assertEquals(Optional.empty(), VaultHosts.azureOnly().refusal(URI.create(url)));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "https://vault.azure.net",
                "https://a.b.vault.azure.net",
                "https://evil-vault.azure.net",
                "https://contoso.vault.azure.net.attacker.example",
                "https://127.0.0.1:8443",
                "https://localhost",
                "https://169.254.169.254",
                "https://kv.internal.example"
            })
    void anythingElseIsRefusedNamingTheFlag(String url) {
        String why = VaultHosts.azureOnly().refusal(URI.create(url)).orElseThrow();
        assertTrue(why.contains("--allowed-vault-hosts"), why);
    }

    @Test
    void anAdministratorMayAllowExactHostsAndDomains() {
        VaultHosts hosts = new VaultHosts(List.of("kv.internal.example", "*.vault.corp.example", "127.0.0.1"));

        assertEquals(Optional.empty(), hosts.refusal(URI.create("https://kv.internal.example")));
        assertEquals(Optional.empty(), hosts.refusal(URI.create("https://team-a.vault.corp.example")));
        assertEquals(Optional.empty(), hosts.refusal(URI.create("https://127.0.0.1:8443")));
        assertTrue(hosts.refusal(URI.create("https://vault.corp.example")).isPresent(), "*.domain is below it only");
        assertTrue(hosts.refusal(URI.create("https://other.internal.example")).isPresent());
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://kv.example", "*", "*.", "kv.example/path", "kv.example:8443"})
    void aBadAllowListEntryIsRefusedAtStart(String entry) {
        var e = assertThrows(IllegalArgumentException.class, () -> new VaultHosts(List.of(entry)));
        assertTrue(e.getMessage().contains("--allowed-vault-hosts"), e.getMessage());
    }

    @Test
    void loopbackIsDecidedFromTheLiteralNeverFromDns() {
        assertTrue(VaultHosts.isLoopback("127.0.0.1"));
        assertTrue(VaultHosts.isLoopback("127.1.2.3"));
        assertTrue(VaultHosts.isLoopback("[::1]"));
        assertTrue(VaultHosts.isLoopback("localhost"));
        assertFalse(VaultHosts.isLoopback("contoso.vault.azure.net"));
        assertFalse(VaultHosts.isLoopback("10.0.0.1"));
        assertFalse(VaultHosts.isLoopback("127.0.0.1.attacker.example"));
        assertFalse(VaultHosts.isLoopback(null));
    }
}
