package dev.azurekeyvaultissuer.controller;

import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.certmanager.api.model.v1.CertificateRequestBuilder;
import io.fabric8.certmanager.api.model.v1.CertificateRequestCondition;
import io.fabric8.certmanager.api.model.v1.CertificateRequestConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
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

    private static final PatchContext APPLY = new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY)
            .withFieldManager(FIELD_MANAGER).withForce(true).build();

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

    void issued(CertificateRequest request, String certificatePem, String caPem) {
        apply(request, "True", "Issued", "Certificate fetched from issuer successfully", certificatePem, caPem,
                false);
    }

    /** Whether our Ready condition already says exactly this, so an identical patch can be skipped. */
    static boolean readyIs(CertificateRequest request, String reason, String message) {
        var status = request.getStatus();
        if (status == null || status.getConditions() == null) {
            return false;
        }
        return CertificateRequests.condition(status.getConditions(), "Ready")
                .filter(c -> reason.equals(c.getReason()) && message.equals(c.getMessage())).isPresent();
    }

    private void apply(CertificateRequest request, String status, String reason, String message, String certificate,
            String ca, boolean failed) {
        String now = Conditions.timestamp(clock.instant());
        String transition = request.getStatus() == null || request.getStatus().getConditions() == null ? now
                : CertificateRequests.condition(request.getStatus().getConditions(), "Ready")
                        .filter(c -> status.equals(c.getStatus()) && c.getLastTransitionTime() != null)
                        .map(CertificateRequestCondition::getLastTransitionTime).orElse(now);
        CertificateRequestCondition ready = new CertificateRequestConditionBuilder().withType("Ready")
                .withStatus(status).withReason(reason).withMessage(message).withLastTransitionTime(transition).build();
        CertificateRequest patch = new CertificateRequestBuilder()
                .withNewMetadata()
                .withName(request.getMetadata().getName())
                .withNamespace(request.getMetadata().getNamespace())
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
