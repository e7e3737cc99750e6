package dev.azurekeyvaultissuer.controller;

import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.certmanager.api.model.v1.CertificateRequestBuilder;
import io.fabric8.certmanager.api.model.v1.CertificateRequestCondition;
import io.fabric8.certmanager.api.model.v1.CertificateRequestConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.List;

/**
 * Writes our part of a CertificateRequest's status with server-side apply on the status subresource: the Ready
 * condition, certificate, ca and failureTime, under our own field manager. cert-manager's conditions list is a map
 * keyed by type, so its Approved and Denied conditions, owned by the approver, are never touched.
 */
final class RequestStatusWriter {

    static final String FIELD_MANAGER = "azure-keyvault-issuer";

    private static final PatchContext APPLY = new PatchContext.Builder()
            .withPatchType(PatchType.SERVER_SIDE_APPLY)
            .withFieldManager(FIELD_MANAGER)
            .withForce(true)
            .build();

    private final KubernetesClient client;
    private final Clock clock;

    RequestStatusWriter(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    void pending(CertificateRequest request, String message) {
        apply(request, "False", "Pending", message, null, null, false);
    }

    void failed(CertificateRequest request, String reason, String message) {
        apply(request, "False", reason, message, null, null, true);
    }

    /**
     * Writes the certificate, but only over the request as it was read before signing: the write carries that
     * resourceVersion as a precondition. A cache that lagged behind (an issuer event woke us before our own last
     * write arrived) can make us sign a request that is already final; its write then meets a conflict, and a fresh
     * read decides: a final request keeps what it has and the new certificate is dropped, anything else is written
     * over the fresh version.
     *
     * @return whether the certificate was written
     */
    boolean issued(CertificateRequest request, String certificatePem, String caPem) {
        try {
            apply(
                    request,
                    "True",
                    "Issued",
                    "Certificate fetched from issuer successfully",
                    certificatePem,
                    caPem,
                    false,
                    request.getMetadata().getResourceVersion());
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
        CertificateRequest fresh = client.resources(CertificateRequest.class)
                .inNamespace(request.getMetadata().getNamespace())
                .withName(request.getMetadata().getName())
                .get();
        if (fresh == null || CertificateRequests.snapshot(fresh).isTerminal()) {
            return false;
        }
        apply(
                fresh,
                "True",
                "Issued",
                "Certificate fetched from issuer successfully",
                certificatePem,
                caPem,
                false,
                fresh.getMetadata().getResourceVersion());
        return true;
    }

    /** Whether our Ready condition already says exactly this, so an identical patch can be skipped. */
    static boolean readyIs(CertificateRequest request, String reason, String message) {
        var status = request.getStatus();
        if (status == null || status.getConditions() == null) {
            return false;
        }
        return CertificateRequests.condition(status.getConditions(), "Ready")
                .filter(c ->
                        reason.equals(c.getReason()) && StatusText.cap(message).equals(c.getMessage()))
                .isPresent();
    }

    private void apply(
            CertificateRequest request,
            String status,
            String reason,
            String message,
            String certificate,
            String ca,
            boolean failed) {
        apply(request, status, reason, message, certificate, ca, failed, null);
    }

    /** @param resourceVersion when set, a precondition: the API server refuses the write (409) if it moved on */
    private void apply(
            CertificateRequest request,
            String status,
            String reason,
            String message,
            String certificate,
            String ca,
            boolean failed,
            String resourceVersion) {
        String now = Conditions.timestamp(clock.instant());
        String transition = request.getStatus() == null || request.getStatus().getConditions() == null
                ? now
                : CertificateRequests.condition(request.getStatus().getConditions(), "Ready")
                        .filter(c -> status.equals(c.getStatus()) && c.getLastTransitionTime() != null)
                        .map(CertificateRequestCondition::getLastTransitionTime)
                        .orElse(now);
        CertificateRequestCondition ready = new CertificateRequestConditionBuilder()
                .withType("Ready")
                .withStatus(status)
                .withReason(reason)
                .withMessage(message)
                .withLastTransitionTime(transition)
                .build();
        CertificateRequest patch = new CertificateRequestBuilder()
                .withNewMetadata()
                .withName(request.getMetadata().getName())
                .withNamespace(request.getMetadata().getNamespace())
                .withResourceVersion(resourceVersion)
                .endMetadata()
                .withNewStatus()
                .withConditions(List.of(ready))
                .withCertificate(certificate == null ? null : base64(certificate))
                .withCa(ca == null ? null : base64(ca))
                .withFailureTime(failed ? now : null)
                .endStatus()
                .build();
        client.resource(patch).subresource("status").patch(APPLY);
    }

    private static String base64(String pem) {
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    }
}
