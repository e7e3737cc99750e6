package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.api.CrlStatus;
import dev.azurekeyvaultissuer.api.IssuerSpec;
import dev.azurekeyvaultissuer.issuer.CrlSettings;
import dev.azurekeyvaultissuer.issuer.InvalidIssuerSpecException;
import dev.azurekeyvaultissuer.issuer.IssuerHealth;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.issuer.IssuerSettings;
import dev.azurekeyvaultissuer.issuer.RevocationLedger;
import dev.azurekeyvaultissuer.issuer.RevocationStateException;
import dev.azurekeyvaultissuer.keyvault.ErrorText;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.pki.CertificateRevocationList;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CRL part of an issuer check, for issuers with {@code spec.revocation}: the leader publishes the list the vault
 * holds and signs a new one when it is due; a standby only serves what the vault holds. The outcome is the issuer's
 * {@code CRLPublished} condition and {@code status.crl}.
 */
final class IssuerCrlCheck {

    static final String CONDITION = "CRLPublished";
    static final String PUBLISHED = "Published";
    static final String ISSUER_NOT_READY = "IssuerNotReady";
    static final String STORE_FAILED = "CRLNotStored";

    private static final Logger LOG = LoggerFactory.getLogger(IssuerCrlCheck.class);

    private final Revocations revocations;
    private final Clock clock;

    IssuerCrlCheck(Revocations revocations, Clock clock) {
        this.revocations = revocations;
        this.clock = clock;
    }

    /**
     * What the check found. {@code none()} for an issuer without {@code spec.revocation}.
     *
     * @param crl the published list, empty when none could be published
     * @param refreshAt when the list must be signed again
     */
    record Outcome(
            boolean keep,
            boolean configured,
            boolean published,
            String reason,
            String message,
            Optional<CertificateRevocationList> crl,
            Optional<Instant> refreshAt) {

        static Outcome none() {
            return new Outcome(false, false, false, "", "", Optional.empty(), Optional.empty());
        }

        /** Not looked at in this check: the status keeps what it says. */
        static Outcome keepAsIs() {
            return new Outcome(true, false, false, "", "", Optional.empty(), Optional.empty());
        }

        static Outcome failed(String reason, String message) {
            return new Outcome(false, true, false, reason, message, Optional.empty(), Optional.empty());
        }

        /** The next check: sooner while the CRL could not be published, and in time to sign it again. */
        Duration nextCheck(Duration next, Duration notPublishedNext, Instant now) {
            Duration result = next;
            if (configured && !published && notPublishedNext.compareTo(result) < 0) {
                result = notPublishedNext;
            }
            if (refreshAt.isPresent()) {
                Duration untilRefresh = Duration.between(now, refreshAt.get()).plusSeconds(1);
                if (untilRefresh.compareTo(result) < 0) {
                    result = untilRefresh.isNegative() ? Duration.ofSeconds(1) : untilRefresh;
                }
            }
            return result;
        }
    }

    Outcome leaderCheck(IssuerSpec spec, IssuerId id, IssuerHealth health) {
        Optional<CrlSettings> settings = settingsOf(spec);
        if (settings.isEmpty()) {
            revocations.disabled(id);
            return Outcome.none();
        }
        if (!(health instanceof IssuerHealth.Ready ready)) {
            return Outcome.failed(ISSUER_NOT_READY, "the CRL is signed again once the issuer is ready");
        }
        RevocationLedger ledger = RevocationLedger.of(ready.signer(), settings.get(), clock);
        try {
            CertificateRevocationList crl = revocations.refresh(id, ledger);
            revocations.ensureResponder(id, ready.signer(), clock.instant());
            return new Outcome(
                    false,
                    true,
                    true,
                    PUBLISHED,
                    "CRL " + crl.number() + " revokes " + crl.entries().size() + " certificates; stored in "
                            + settings.get().secret() + "; next update " + crl.nextUpdate(),
                    Optional.of(crl),
                    Optional.of(ledger.refreshAt(crl)));
        } catch (VaultException | RevocationStateException e) {
            return Outcome.failed(STORE_FAILED, ErrorText.summary(e));
        } catch (RuntimeException e) {
            LOG.warn("CRL check failed unexpectedly issuer=\"{}\"", id, e);
            return Outcome.failed(STORE_FAILED, ErrorText.summary(e));
        }
    }

    /** A standby serves the list the vault holds, so that the CRL stays available from every replica. */
    void standbyLoad(IssuerSpec spec, IssuerId id, IssuerHealth health) {
        Optional<CrlSettings> settings = settingsOf(spec);
        if (settings.isEmpty() || !(health instanceof IssuerHealth.Ready ready)) {
            return;
        }
        try {
            revocations.load(id, RevocationLedger.of(ready.signer(), settings.get(), clock));
            revocations.ensureResponder(id, ready.signer(), clock.instant());
        } catch (RuntimeException e) {
            LOG.info("standby: CRL not loaded issuer=\"{}\" error=\"{}\"", id, ErrorText.summary(e));
        }
    }

    /** The status the outcome asks for, or the previous one when this check could not publish. */
    static CrlStatus statusOf(Outcome outcome, IssuerId id, CrlStatus previous) {
        if (!outcome.configured()) {
            return null;
        }
        if (outcome.crl().isEmpty()) {
            return previous;
        }
        CertificateRevocationList crl = outcome.crl().get();
        CrlStatus status = new CrlStatus();
        status.setNumber(crl.number().toString());
        status.setThisUpdate(Conditions.timestamp(crl.thisUpdate()));
        status.setNextUpdate(Conditions.timestamp(crl.nextUpdate()));
        status.setRevokedCertificates(crl.entries().size());
        status.setPath(RevocationPublications.pathOf(id));
        status.setOcspPath(RevocationPublications.ocspPathOf(id));
        return status;
    }

    private static Optional<CrlSettings> settingsOf(IssuerSpec spec) {
        try {
            return IssuerSettings.from(spec).revocation();
        } catch (InvalidIssuerSpecException e) {
            return Optional.empty(); // the Ready condition says what is wrong with the spec
        }
    }
}
