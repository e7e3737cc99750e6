package dev.azurekeyvaultissuer.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.KeyClientBuilder;
import com.azure.security.keyvault.keys.cryptography.CryptographyClient;
import com.azure.security.keyvault.keys.cryptography.models.SignatureAlgorithm;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Throttling, injected errors, resets, latency and hangs, as the SDK sees them; call counting. */
class FaultsTest {
    static final String VAULT = "faulty";

    @RegisterExtension
    static final KeyVaultEmulatorExtension EXT =
            new KeyVaultEmulatorExtension(b -> b.vault(VAULT).clientSecret("app", "pw"));

    static KeyVaultEmulator kv;
    static TokenCredential credential;
    static String kid;
    static CryptographyClient crypto;

    @BeforeAll
    static void setUp() {
        kv = EXT.emulator();
        credential = Sdk.secretCredential(kv, "app", "pw");
        kid = kv.createKey(VAULT, "k", KeyType.EC_P256);
        crypto = Sdk.crypto(kv, kid, credential);
        crypto.sign(SignatureAlgorithm.ES256, new byte[32]); // challenge and token out of the way
    }

    @AfterEach
    void clear() {
        kv.faults(VAULT).clear();
        kv.resetCalls();
    }

    @Test
    void throttlingSurfaces429AfterTheSdkRetries() {
        kv.faults(VAULT).throttling(ThrottleLimits.of(2, 1, 1, 100).withWindow(Duration.ofSeconds(60)));
        crypto.sign(SignatureAlgorithm.ES256, new byte[32]);
        crypto.sign(SignatureAlgorithm.ES256, new byte[32]);
        HttpResponseException e =
                assertThrows(HttpResponseException.class, () -> crypto.sign(SignatureAlgorithm.ES256, new byte[32]));
        assertEquals(429, e.getResponse().getStatusCode());
        assertTrue(e.getMessage().contains("\"code\":\"Throttled\""), e.getMessage());
        assertFalse(
                e.getResponse().getHeaders().stream().anyMatch(h -> h.getName().equalsIgnoreCase("Retry-After")));
        assertEquals(4, kv.calls(VAULT, "sign"), "2 served + 1 throttled call + 1 SDK retry");
        assertEquals(2, kv.calls(VAULT, "throttled"));
        // Other buckets are not affected.
        assertEquals("k", Sdk.keys(kv, VAULT, credential).getKey("k").getName());
    }

    @Test
    void retryAfterHeaderIsConfigurable() {
        String token = kv.issueToken("app", "https://vault.azure.net", Duration.ofMinutes(5));
        String url = kid + "/sign?api-version=7.5";
        String body = "{\"alg\":\"ES256\",\"value\":\"" + Json.b64url(new byte[32]) + "\"}";
        kv.faults(VAULT).throttleNext("sign", 1).retryAfter(Duration.ofSeconds(3));
        HttpResponse<String> r = Sdk.raw(kv, "POST", url, token, body);
        assertEquals(429, r.statusCode());
        assertEquals("3", r.headers().firstValue("Retry-After").orElseThrow());
        assertEquals(
                "{\"error\":{\"code\":\"Throttled\",\"message\":\"Request was not processed because too many requests"
                        + " were received. Reason: VaultRequestTypeLimitReached\"}}",
                r.body());
        kv.faults(VAULT).throttleNext("sign", 1).noRetryAfter();
        HttpResponse<String> none = Sdk.raw(kv, "POST", url, token, body);
        assertEquals(429, none.statusCode());
        assertTrue(none.headers().firstValue("Retry-After").isEmpty());
        assertEquals(200, Sdk.raw(kv, "POST", url, token, body).statusCode());
    }

    @Test
    void hsmKeysGetHalfTheLimit() {
        ThrottleLimits azure = ThrottleLimits.azure();
        assertEquals(4000, azure.limitFor("RSA-2048"));
        assertEquals(2000, azure.limitFor("RSA-2048-HSM"));
        assertEquals(1000, azure.limitFor("RSA-3072"));
        assertEquals(250, azure.limitFor("RSA-4096-HSM"));
        assertEquals(4000, azure.limitFor("EC"));
        assertEquals(4, azure.scaled(0.001).limitFor("EC"));
    }

    @Test
    void injectedErrorsAreRetriedBySdk() {
        kv.faults(VAULT).failNext("sign", 1, 503);
        assertEquals(64, crypto.sign(SignatureAlgorithm.ES256, new byte[32]).getSignature().length);
        assertEquals(2, kv.calls(VAULT, "sign"));
        assertEquals(1, kv.calls(VAULT, "faulted"));

        kv.faults(VAULT).failNext("sign", 2, 500);
        HttpResponseException e =
                assertThrows(HttpResponseException.class, () -> crypto.sign(SignatureAlgorithm.ES256, new byte[32]));
        assertEquals(500, e.getResponse().getStatusCode());

        kv.faults(VAULT).errorRate("getKey", 1.0, 503);
        HttpResponseException always = assertThrows(
                HttpResponseException.class,
                () -> Sdk.keys(kv, VAULT, credential).getKey("k"));
        assertEquals(503, always.getResponse().getStatusCode());
        assertEquals(
                64, crypto.sign(SignatureAlgorithm.ES256, new byte[32]).getSignature().length, "other ops unaffected");
    }

    @Test
    void connectionResetsAreRetriedBySdk() {
        kv.faults(VAULT).resetNext("sign", 1);
        assertEquals(64, crypto.sign(SignatureAlgorithm.ES256, new byte[32]).getSignature().length);
        assertEquals(1, kv.calls(VAULT, "reset"));
        assertEquals(2, kv.calls(VAULT, "sign"));

        kv.faults(VAULT).resetRate("sign", 1.0);
        RuntimeException e =
                assertThrows(RuntimeException.class, () -> crypto.sign(SignatureAlgorithm.ES256, new byte[32]));
        assertFalse(e instanceof HttpResponseException, "no HTTP answer at all: " + e);
    }

    @Test
    void latencyAndHangs() {
        kv.faults(VAULT).latency("sign", Duration.ofMillis(300), Duration.ofMillis(100));
        long start = System.nanoTime();
        crypto.sign(SignatureAlgorithm.ES256, new byte[32]);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis >= 300, "took " + millis + " ms");

        kv.faults(VAULT).hang("getKey", Duration.ofSeconds(3));
        KeyClient impatient = new KeyClientBuilder()
                .vaultUrl(kv.vaultUrl(VAULT))
                .credential(credential)
                .httpClient(Sdk.http(kv, Duration.ofMillis(400)))
                .disableChallengeResourceVerification()
                .retryOptions(new RetryOptions(new FixedDelayOptions(0, Duration.ofMillis(1))))
                .buildClient();
        long t0 = System.nanoTime();
        RuntimeException e = assertThrows(RuntimeException.class, () -> impatient.getKey("k"));
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 2500, "client timed out first: " + e);
    }

    @Test
    void countsCallsPerOperationAndResets() {
        KeyClient keys = Sdk.keys(kv, VAULT, credential);
        keys.getKey("k");
        keys.getKey("k");
        crypto.sign(SignatureAlgorithm.ES256, new byte[32]);
        assertEquals(2, kv.calls(VAULT, "getKey"));
        assertEquals(1, kv.calls(VAULT, "sign"));
        assertEquals(0, kv.calls(VAULT, "verify"));
        kv.resetCalls(VAULT);
        assertEquals(0, kv.calls(VAULT, "getKey"));
    }

    @Test
    void faultsRoundTripThroughJson() {
        kv.faults(VAULT)
                .apply("{\"latency\":{\"sign\":{\"baseMs\":5,\"jitterMs\":1}},\"errors\":{\"*\":{\"rate\":0.5,"
                        + "\"status\":500}},\"throttling\":{\"enabled\":true,\"scale\":0.5,\"retryAfterSeconds\":2}}");
        String json = kv.faults(VAULT).toString();
        assertTrue(json.contains("\"baseMs\":5"), json);
        assertTrue(json.contains("\"rsa2048AndEc\":2000"), json);
        assertTrue(json.contains("\"retryAfterSeconds\":2"), json);
    }
}
