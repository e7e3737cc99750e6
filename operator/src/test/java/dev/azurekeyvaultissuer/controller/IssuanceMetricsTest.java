package dev.azurekeyvaultissuer.controller;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.issuer.IssuerId;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The metric names docs/metrics.md promises, as Prometheus scrapes them. */
class IssuanceMetricsTest {

    @Test
    void scrapeShowsTheDocumentedMetrics() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        IssuanceMetrics metrics = new IssuanceMetrics(registry);
        IssuerId issuer = IssuerId.clusterIssuer("internal-ca");
        metrics.issued(issuer, Duration.ofMillis(12));
        metrics.issued(issuer, Duration.ofMillis(8));
        metrics.failed(issuer, "Failed");
        metrics.issuerChecked(issuer, true, Instant.ofEpochSecond(1_900_000_000L));
        metrics.issuerChecked(IssuerId.issuer("shop", "team-ca"), false, null);

        String scrape = registry.scrape();
        assertTrue(scrape.contains("akvi_certificates_issued_total{issuer=\"ClusterIssuer internal-ca\"} 2.0"), scrape);
        assertTrue(
                scrape.contains(
                        "akvi_certificates_failed_total{issuer=\"ClusterIssuer internal-ca\",reason=\"Failed\"} 1.0"),
                scrape);
        assertTrue(scrape.contains("akvi_sign_duration_seconds_count 2"), scrape);
        assertTrue(scrape.contains("akvi_issuer_ready{issuer=\"ClusterIssuer internal-ca\"} 1.0"), scrape);
        assertTrue(scrape.contains("akvi_issuer_ready{issuer=\"Issuer shop/team-ca\"} 0.0"), scrape);
        assertTrue(scrape.contains("akvi_issuer_ca_not_after{issuer=\"ClusterIssuer internal-ca\"} 1.9E9"), scrape);
    }
}
