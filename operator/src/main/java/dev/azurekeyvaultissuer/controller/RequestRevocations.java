package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.api.ApiGroup;
import dev.azurekeyvaultissuer.issuer.IssuerAvailability;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.keyvault.ErrorText;
import dev.azurekeyvaultissuer.pki.CsrRejectedException;
import dev.azurekeyvaultissuer.pki.RevocationProof;
import dev.azurekeyvaultissuer.pki.RevocationReason;
import dev.azurekeyvaultissuer.pki.RevokedCertificate;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Revokes the certificate of an issued request (a cert-manager CertificateRequest or a Kubernetes
 * CertificateSigningRequest) annotated {@code azure-keyvault-issuer.dev/revoke: <reason>} (an RFC 5280 reason name,
 * or empty for unspecified). The outcome is written to the annotation {@code azure-keyvault-issuer.dev/revocation}
 * ("Revoked in CRL n" or why not) and an Event; a request with that annotation is not looked at again, so removing it
 * retries. Nothing is deleted: the request, its Secret and a renewed certificate stay as they are. What differs
 * between the two request APIs is read through their {@link SigningRequestKind}.
 */
final class RequestRevocations {

    static final String REVOKE = ApiGroup.NAME + "/revoke";
    static final String OUTCOME = ApiGroup.NAME + "/revocation";
    static final String REVOKED = "Revoked";
    static final String REFUSED = "RevocationRefused";

    private static final Logger LOG = LoggerFactory.getLogger(RequestRevocations.class);
    /** How soon a request waits for its issuer's check again. */
    private static final Duration ISSUER_WAIT = Duration.ofSeconds(10);
    /** How soon a revocation that is not stored yet is tried again. */
    private static final Duration RETRY = Duration.ofSeconds(30);

    private final KubernetesClient client;
    private final Revocations revocations;
    private final EventRecorder events;
    private final Clock clock;

    RequestRevocations(KubernetesClient client, Revocations revocations, EventRecorder events, Clock clock) {
        this.client = client;
        this.revocations = revocations;
        this.events = events;
        this.clock = clock;
    }

    /** Whether the request asks to be revoked and has no outcome yet. */
    static boolean wanted(HasMetadata request) {
        Map<String, String> annotations = request.getMetadata().getAnnotations();
        return annotations != null && annotations.containsKey(REVOKE) && !annotations.containsKey(OUTCOME);
    }

    <R extends HasMetadata> UpdateControl<R> revoke(
            R cached, SigningRequestKind<R> kind, Function<IssuerId, IssuerAvailability> issuers) {
        IssuerId issuerId = kind.issuerOf(cached);
        RevocationReason reason;
        try {
            reason =
                    RevocationReason.parse(cached.getMetadata().getAnnotations().get(REVOKE));
        } catch (IllegalArgumentException e) {
            return refuse(cached, e.getMessage());
        }
        if (!kind.snapshot(cached).hasCertificate()) {
            return refuse(cached, "the request has no issued certificate to revoke");
        }
        IssuerAvailability availability = issuers.apply(issuerId);
        if (!(availability instanceof IssuerAvailability.Ready ready)) {
            // Its CA is needed to check the certificate and sign the CRL: wait for the issuer's check.
            return UpdateControl.<R>noUpdate().rescheduleAfter(ISSUER_WAIT);
        }
        if (!revocations.enabled(issuerId)) {
            return refuse(
                    cached, issuerId + " keeps no CRL: set its spec.revocation to revoke the certificates it issues");
        }
        // The CertificateRequest cache keeps neither CSR nor certificate of a final request: read them now.
        R full = client.resource(cached).get();
        if (full == null) {
            return UpdateControl.noUpdate();
        }
        BigInteger serial;
        try {
            serial = RevocationProof.serialToRevoke(
                    kind.leafRequest(full).csrPem(),
                    kind.issuedCertificatePem(full),
                    ready.signer().ca());
        } catch (IllegalArgumentException | CsrRejectedException e) {
            return refuse(full, e.getMessage());
        }
        RevokedCertificate entry = new RevokedCertificate(serial, clock.instant(), reason);
        LOG.info(
                "revocation requested kind={} request=\"{}/{}\" issuer=\"{}\" serial={} reason={}",
                full.getKind(),
                full.getMetadata().getNamespace(),
                full.getMetadata().getName(),
                issuerId,
                entry.serialHex(),
                reason);
        revocations.revoke(issuerId, entry).whenComplete((crl, failure) -> {
            if (failure == null) {
                String at = crl.entry(serial).map(e -> e.revokedAt().toString()).orElse("");
                mark(
                        full,
                        REVOKED + " in CRL " + crl.number() + " (serial " + entry.serialHex() + ", " + reason + ", "
                                + at + ")");
                events.normal(
                        full,
                        REVOKED,
                        "Certificate " + entry.serialHex() + " revoked (" + reason + ") in CRL " + crl.number() + " of "
                                + issuerId);
            } else {
                // Not marked: the next reconciliation of the request tries again. A ClusterIssuer's vault, identity
                // and errors are the administrator's: the tenant's request gets no details of them.
                String why = issuerId.isClusterIssuer()
                        ? "the CRL could not be stored (the ClusterIssuer's status and events have the details)"
                        : ErrorText.summary(failure);
                events.warning(full, REFUSED, "Certificate " + entry.serialHex() + " not revoked yet: " + why);
            }
        });
        // Looked at again later: a revocation the vault refused is then tried once more.
        return UpdateControl.<R>noUpdate().rescheduleAfter(RETRY);
    }

    private <R extends HasMetadata> UpdateControl<R> refuse(R request, String why) {
        events.warning(request, REFUSED, "Not revoked: " + why);
        mark(request, "Refused: " + why);
        return UpdateControl.noUpdate();
    }

    private void mark(HasMetadata request, String outcome) {
        String patch = "{\"metadata\":{\"annotations\":{\"" + OUTCOME + "\":"
                + client.getKubernetesSerialization().asJson(StatusText.cap(outcome)) + "}}}";
        try {
            client.resource(request).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
        } catch (KubernetesClientException e) {
            LOG.warn(
                    "revocation outcome not written request=\"{}/{}\" code={}",
                    request.getMetadata().getNamespace(),
                    request.getMetadata().getName(),
                    e.getCode());
        }
    }
}
