package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.issuer.IssuerSigner;
import dev.azurekeyvaultissuer.issuer.RevocationLedger;
import dev.azurekeyvaultissuer.pki.CertificateRevocationList;
import dev.azurekeyvaultissuer.pki.OcspResponder;
import dev.azurekeyvaultissuer.pki.RevokedCertificate;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each issuer's CRL current and adds revocations to it. An issuer check hands over the issuer's ledger and
 * publishes the list the vault holds, signing a new one when it is due; revocations wait {@code batchDelay} for others
 * of the same issuer, so a burst of revocations costs one vault signature. One issuer's ledger is used by one thread
 * at a time, and a tenant's CRL work runs on at most one of the shared threads ({@link TenantSerialExecutor}).
 */
final class Revocations {

    private static final Logger LOG = LoggerFactory.getLogger(Revocations.class);

    private final RevocationPublications publications;
    private final IssuanceMetrics metrics;
    private final ScheduledExecutorService timer;
    private final TenantSerialExecutor workers;
    private final Duration batchDelay;
    private final Consumer<IssuerId> recheck;
    private final ConcurrentMap<IssuerId, RevocationLedger> ledgers = new ConcurrentHashMap<>();
    private final ConcurrentMap<IssuerId, Object> locks = new ConcurrentHashMap<>();
    private final ConcurrentMap<IssuerId, Batch> batches = new ConcurrentHashMap<>();

    /** Revocations of one issuer waiting to be signed into its CRL, and who waits for them. */
    private static final class Batch {
        final Map<BigInteger, RevokedCertificate> entries = new LinkedHashMap<>();
        final List<CompletableFuture<CertificateRevocationList>> waiting = new ArrayList<>();
    }

    Revocations(
            RevocationPublications publications,
            IssuanceMetrics metrics,
            ScheduledExecutorService timer,
            TenantSerialExecutor workers,
            Duration batchDelay,
            Consumer<IssuerId> recheck) {
        this.recheck = recheck;
        this.publications = publications;
        this.metrics = metrics;
        this.timer = timer;
        this.workers = workers;
        this.batchDelay = batchDelay;
    }

    /**
     * The leader's issuer check: the CRL the vault holds is published, or a new one signed when there is none yet or
     * it is due. Runs on the caller's thread.
     *
     * @throws dev.azurekeyvaultissuer.keyvault.VaultException when the vault refuses
     * @throws dev.azurekeyvaultissuer.issuer.RevocationStateException when the stored state cannot be used
     */
    CertificateRevocationList refresh(IssuerId issuer, RevocationLedger ledger) {
        ledgers.put(issuer, ledger);
        synchronized (lock(issuer)) {
            Optional<CertificateRevocationList> stored = ledger.current();
            CertificateRevocationList crl =
                    stored.isPresent() && !ledger.due(stored.get()) ? stored.get() : ledger.publish(List.of());
            published(issuer, crl, stored.isEmpty() || crl != stored.get());
            return crl;
        }
    }

    /**
     * A standby's check: it serves what the vault holds, and signs nothing. The ledger is kept, so that revocations
     * asked for right after this replica begins to lead find it.
     */
    Optional<CertificateRevocationList> load(IssuerId issuer, RevocationLedger ledger) {
        ledgers.put(issuer, ledger);
        Optional<CertificateRevocationList> stored = ledger.current();
        stored.ifPresent(crl -> published(issuer, crl, false));
        return stored;
    }

    /** A delegated OCSP responder lives this long; a new one is made when less than half of it is left. */
    static final Duration OCSP_DELEGATE_VALIDITY = Duration.ofDays(2);

    /**
     * Publishes the issuer's OCSP responder, making a new delegate (one vault signature) when there is none for this
     * CA yet or the current one has less than half its life left.
     */
    void ensureResponder(IssuerId issuer, IssuerSigner signer, Instant now) {
        Optional<RevocationPublications.Responder> current = publications.responder(issuer);
        boolean fresh = current.isPresent()
                && current.get().ca().certificate().equals(signer.ca().certificate())
                && now.plus(OCSP_DELEGATE_VALIDITY.dividedBy(2))
                        .isBefore(current.get().delegate().notAfter());
        if (fresh) {
            return;
        }
        OcspResponder.Delegate delegate = OcspResponder.delegate(
                signer.vault(), signer.key(), signer.algorithm(), signer.ca(), now, OCSP_DELEGATE_VALIDITY);
        publications.publishResponder(issuer, signer.ca(), delegate);
        LOG.info("OCSP responder certificate made issuer=\"{}\" notAfter={}", issuer, delegate.notAfter());
    }

    /** Whether the issuer keeps a CRL, as its last check found. */
    boolean enabled(IssuerId issuer) {
        return ledgers.containsKey(issuer);
    }

    /**
     * Adds a revocation to the issuer's CRL after the batch delay, with the others that arrive meanwhile.
     *
     * @return completes with the stored CRL that holds it, or exceptionally with the vault's refusal; once it is
     *     stored (or could not be), the issuer is checked again, so that its status shows the new list (or why not)
     */
    CompletableFuture<CertificateRevocationList> revoke(IssuerId issuer, RevokedCertificate entry) {
        CompletableFuture<CertificateRevocationList> done = new CompletableFuture<>();
        boolean first;
        synchronized (batches) {
            Batch batch = batches.get(issuer);
            first = batch == null;
            if (first) {
                batch = new Batch();
                batches.put(issuer, batch);
            }
            batch.entries.merge(entry.serialNumber(), entry, (a, b) -> a);
            batch.waiting.add(done);
        }
        if (first) {
            timer.schedule(
                    () -> workers.execute(issuer.tenant(), () -> flush(issuer)),
                    batchDelay.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        return done;
    }

    private void flush(IssuerId issuer) {
        Batch batch;
        synchronized (batches) {
            batch = batches.remove(issuer);
        }
        if (batch == null) {
            return;
        }
        RevocationLedger ledger = ledgers.get(issuer);
        try {
            if (ledger == null) {
                throw new IllegalStateException(issuer + " keeps no CRL (spec.revocation is not set)");
            }
            CertificateRevocationList crl;
            synchronized (lock(issuer)) {
                Optional<CertificateRevocationList> stored = ledger.current();
                if (stored.isPresent() && stored.get().covers(batch.entries.values()) && !ledger.due(stored.get())) {
                    crl = stored.get(); // revoked before, e.g. by an operator that stopped before it said so
                } else {
                    crl = ledger.publish(batch.entries.values());
                }
            }
            published(issuer, crl, true);
            LOG.info(
                    "revocations stored issuer=\"{}\" revoked={} crlNumber={}",
                    issuer,
                    batch.entries.size(),
                    crl.number());
            batch.waiting.forEach(w -> w.complete(crl));
            recheck.accept(issuer);
        } catch (RuntimeException e) {
            LOG.warn("revocations not stored issuer=\"{}\" revoked={}", issuer, batch.entries.size(), e);
            batch.waiting.forEach(w -> w.completeExceptionally(e));
            recheck.accept(issuer); // its status then says why, in a CRLPublished condition
        }
    }

    private void published(IssuerId issuer, CertificateRevocationList crl, boolean signedNow) {
        publications.publish(issuer, crl);
        metrics.crlPublished(issuer, crl);
        if (signedNow) {
            LOG.info(
                    "CRL published issuer=\"{}\" crlNumber={} revoked={} nextUpdate={}",
                    issuer,
                    crl.number(),
                    crl.entries().size(),
                    crl.nextUpdate());
        }
    }

    /** The issuer no longer keeps a CRL, or is gone. Its published list stays served until it is deleted. */
    void disabled(IssuerId issuer) {
        ledgers.remove(issuer);
    }

    void forget(IssuerId issuer) {
        ledgers.remove(issuer);
        locks.remove(issuer);
        publications.forget(issuer);
    }

    private Object lock(IssuerId issuer) {
        return locks.computeIfAbsent(issuer, i -> new Object());
    }
}
