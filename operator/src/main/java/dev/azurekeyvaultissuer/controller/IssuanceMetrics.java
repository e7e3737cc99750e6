package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.pki.CertificateRevocationList;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The operator's own metrics, beside JOSDK's: certificates issued and failed per issuer, how long signing takes
 * (one vault call plus local hashing and verification), which issuers are ready and when their CA expires.
 */
final class IssuanceMetrics {

    private final MeterRegistry registry;
    private final Timer signDuration;
    private final ConcurrentMap<IssuerId, AtomicLong> ready = new ConcurrentHashMap<>();
    private final ConcurrentMap<IssuerId, AtomicLong> caNotAfter = new ConcurrentHashMap<>();
    private final ConcurrentMap<IssuerId, AtomicLong> crlRevoked = new ConcurrentHashMap<>();
    private final ConcurrentMap<IssuerId, AtomicLong> crlThisUpdate = new ConcurrentHashMap<>();
    private final Clock clock;

    IssuanceMetrics(MeterRegistry registry) {
        this(registry, Clock.systemUTC());
    }

    IssuanceMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
        this.signDuration = Timer.builder("akvi.sign.duration")
                .description("Time to build, sign in the vault and verify one certificate")
                .publishPercentileHistogram()
                .register(registry);
    }

    void issued(IssuerId issuer, Duration took) {
        signDuration.record(took);
        Counter.builder("akvi.certificates.issued")
                .description("Certificates issued")
                .tag("issuer", issuer.toString())
                .register(registry)
                .increment();
    }

    void failed(IssuerId issuer, String reason) {
        Counter.builder("akvi.certificates.failed")
                .description("CertificateRequests failed or retried")
                .tag("issuer", issuer.toString())
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    void issuerChecked(IssuerId issuer, boolean isReady, Instant caExpiry) {
        gauge(ready, "akvi.issuer.ready", "1 when the issuer can sign", issuer).set(isReady ? 1 : 0);
        if (caExpiry != null) {
            gauge(
                            caNotAfter,
                            "akvi.issuer.ca.not.after",
                            "The CA certificate's notAfter, seconds since the epoch",
                            issuer)
                    .set(caExpiry.getEpochSecond());
        }
    }

    /** The issuer's published CRL: how many certificates it revokes and how old it is (from its thisUpdate). */
    void crlPublished(IssuerId issuer, CertificateRevocationList crl) {
        gauge(crlRevoked, "akvi.crl.revoked.certificates", "Certificates the issuer's CRL revokes", issuer)
                .set(crl.entries().size());
        crlThisUpdate
                .computeIfAbsent(issuer, id -> {
                    AtomicLong thisUpdate = new AtomicLong();
                    Gauge.builder(
                                    "akvi.crl.age.seconds",
                                    thisUpdate,
                                    t -> clock.instant().getEpochSecond() - t.get())
                            .description("Seconds since the issuer's published CRL was signed (its thisUpdate)")
                            .tag("issuer", id.toString())
                            .register(registry);
                    return thisUpdate;
                })
                .set(crl.thisUpdate().getEpochSecond());
    }

    /** Removes every series of a deleted issuer, so a dashboard does not show it ready forever. */
    void forget(IssuerId issuer) {
        ready.remove(issuer);
        caNotAfter.remove(issuer);
        crlRevoked.remove(issuer);
        crlThisUpdate.remove(issuer);
        String tag = issuer.toString();
        registry.getMeters().stream()
                .filter(m -> m.getId().getName().startsWith("akvi.")
                        && tag.equals(m.getId().getTag("issuer")))
                .toList()
                .forEach(registry::remove);
    }

    private AtomicLong gauge(
            ConcurrentMap<IssuerId, AtomicLong> values, String name, String description, IssuerId issuer) {
        return values.computeIfAbsent(issuer, id -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder(name, value, AtomicLong::get)
                    .description(description)
                    .tag("issuer", id.toString())
                    .register(registry);
            return value;
        });
    }
}
