package dev.azurekeyvaultissuer.keyvault.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.emulator.ClientConfig;
import dev.azurekeyvaultissuer.emulator.KeyType;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulator;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulatorExtension;
import dev.azurekeyvaultissuer.emulator.Permissions;
import dev.azurekeyvaultissuer.keyvault.CertificateReference;
import dev.azurekeyvaultissuer.keyvault.KeyReference;
import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.SecretReference;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.keyvault.VaultException.Kind;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.keyvault.VaultRateLimiter;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What users see when the vault refuses, throttles, fails or drops the connection: over HTTPS, real SDK. */
class AzureKeyVaultFailuresTest {

    private static final String VAULT = "faulty";
    private static final String HSM = "faulty-hsm";
    private static final String LIMITED = "limited-app";
    private static final String LIMITED_SECRET = "limited-app-secret";

    @RegisterExtension
    static final KeyVaultEmulatorExtension EMULATOR = new KeyVaultEmulatorExtension(b -> b.vault(VAULT)
            .managedHsm(HSM)
            .client(ClientConfig.withSecret(EmulatedVault.CLIENT_ID, EmulatedVault.CLIENT_SECRET))
            .client(ClientConfig.withSecret(LIMITED, LIMITED_SECRET, Permissions.keys("get"))));

    private KeyVaultEmulator emulator;
    private KeyVault vault;
    private VaultKey key;
    private byte[] digest;

    @BeforeEach
    void setUp() throws Exception {
        emulator = EMULATOR.emulator();
        vault = EmulatedVault.connect(emulator);
        emulator.createKey(VAULT, "ca", KeyType.EC_P256);
        key = vault.getKey(KeyReference.of(emulator.vaultUrl(VAULT), "ca", null));
        digest = EmulatedVault.digest(SignatureAlgorithm.ES256, new byte[] {1, 2, 3});
        emulator.resetCalls(VAULT);
    }

    @AfterEach
    void clearFaults() {
        emulator.faults(VAULT).clear();
    }

    private KeyVault limited() {
        return EmulatedVault.connect(
                emulator,
                EmulatedVault.options(emulator),
                new VaultCredentials.ClientSecret(emulator.tenantId(), LIMITED, LIMITED_SECRET));
    }

    private VaultException signFails(KeyVault target) {
        return assertThrows(VaultException.class, () -> target.sign(key, SignatureAlgorithm.ES256, digest));
    }

    @Test
    void forbiddenSignNamesTheAccessPolicyPermission() {
        var e = signFails(limited());

        assertEquals(Kind.FORBIDDEN, e.kind());
        assertTrue(
                e.getMessage()
                        .startsWith("the identity may not sign with key 'ca' version '" + key.version()
                                + "' in " + emulator.vaultUrl(VAULT)
                                + ": add the access policy permission keys: Sign for it; "
                                + "vault said: Forbidden/ForbiddenByPolicy: "),
                e.getMessage());
        assertTrue(e.getMessage().contains("appid=" + LIMITED), e.getMessage());
    }

    @Test
    void forbiddenSecretAndCertificateNameTheirPermissions() {
        emulator.setSecret(VAULT, "chain", "pem", null);
        KeyVault limited = limited();

        var secret = assertThrows(
                VaultException.class, () -> limited.getSecret(SecretReference.of(emulator.vaultUrl(VAULT), "chain")));
        var certificate = assertThrows(
                VaultException.class,
                () -> limited.getCertificate(CertificateReference.of(emulator.vaultUrl(VAULT), "chain")));

        assertEquals(Kind.FORBIDDEN, secret.kind());
        assertTrue(secret.getMessage().contains("add the access policy permission secrets: Get"), secret.getMessage());
        assertEquals(Kind.FORBIDDEN, certificate.kind());
        assertTrue(certificate.getMessage().contains("certificates: Get"), certificate.getMessage());
    }

    @Test
    void forbiddenOnManagedHsmNamesTheLocalRole() {
        emulator.createKey(HSM, "ca", KeyType.EC_HSM_P256);
        VaultKey hsmKey = vault.getKey(KeyReference.of(emulator.vaultUrl(HSM), "ca", null));

        var e = assertThrows(VaultException.class, () -> limited().sign(hsmKey, SignatureAlgorithm.ES256, digest));

        assertEquals(Kind.FORBIDDEN, e.kind());
        assertTrue(
                e.getMessage().contains("assign it the Managed HSM local RBAC role Managed HSM Crypto User"),
                e.getMessage());
        assertTrue(e.getMessage().contains("ForbiddenByRbac"), e.getMessage());
    }

    @Test
    void throttledWithoutRetryAfterIsRetriedWithBackoffThenThrottled() {
        emulator.faults(VAULT).noRetryAfter().throttleNext("sign", 100);

        var e = signFails(vault);

        assertEquals(Kind.THROTTLED, e.kind());
        assertTrue(e.isRetryable());
        assertEquals(Optional.empty(), e.retryAfter());
        assertTrue(e.getMessage().contains("no Retry-After"), e.getMessage());
        assertEquals(3, emulator.calls(VAULT, "sign"), "the first try and 2 retries");
    }

    @Test
    void aSingleThrottleIsRetriedAway() {
        emulator.faults(VAULT).throttleNext("sign", 1);

        vault.sign(key, SignatureAlgorithm.ES256, digest);

        assertEquals(2, emulator.calls(VAULT, "sign"));
    }

    @Test
    void aShortRetryAfterIsHonoured() {
        KeyVault patient = EmulatedVault.connect(
                emulator,
                EmulatedVault.options(emulator)
                        .withRetries(new AzureClientOptions.Retries(2, Duration.ofMillis(10), Duration.ofSeconds(2))),
                new VaultCredentials.ClientSecret(
                        emulator.tenantId(), EmulatedVault.CLIENT_ID, EmulatedVault.CLIENT_SECRET));
        patient.getKey(KeyReference.of(emulator.vaultUrl(VAULT), "ca", null));
        emulator.faults(VAULT).retryAfter(Duration.ofSeconds(1)).throttleNext("sign", 1);
        long start = System.nanoTime();

        patient.sign(key, SignatureAlgorithm.ES256, digest);

        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(took.compareTo(Duration.ofMillis(900)) >= 0, "waited " + took + " as the vault asked");
    }

    @Test
    void aRetryAfterLongerThanTheMaximumDelayReachesTheCaller() {
        emulator.faults(VAULT).retryAfter(Duration.ofSeconds(5)).throttleNext("sign", 100);

        var e = signFails(vault);

        assertEquals(Kind.THROTTLED, e.kind());
        assertEquals(Optional.of(Duration.ofSeconds(5)), e.retryAfter());
        assertEquals(1, emulator.calls(VAULT, "sign"), "no retry inside the SDK");
    }

    @Test
    void serviceUnavailableIsRetriedThenUnavailable() {
        emulator.faults(VAULT).failNext("sign", 100, 503);

        var e = signFails(vault);

        assertEquals(Kind.UNAVAILABLE, e.kind());
        assertTrue(
                e.getMessage().startsWith("vault " + emulator.vaultUrl(VAULT) + " unavailable: 503 "), e.getMessage());
        assertEquals(3, emulator.calls(VAULT, "sign"));
    }

    @Test
    void aSingleServerErrorIsRetriedAway() {
        emulator.faults(VAULT).failNext("sign", 1, 500);

        vault.sign(key, SignatureAlgorithm.ES256, digest);

        assertEquals(2, emulator.calls(VAULT, "sign"));
    }

    @Test
    void connectionResetsAreRetriedThenUnavailable() {
        emulator.faults(VAULT).resetNext("sign", 100);

        var e = signFails(vault);

        assertEquals(Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().startsWith("vault " + emulator.vaultUrl(VAULT) + " unreachable: "), e.getMessage());
    }

    @Test
    void aSingleConnectionResetIsRetriedAway() {
        emulator.faults(VAULT).resetNext("sign", 1);
        long before = emulator.calls(VAULT, "sign");

        byte[] signature = vault.sign(key, SignatureAlgorithm.ES256, digest);

        assertTrue(signature.length > 0);
        assertEquals(2L, emulator.calls(VAULT, "sign") - before, "the reset call and its retry");
    }

    @Test
    void aVaultSlowerThanTheResponseTimeoutIsUnavailable() {
        KeyVault impatient = EmulatedVault.connect(
                emulator,
                EmulatedVault.options(emulator)
                        .withRetries(AzureClientOptions.Retries.none())
                        .withTimeouts(Duration.ofSeconds(5), Duration.ofMillis(500)),
                new VaultCredentials.ClientSecret(
                        emulator.tenantId(), EmulatedVault.CLIENT_ID, EmulatedVault.CLIENT_SECRET));
        impatient.getKey(KeyReference.of(emulator.vaultUrl(VAULT), "ca", null));
        emulator.faults(VAULT).hang("sign", Duration.ofSeconds(3));

        var e = assertThrows(VaultException.class, () -> impatient.sign(key, SignatureAlgorithm.ES256, digest));

        assertEquals(Kind.UNAVAILABLE, e.kind());
        assertTrue(
                e.getMessage().contains("did not answer completely within 500ms (--vault-call-timeout)"),
                e.getMessage());
    }

    @Test
    void theRateLimiterHoldsCallsBackBeforeTheyReachTheVault() {
        var limiter = new VaultRateLimiter(new VaultRateLimiter.Limits(1, Duration.ofSeconds(10), Duration.ZERO));
        KeyVault limitedRate = new AzureVaultConnector(EmulatedVault.options(emulator), Optional.of(limiter), Map.of())
                .connect(new VaultCredentials.ClientSecret(
                        emulator.tenantId(), EmulatedVault.CLIENT_ID, EmulatedVault.CLIENT_SECRET));

        limitedRate.sign(key, SignatureAlgorithm.ES256, digest);
        var e = signFails(limitedRate);

        assertEquals(Kind.THROTTLED, e.kind());
        assertTrue(e.retryAfter().isPresent());
        assertEquals(1, emulator.calls(VAULT, "sign"));
    }
}
