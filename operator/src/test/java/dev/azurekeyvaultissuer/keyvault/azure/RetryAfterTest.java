package dev.azurekeyvaultissuer.keyvault.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetryAfterTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    private static Optional<Duration> parse(Map<String, String> headers) {
        return RetryAfter.parse(headers::get, NOW);
    }

    @Test
    void noHeaderIsTheCommonCase() {
        assertEquals(Optional.empty(), parse(Map.of()));
    }

    @Test
    void retryAfterInSeconds() {
        assertEquals(Optional.of(Duration.ofSeconds(7)), parse(Map.of("Retry-After", "7")));
    }

    @Test
    void retryAfterAsHttpDate() {
        assertEquals(Optional.of(Duration.ofSeconds(30)), parse(Map.of("Retry-After", "Sun, 1 Mar 2026 12:00:30 GMT")));
        assertEquals(Optional.of(Duration.ZERO), parse(Map.of("Retry-After", "Sun, 1 Mar 2026 11:00:00 GMT")));
    }

    @Test
    void millisecondHeadersWinInTheSdksOrder() {
        assertEquals(Optional.of(Duration.ofMillis(250)), parse(Map.of("retry-after-ms", "250", "Retry-After", "9")));
        assertEquals(
                Optional.of(Duration.ofMillis(40)),
                parse(Map.of("x-ms-retry-after-ms", "40", "retry-after-ms", "250", "Retry-After", "9")));
    }

    @Test
    void garbageIsIgnored() {
        assertEquals(Optional.empty(), parse(Map.of("Retry-After", "soon")));
        assertEquals(Optional.of(Duration.ofSeconds(2)), parse(Map.of("retry-after-ms", "-5", "Retry-After", "2")));
    }
}
