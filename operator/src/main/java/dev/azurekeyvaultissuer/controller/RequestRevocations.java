package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.api.ApiGroup;
import dev.azurekeyvaultissuer.issuer.IssuerAvailability;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.keyvault.ErrorText;
import dev.azurekeyvaultissuer.pki.RevocationProof;
import dev.azurekeyvaultissuer.pki.RevocationReason;
import dev.azurekeyvaultissuer.pki.RevokedCertificate;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Revokes the certificate of an issued CertificateRequest annotated {@code azure-keyvault-issuer.dev/revoke: <reason>}
 * (an RFC 5280 reason name, or empty for unspecified). The outcome is written to the annotation
 * {@code azure-keyvault-issuer.dev/revocation} ("Revoked in CRL n" or why not) and an Event; a request with that
 * annotation is not looked at again, so removing it retries. Nothing is deleted: the request, its Secret and a
 * renewed certificate stay as they are.
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
    static boolean wanted(CertificateRequest request) {
        Map<String, String> annotations = request.getMetadata().getAnnotations();
        return annotations != null && annotations.containsKey(REVOKE) && !annotations.containsKey(OUTCOME);
    }

    UpdateControl<CertificateRequest> revoke(
            CertificateRequest cached, Function<IssuerId, IssuerAvailability> issuers) {
        IssuerId issuerId = CertificateRequests.issuerOf(cached);
        RevocationReason reason;
        try {
            reason =
                    RevocationReason.parse(cached.getMetadata().getAnnotations().get(REVOKE));
        } catch (IllegalArgumentException e) {
            return refuse(cached, e.getMessage());
        }
        if (!CertificateRequests.snapshot(cached).isTerminal()
                || cached.getStatus() == null
                || cached.getStatus().getCertificate() == null) {
            return refuse(cached, "the request has no issued certificate to revoke");
        }
        IssuerAvailability availability = issuers.apply(issuerId);
        if (!(availability instanceof IssuerAvailability.Ready ready)) {
            // Its CA is needed to check the certificate and sign the CRL: wait for the issuer's check.
            return UpdateControl.<CertificateRequest>noUpdate().rescheduleAfter(ISSUER_WAIT);
        }
        if (!revocations.enabled(issuerId)) {
            return refuse(
                    cached, issuerId + " keeps no CRL: set its spec.revocation to revoke the certificates it issues");
        }
        // The cache keeps neither CSR nor certificate of a final request: read them now.
        CertificateRequest full = client.resources(CertificateRequest.class)
                .inNamespace(cached.getMetadata().getNamespace())
                .withName(cached.getMetadata().getName())
                .get();
        if (full == null) {
            return UpdateControl.noUpdate();
        }
        BigInteger serial;
        try {
            serial = RevocationProof.serialToRevoke(
                    decode(full.getSpec().getRequest()),
                    decode(full.getStatus().getCertificate()),
                    ready.signer().ca());
        } catch (IllegalArgumentException e) {
            return refuse(full, e.getMessage());
        }
        RevokedCertificate entry = new RevokedCertificate(serial, clock.instant(), reason);
        LOG.info(
                "revocation requested request=\"{}/{}\" issuer=\"{}\" serial={} reason={}",
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
                // Not marked: the next reconciliation of the request tries again.
                events.warning(
                        full,
                        REFUSED,
                        "Certificate " + entry.serialHex() + " not revoked yet: " + ErrorText.summary(failure));
            }
        });
        // Looked at again later: a revocation the vault refused is then tried once more.
        return UpdateControl.<CertificateRequest>noUpdate().rescheduleAfter(RETRY);
    }

    private UpdateControl<CertificateRequest> refuse(CertificateRequest request, String why) {
        events.warning(request, REFUSED, "Not revoked: " + why);
        mark(request, "Refused: " + why);
        return UpdateControl.noUpdate();
    }

    private void mark(CertificateRequest request, String outcome) {
        String patch = "{\"metadata\":{\"annotations\":{\"" + OUTCOME + "\":"
                + client.getKubernetesSerialization().asJson(StatusText.cap(outcome)) + "}}}";
        try {
            client.resources(CertificateRequest.class)
                    .inNamespace(request.getMetadata().getNamespace())
                    .withName(request.getMetadata().getName())
                    .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
        } catch (KubernetesClientException e) {
            LOG.warn(
                    "revocation outcome not written request=\"{}/{}\" code={}",
                    request.getMetadata().getNamespace(),
                    request.getMetadata().getName(),
                    e.getCode());
        }
    }

    private static String decode(String base64) {
        if (base64 == null || base64.isEmpty()) {
            throw new IllegalArgumentException("the request holds no CSR or no certificate");
        }
        try {
            return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the request's CSR or certificate is not base64");
        }
    }
}
