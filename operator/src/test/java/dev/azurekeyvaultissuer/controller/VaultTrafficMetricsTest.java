package dev.azurekeyvaultissuer.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class VaultTrafficMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final VaultTrafficMetrics metrics = new VaultTrafficMetrics(registry);

    private double count(String name, String... tags) {
        var counter = registry.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void countsAttemptsByVaultAndStatus() {
        metrics.attempted("a.vault.azure.net", OptionalInt.of(200), 1);
        metrics.attempted("a.vault.azure.net", OptionalInt.of(200), 1);
        metrics.attempted("b.vault.azure.net", OptionalInt.of(200), 1);

        assertEquals(2, count("akvi.vault.requests", "vault", "a.vault.azure.net", "status", "200"));
        assertEquals(1, count("akvi.vault.requests", "vault", "b.vault.azure.net", "status", "200"));
        assertNull(registry.find("akvi.vault.throttled").counter());
        assertNull(registry.find("akvi.vault.retries").counter());
    }

    @Test
    void throttledResponsesAndRetriesAreCountedPerVault() {
        metrics.attempted("a.vault.azure.net", OptionalInt.of(429), 1);
        metrics.attempted("a.vault.azure.net", OptionalInt.of(429), 2);
        metrics.attempted("a.vault.azure.net", OptionalInt.of(200), 3);

        assertEquals(2, count("akvi.vault.throttled", "vault", "a.vault.azure.net"));
        assertEquals(2, count("akvi.vault.retries", "vault", "a.vault.azure.net"));
        assertEquals(2, count("akvi.vault.requests", "vault", "a.vault.azure.net", "status", "429"));
    }

    @Test
    void anAttemptWithoutResponseHasStatusNone() {
        metrics.attempted("a.vault.azure.net", OptionalInt.empty(), 1);

        assertEquals(1, count("akvi.vault.requests", "vault", "a.vault.azure.net", "status", "none"));
    }
}
