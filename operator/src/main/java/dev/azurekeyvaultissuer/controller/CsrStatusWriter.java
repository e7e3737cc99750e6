package dev.azurekeyvaultissuer.controller;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.List;

/**
 * Writes our part of a CertificateSigningRequest's status with server-side apply on the status subresource: the
 * certificate, or a Failed condition. Kubernetes keeps conditions as a map keyed by type, so the Approved and Denied
 * conditions of approvers are never touched. Setting the certificate needs the {@code sign} verb on the signer name;
 * the API server checks it.
 */
final class CsrStatusWriter {

    private static final PatchContext APPLY = new PatchContext.Builder()
            .withPatchType(PatchType.SERVER_SIDE_APPLY)
            .withFieldManager(RequestStatusWriter.FIELD_MANAGER)
            .withForce(true)
            .build();

    private final KubernetesClient client;
    private final Clock clock;

    CsrStatusWriter(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    void failed(CertificateSigningRequest csr, String reason, String message) {
        String now = Conditions.timestamp(clock.instant());
        CertificateSigningRequestCondition failed = new CertificateSigningRequestConditionBuilder()
                .withType("Failed")
                .withStatus("True")
                .withReason(reason)
                .withMessage(StatusText.cap(message))
                .withLastTransitionTime(now)
                .withLastUpdateTime(now)
                .build();
        apply(csr, List.of(failed), null, null);
    }

    /** The certificate, written over the request as read before signing; see {@link RequestStatusWriter#issued}. */
    boolean issued(CertificateSigningRequest csr, String certificatePem) {
        try {
            apply(csr, null, certificatePem, csr.getMetadata().getResourceVersion());
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
        CertificateSigningRequest fresh = client.certificates()
                .v1()
                .certificateSigningRequests()
                .withName(csr.getMetadata().getName())
                .get();
        if (fresh == null || CertificateSigningRequests.snapshot(fresh).isTerminal()) {
            return false;
        }
        apply(fresh, null, certificatePem, fresh.getMetadata().getResourceVersion());
        return true;
    }

    private void apply(
            CertificateSigningRequest csr,
            List<CertificateSigningRequestCondition> conditions,
            String certificatePem,
            String resourceVersion) {
        CertificateSigningRequest patch = new CertificateSigningRequestBuilder()
                .withNewMetadata()
                .withName(csr.getMetadata().getName())
                .withResourceVersion(resourceVersion)
                .endMetadata()
                .withNewStatus()
                .withConditions(conditions)
                .withCertificate(
                        certificatePem == null
                                ? null
                                : Base64.getEncoder()
                                        .encodeToString(certificatePem.getBytes(StandardCharsets.US_ASCII)))
                .endStatus()
                .build();
        client.resource(patch).subresource("status").patch(APPLY);
    }
}
