package dev.azurekeyvaultissuer.keyvault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import java.net.URI;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RateLimitedKeyVaultTest {

    /** Records the calls that got through. */
    static final class RecordingVault implements KeyVault {
        final List<String> calls = new ArrayList<>();
        VaultKey key;

        @Override
        public VaultKey getKey(KeyReference ref) {
            calls.add("getKey " + ref);
            return key;
        }

        @Override
        public byte[] sign(VaultKey k, SignatureAlgorithm algorithm, byte[] digest) {
            calls.add("sign " + k.keyId());
            return new byte[] {1, 2, 3};
        }

        @Override
        public String getSecret(SecretReference secret) {
            calls.add("getSecret " + secret);
            return "pem";
        }

        @Override
        public byte[] getCertificate(CertificateReference certificate) {
            calls.add("getCertificate " + certificate);
            return new byte[] {4};
        }

        @Override
        public String setSecret(
                SecretReference secret, String value, String contentType, java.util.Map<String, String> tags) {

            calls.add("setSecret " + secret);

            return secret + "/1";
        }

        @Override
        public java.util.List<String> secretVersions(SecretReference secret) {
            calls.add("secretVersions " + secret);
            return java.util.List.of();
        }
    }

    private final VaultRateLimiterTest.FakeTicker ticker = new VaultRateLimiterTest.FakeTicker();

    @Test
    void everyCallTakesAPermitFromItsVault() throws Exception {
        var limiter =
                new VaultRateLimiter(new VaultRateLimiter.Limits(10, Duration.ofSeconds(10), Duration.ZERO), ticker);
        var inner = new RecordingVault();
        var vault = new RateLimitedKeyVault(inner, limiter);
        var key = new VaultKey(
                "https://contoso.vault.azure.net/keys/ca/0123456789abcdef",
                KeyPairGenerator.getInstance("EC").generateKeyPair().getPublic(),
                false,
                Set.of("sign"),
                true,
                Optional.empty(),
                Optional.empty());

        assertArrayEquals(new byte[] {1, 2, 3}, vault.sign(key, SignatureAlgorithm.ES256, new byte[32]));
        var e = assertThrows(
                VaultException.class,
                () -> vault.getSecret(SecretReference.of("https://contoso.vault.azure.net", "ca")));
        assertEquals(VaultException.Kind.THROTTLED, e.kind());
        assertEquals("pem", vault.getSecret(SecretReference.of("https://fabrikam.vault.azure.net", "ca")));

        assertEquals(
                List.of(
                        "sign https://contoso.vault.azure.net/keys/ca/0123456789abcdef",
                        "getSecret https://fabrikam.vault.azure.net/secrets/ca"),
                inner.calls);
        assertEquals(0.0, limiter.availablePermits(URI.create("https://contoso.vault.azure.net")), 1e-9);
    }

    @Test
    void aSignTakesAsManyPermitsAsAzureWeighsIt() throws Exception {
        var limiter =
                new VaultRateLimiter(new VaultRateLimiter.Limits(200, Duration.ofSeconds(10), Duration.ZERO), ticker);
        var vault = new RateLimitedKeyVault(new RecordingVault(), limiter);
        var rsa4096Hsm = new VaultKey(
                "https://contoso.vault.azure.net/keys/ca/0123456789abcdef",
                TestKeyPairs.rsa(4096).getPublic(),
                true,
                Set.of("sign"),
                true,
                Optional.empty(),
                Optional.empty());

        vault.sign(rsa4096Hsm, SignatureAlgorithm.RS512, new byte[64]);

        assertEquals(20 - 16, limiter.availablePermits(URI.create("https://contoso.vault.azure.net")), 1e-9);
    }
}
