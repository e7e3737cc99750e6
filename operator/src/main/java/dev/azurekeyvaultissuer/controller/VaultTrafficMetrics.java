package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.keyvault.VaultTraffic;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Vault traffic as Prometheus sees it, per vault host: every HTTP attempt by status, the throttled ones (429) on
 * their own so an alert needs no status filter, and the retries the SDK made. A vault's host is few and fixed per
 * issuer, so the labels stay bounded.
 */
public final class VaultTrafficMetrics implements VaultTraffic {

    static final String NO_RESPONSE = "none";

    private final MeterRegistry registry;

    public VaultTrafficMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public void attempted(String vaultHost, OptionalInt status, int attempt) {
        String statusLabel = status.isPresent() ? Integer.toString(status.getAsInt()) : NO_RESPONSE;
        Counter.builder("akvi.vault.requests")
                .description("HTTP attempts to a vault, retries included; status 'none' when no response came")
                .tag("vault", vaultHost)
                .tag("status", statusLabel)
                .register(registry)
                .increment();
        if (status.isPresent() && status.getAsInt() == 429) {
            Counter.builder("akvi.vault.throttled")
                    .description("Responses 429 Too Many Requests from a vault")
                    .tag("vault", vaultHost)
                    .register(registry)
                    .increment();
        }
        if (attempt > 1) {
            Counter.builder("akvi.vault.retries")
                    .description("Vault calls retried after a 429, 5xx or I/O error")
                    .tag("vault", vaultHost)
                    .register(registry)
                    .increment();
        }
    }
}
