package dev.azurekeyvaultissuer.keyvault.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.azurekeyvaultissuer.emulator.ClientConfig;
import dev.azurekeyvaultissuer.emulator.KeyType;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulator;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulatorExtension;
import dev.azurekeyvaultissuer.keyvault.KeyReference;
import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.keyvault.VaultTraffic;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every HTTP attempt to a vault, retries included, reaches the traffic observer with its status: real SDK, HTTPS. */
class VaultTrafficTest {

    private static final String VAULT = "observed";

    @RegisterExtension
    static final KeyVaultEmulatorExtension EMULATOR = new KeyVaultEmulatorExtension(
            b -> b.vault(VAULT).client(ClientConfig.withSecret(EmulatedVault.CLIENT_ID, EmulatedVault.CLIENT_SECRET)));

    record Attempt(String vaultHost, OptionalInt status, int attempt) {}

    private final List<Attempt> attempts = new CopyOnWriteArrayList<>();
    private KeyVaultEmulator emulator;
    private KeyVault vault;
    private VaultKey key;
    private byte[] digest;
    private String host;

    @BeforeEach
    void setUp() throws Exception {
        emulator = EMULATOR.emulator();
        VaultTraffic recorder = (vaultHost, status, attempt) -> attempts.add(new Attempt(vaultHost, status, attempt));
        vault = new AzureVaultConnector(EmulatedVault.options(emulator), Optional.empty(), Map.of(), recorder)
                .connect(new VaultCredentials.ClientSecret(
                        emulator.tenantId(), EmulatedVault.CLIENT_ID, EmulatedVault.CLIENT_SECRET));
        emulator.createKey(VAULT, "ca", KeyType.EC_P256);
        key = vault.getKey(KeyReference.of(emulator.vaultUrl(VAULT), "ca", null));
        digest = EmulatedVault.digest(SignatureAlgorithm.ES256, new byte[] {4, 5, 6});
        host = URI.create(emulator.vaultUrl(VAULT)).getHost();
        attempts.clear();
    }

    @AfterEach
    void clearFaults() {
        emulator.faults(VAULT).clear();
    }

    @Test
    void aSignIsOneAttempt() {
        vault.sign(key, SignatureAlgorithm.ES256, digest);

        assertEquals(List.of(new Attempt(host, OptionalInt.of(200), 1)), attempts);
    }

    @Test
    void aThrottledAttemptAndItsRetryAreBothSeen() {
        emulator.faults(VAULT).throttleNext("sign", 1);

        vault.sign(key, SignatureAlgorithm.ES256, digest);

        assertEquals(
                List.of(new Attempt(host, OptionalInt.of(429), 1), new Attempt(host, OptionalInt.of(200), 2)),
                attempts);
    }

    @Test
    void aResetConnectionIsAnAttemptWithoutStatus() {
        emulator.faults(VAULT).resetNext("sign", 100);

        assertThrows(VaultException.class, () -> vault.sign(key, SignatureAlgorithm.ES256, digest));

        // EmulatedVault.options allows two retries: three attempts, none answered.
        assertEquals(
                List.of(
                        new Attempt(host, OptionalInt.empty(), 1),
                        new Attempt(host, OptionalInt.empty(), 2),
                        new Attempt(host, OptionalInt.empty(), 3)),
                attempts);
    }

    @Test
    void anObserverThatThrowsNeverFailsTheCall() {
        KeyVault fragile = new AzureVaultConnector(
                        EmulatedVault.options(emulator), Optional.empty(), Map.of(), (vaultHost, status, attempt) -> {
                            throw new IllegalStateException("broken metrics");
                        })
                .connect(new VaultCredentials.ClientSecret(
                        emulator.tenantId(), EmulatedVault.CLIENT_ID, EmulatedVault.CLIENT_SECRET));

        assertEquals(64, fragile.sign(key, SignatureAlgorithm.ES256, digest).length);
    }
}
