package dev.azurekeyvaultissuer.keyvault.azure;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.http.policy.RequestRetryCondition;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which failures the SDK retries inside one vault call, with the backoff of AzureClientOptions.Retries. */
class RetryConditionTest {

    private static final Duration MAX = Duration.ofSeconds(30);

    private static RequestRetryCondition response(int status, Map<String, String> headers) {
        return condition(new VaultErrorsTest.Response(status, headers), null);
    }

    // RequestRetryCondition's constructor is package-private in azure-core: tests reach it by reflection.
    private static RequestRetryCondition condition(VaultErrorsTest.Response response, Throwable failure) {
        try {
            Constructor<RequestRetryCondition> c = RequestRetryCondition.class.getDeclaredConstructor(
                    com.azure.core.http.HttpResponse.class, Throwable.class, int.class, List.class);
            c.setAccessible(true);
            return c.newInstance(response, failure, 0, List.of());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void throttlingAndServerErrorsAreRetried() {
        for (int status : new int[] {408, 429, 500, 502, 503, 504}) {
            assertTrue(AzureKeyVault.shouldRetry(response(status, Map.of()), MAX), "status " + status);
        }
    }

    @Test
    void clientErrorsAreNot() {
        for (int status : new int[] {400, 401, 403, 404, 409, 501, 505}) {
            assertFalse(AzureKeyVault.shouldRetry(response(status, Map.of()), MAX), "status " + status);
        }
    }

    @Test
    void aRetryAfterLongerThanTheMaximumEndsTheRetries() {
        assertTrue(AzureKeyVault.shouldRetry(response(429, Map.of("Retry-After", "30")), MAX));
        assertFalse(AzureKeyVault.shouldRetry(response(429, Map.of("Retry-After", "31")), MAX));
        assertFalse(AzureKeyVault.shouldRetry(response(503, Map.of("x-ms-retry-after-ms", "60000")), MAX));
    }

    @Test
    void networkFailuresAreRetriedCredentialFailuresAreNot() {
        assertTrue(AzureKeyVault.shouldRetry(
                condition(null, new UncheckedIOException(new SocketException("Connection reset"))), MAX));
        assertTrue(AzureKeyVault.shouldRetry(condition(null, new SocketException("Connection reset")), MAX));
        assertFalse(AzureKeyVault.shouldRetry(
                condition(null, new ClientAuthenticationException("AADSTS7000215: Invalid client secret", null)), MAX));
        assertFalse(AzureKeyVault.shouldRetry(condition(null, new IllegalStateException("bug")), MAX));
    }
}
