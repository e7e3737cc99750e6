package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.api.CrlStatus;
import dev.azurekeyvaultissuer.api.IssuerSpec;
import dev.azurekeyvaultissuer.api.IssuerStatus;
import dev.azurekeyvaultissuer.issuer.InvalidIssuerSpecException;
import dev.azurekeyvaultissuer.issuer.IssuerAdmission;
import dev.azurekeyvaultissuer.issuer.IssuerHealth;
import dev.azurekeyvaultissuer.issuer.IssuerHealthCheck;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.issuer.IssuerReasons;
import dev.azurekeyvaultissuer.issuer.IssuerSettings;
import dev.azurekeyvaultissuer.issuer.SignerRegistry;
import dev.azurekeyvaultissuer.keyvault.ErrorText;
import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One check of an Issuer or ClusterIssuer: read its spec and credentials, check key and CA in the vault, record the
 * outcome for the request reconciler, then write the status once and come back after the resync interval.
 */
final class IssuerReconciliation {

    private static final Logger LOG = LoggerFactory.getLogger(IssuerReconciliation.class);
    /** A broken issuer is looked at again this soon at most, so a fix in the vault shows within seconds. */
    private static final Duration NOT_READY_RECHECK = Duration.ofSeconds(30);

    private final CredentialResolver credentials;
    private final VaultSessions sessions;
    private final SignerRegistry registry;
    private final IssuerHealthCheck healthCheck;
    private final EventRecorder events;
    private final IssuanceMetrics metrics;
    private final Clock clock;
    private final Duration resyncInterval;
    private final IssuerAdmission admission;
    private final Revocations revocations;
    private final IssuerCrlCheck crlCheck;

    IssuerReconciliation(
            CredentialResolver credentials,
            VaultSessions sessions,
            SignerRegistry registry,
            EventRecorder events,
            IssuanceMetrics metrics,
            Clock clock,
            Duration resyncInterval,
            IssuerAdmission admission,
            Revocations revocations) {
        this.admission = admission;
        this.revocations = revocations;
        this.crlCheck = new IssuerCrlCheck(revocations, clock);
        this.credentials = credentials;
        this.sessions = sessions;
        this.registry = registry;
        this.healthCheck = new IssuerHealthCheck(clock);
        this.events = events;
        this.metrics = metrics;
        this.clock = clock;
        this.resyncInterval = resyncInterval;
    }

    /**
     * @param secretNamespace where the issuer's Secrets are read
     */
    <R extends CustomResource<IssuerSpec, IssuerStatus>> UpdateControl<R> reconcile(
            R resource, IssuerId id, String secretNamespace) {
        long generation = resource.getMetadata().getGeneration() == null
                ? 0
                : resource.getMetadata().getGeneration();
        String uid = resource.getMetadata().getUid();
        var refusal = registry.signingRefusal(id, uid, generation);
        if (refusal.isPresent()) {
            // The vault refused to sign for it since its last check: show that, and check again when the wait of a
            // not-ready issuer is over, not now (its key may still be readable while signing is refused).
            Duration left = Duration.between(clock.instant(), refusal.get().at().plus(notReadyRecheck()));
            if (left.compareTo(Duration.ZERO) > 0) {
                metrics.issuerChecked(id, false, null);
                return writeStatus(
                        resource, id, generation, refusal.get().health(), left, IssuerCrlCheck.Outcome.keepAsIs());
            }
        }
        IssuerHealth health = check(resource.getSpec(), id, uid, secretNamespace);
        // The CRL first: a request asking for a revocation must find the issuer's ledger once it finds it ready.
        IssuerCrlCheck.Outcome crl = crlCheck.leaderCheck(resource.getSpec(), id, health);
        registry.record(id, uid, generation, health);
        metrics.issuerChecked(
                id,
                health instanceof IssuerHealth.Ready,
                health instanceof IssuerHealth.Ready r ? r.signer().ca().notAfter() : null);
        return writeStatus(resource, id, generation, health, notReadyRecheck(), crl);
    }

    private Duration notReadyRecheck() {
        return resyncInterval.compareTo(NOT_READY_RECHECK) < 0 ? resyncInterval : NOT_READY_RECHECK;
    }

    /**
     * A standby's check: the same check, recorded for this process, nothing written. A standby that has checked the
     * issuers can sign the moment it leads, instead of first checking every issuer (a vault round trip and, per
     * identity, a token).
     */
    <R extends CustomResource<IssuerSpec, IssuerStatus>> void prepare(
            R resource, IssuerId id, String secretNamespace, BooleanSupplier leading) {
        if (leading.getAsBoolean()) {
            return; // the leader's own reconciliations check it
        }
        long generation = resource.getMetadata().getGeneration() == null
                ? 0
                : resource.getMetadata().getGeneration();
        String uid = resource.getMetadata().getUid();
        IssuerHealth health = check(resource.getSpec(), id, uid, secretNamespace);
        crlCheck.standbyLoad(resource.getSpec(), id, health);
        if (leading.getAsBoolean()) {
            // It began to lead during this check: the leader's check, if done, is the one that counts.
            registry.recordIfUnchecked(id, uid, generation, health);
        } else {
            registry.record(id, uid, generation, health);
        }
    }

    /**
     * The issuer is gone: nothing of it may sign again, and nothing of it stays in memory (its signer, its SDK
     * clients and token caches, its metric series). A new issuer under the same name starts from nothing.
     */
    void deleted(CustomResource<IssuerSpec, IssuerStatus> resource, IssuerId id, String secretNamespace) {
        registry.forget(id);
        sessions.forget(id);
        metrics.forget(id);
        revocations.forget(id);
        try {
            credentials.forget(IssuerSettings.from(resource.getSpec()).auth(), secretNamespace);
        } catch (InvalidIssuerSpecException e) {
            // Nothing was cached for a spec that never parsed.
        }
        LOG.info("issuer deleted, signer and credentials dropped issuer=\"{}\"", id);
    }

    private IssuerHealth check(IssuerSpec spec, IssuerId id, String uid, String secretNamespace) {
        try {
            IssuerSettings settings = IssuerSettings.from(spec);
            var refusal = admission.refusal(id, settings);
            if (refusal.isPresent()) {
                return refusal.get();
            }
            VaultCredentials creds = credentials.resolve(settings.auth(), secretNamespace);
            KeyVault vault = sessions.vaultFor(id, uid, creds);
            IssuerHealth health = healthCheck.check(settings, vault);
            if (health instanceof IssuerHealth.NotReady n && IssuerReasons.UNAUTHENTICATED.equals(n.reason())) {
                // Workload identity: say which issuer and subject Entra ID was shown, to compare with the federation.
                return credentials
                        .presentedAssertion(settings.auth(), secretNamespace)
                        .<IssuerHealth>map(p -> new IssuerHealth.NotReady(n.reason(), n.message() + "; " + p))
                        .orElse(health);
            }
            return health;
        } catch (InvalidIssuerSpecException e) {
            return new IssuerHealth.NotReady(IssuerReasons.INVALID_SPEC, e.getMessage());
        } catch (CredentialsUnavailableException e) {
            return new IssuerHealth.NotReady(IssuerReasons.CREDENTIALS_UNAVAILABLE, e.getMessage());
        } catch (RuntimeException e) {
            // Unexpected: keep the message to one line and the stack trace in the log only.
            LOG.warn("issuer check failed unexpectedly issuer=\"{}\"", id, e);
            return new IssuerHealth.NotReady("InternalError", ErrorText.summary(e));
        }
    }

    private <R extends CustomResource<IssuerSpec, IssuerStatus>> UpdateControl<R> writeStatus(
            R resource,
            IssuerId id,
            long generation,
            IssuerHealth health,
            Duration notReadyNext,
            IssuerCrlCheck.Outcome crl) {
        IssuerStatus status = resource.getStatus() == null ? new IssuerStatus() : resource.getStatus();
        boolean ready = health instanceof IssuerHealth.Ready;
        String reason;
        String message;
        String keyId = status.getKeyID();
        String ca = status.getCa();
        Duration next;
        if (health instanceof IssuerHealth.Ready r) {
            reason = IssuerReasons.CHECKED;
            keyId = r.signer().key().keyId();
            ca = r.signer().ca().rootPem();
            message = "Signing with " + keyId + " (" + r.signer().algorithm() + "), CA valid until "
                    + r.signer().ca().notAfter();
            next = resyncInterval;
        } else {
            IssuerHealth.NotReady n = (IssuerHealth.NotReady) health;
            reason = n.reason();
            message = n.message();
            next = notReadyNext;
        }
        Instant now = clock.instant();
        List<Condition> conditions =
                Conditions.withReady(status.getConditions(), ready, reason, message, generation, now);
        CrlStatus crlStatus = status.getCrl();
        if (!crl.keep()) {
            conditions = crl.configured()
                    ? Conditions.with(
                            conditions,
                            IssuerCrlCheck.CONDITION,
                            crl.published(),
                            crl.reason(),
                            crl.message(),
                            generation,
                            now)
                    : Conditions.without(conditions, IssuerCrlCheck.CONDITION);
            crlStatus = IssuerCrlCheck.statusOf(crl, id, status.getCrl());
            next = crl.nextCheck(next, notReadyNext, now);
        }
        boolean unchanged = Objects.equals(conditions, status.getConditions())
                && Objects.equals(keyId, status.getKeyID())
                && Objects.equals(ca, status.getCa())
                && Objects.equals(crlStatus, status.getCrl());
        LOG.info("issuer checked ready={} reason={} keyID={} changed={}", ready, reason, keyId, !unchanged);
        if (unchanged) {
            return UpdateControl.<R>noUpdate().rescheduleAfter(next);
        }
        boolean transition = !Conditions.find(status.getConditions(), Conditions.READY)
                .map(c -> c.getStatus().equals(ready ? "True" : "False") && reason.equals(c.getReason()))
                .orElse(false);
        if (transition || !Objects.equals(keyId, status.getKeyID())) {
            if (ready) {
                events.normal(resource, reason, message);
            } else {
                events.warning(resource, reason, message);
            }
        }
        if (crl.configured() && !crl.keep()) {
            boolean crlTransition = !Conditions.find(status.getConditions(), IssuerCrlCheck.CONDITION)
                    .map(c -> c.getStatus().equals(crl.published() ? "True" : "False")
                            && crl.reason().equals(c.getReason()))
                    .orElse(false);
            boolean newList = crlStatus != null
                    && (status.getCrl() == null
                            || !Objects.equals(
                                    crlStatus.getNumber(), status.getCrl().getNumber()));
            if (crl.published() && (crlTransition || newList)) {
                events.normal(resource, IssuerCrlCheck.PUBLISHED, crl.message());
            } else if (!crl.published() && crlTransition) {
                events.warning(resource, crl.reason(), crl.message());
            }
        }
        status.setConditions(conditions);
        status.setKeyID(keyId);
        status.setCa(ca);
        status.setCrl(crlStatus);
        resource.setStatus(status);
        resource.getMetadata().setManagedFields(null);
        return UpdateControl.patchStatus(resource).rescheduleAfter(next);
    }
}
