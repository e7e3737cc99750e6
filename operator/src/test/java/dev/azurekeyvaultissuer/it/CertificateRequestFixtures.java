package dev.azurekeyvaultissuer.it;

import dev.azurekeyvaultissuer.api.ApiGroup;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.certmanager.api.model.v1.CertificateRequestBuilder;
import io.fabric8.certmanager.api.model.v1.CertificateRequestCondition;
import io.fabric8.certmanager.api.model.v1.CertificateRequestConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/** Creates, approves and denies CertificateRequests as cert-manager and cmctl would. */
final class CertificateRequestFixtures {

    private CertificateRequestFixtures() {}

    static CertificateRequest create(
            KubernetesClient client,
            String namespace,
            String name,
            String issuerKind,
            String issuerName,
            String issuerGroup,
            String csrPem) {
        CertificateRequest request = new CertificateRequestBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .endMetadata()
                .withNewSpec()
                .withRequest(Base64.getEncoder().encodeToString(csrPem.getBytes(StandardCharsets.US_ASCII)))
                .withNewIssuerRef()
                .withGroup(issuerGroup)
                .withKind(issuerKind)
                .withName(issuerName)
                .endIssuerRef()
                .withUsages("digital signature", "key encipherment")
                .endSpec()
                .build();
        return client.resource(request).create();
    }

    static CertificateRequest create(
            KubernetesClient client,
            String namespace,
            String name,
            String issuerKind,
            String issuerName,
            String csrPem) {
        return create(client, namespace, name, issuerKind, issuerName, ApiGroup.NAME, csrPem);
    }

    static void approve(KubernetesClient client, String namespace, String name) {
        setCondition(client, namespace, name, "Approved", "test-approver", "approved by the test");
    }

    static void deny(KubernetesClient client, String namespace, String name) {
        setCondition(client, namespace, name, "Denied", "test-approver", "denied by the test");
    }

    private static void setCondition(
            KubernetesClient client, String namespace, String name, String type, String reason, String message) {
        client.resources(CertificateRequest.class)
                .inNamespace(namespace)
                .withName(name)
                .editStatus(cr -> {
                    List<CertificateRequestCondition> conditions =
                            cr.getStatus() == null || cr.getStatus().getConditions() == null
                                    ? new ArrayList<>()
                                    : new ArrayList<>(cr.getStatus().getConditions());
                    conditions.add(new CertificateRequestConditionBuilder()
                            .withType(type)
                            .withStatus("True")
                            .withReason(reason)
                            .withMessage(message)
                            .build());
                    if (cr.getStatus() == null) {
                        cr.setStatus(new io.fabric8.certmanager.api.model.v1.CertificateRequestStatus());
                    }
                    cr.getStatus().setConditions(conditions);
                    return cr;
                });
    }

    static Optional<CertificateRequestCondition> condition(CertificateRequest request, String type) {
        if (request == null
                || request.getStatus() == null
                || request.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return request.getStatus().getConditions().stream()
                .filter(c -> type.equals(c.getType()))
                .findFirst();
    }

    static String readyReason(CertificateRequest request) {
        return condition(request, "Ready")
                .map(CertificateRequestCondition::getReason)
                .orElse(null);
    }

    static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
    }
}
