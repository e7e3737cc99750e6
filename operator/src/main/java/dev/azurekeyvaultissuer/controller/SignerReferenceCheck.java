package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.api.ApiGroup;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributesBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;

/**
 * May the requester of a CertificateSigningRequest use a namespaced Issuer? CSRs are cluster-scoped, so anyone who
 * may create one could name any namespace's Issuer; as cert-manager's own signers do, the requester (the user,
 * groups, uid and extra the API server recorded in the CSR) must be allowed the verb {@code reference} on the
 * resource {@code signers} of our API group in the Issuer's namespace, for the Issuer's name or {@code *}. Asked with
 * a SubjectAccessReview, so RBAC (or any authorizer) decides.
 */
final class SignerReferenceCheck {

    static final String RESOURCE = "signers";
    static final String VERB = "reference";

    private final KubernetesClient client;

    SignerReferenceCheck(KubernetesClient client) {
        this.client = client;
    }

    boolean mayReference(CertificateSigningRequest csr, IssuerId issuer) {
        for (String name : List.of(issuer.name(), "*")) {
            SubjectAccessReview review = new SubjectAccessReviewBuilder()
                    .withNewSpec()
                    .withUser(csr.getSpec().getUsername())
                    .withGroups(csr.getSpec().getGroups())
                    .withUid(csr.getSpec().getUid())
                    .withExtra(
                            csr.getSpec().getExtra() == null
                                    ? Map.of()
                                    : csr.getSpec().getExtra())
                    .withResourceAttributes(new ResourceAttributesBuilder()
                            .withGroup(ApiGroup.NAME)
                            .withResource(RESOURCE)
                            .withVerb(VERB)
                            .withNamespace(issuer.namespace())
                            .withName(name)
                            .withVersion("*")
                            .build())
                    .endSpec()
                    .build();
            SubjectAccessReview answer =
                    client.authorization().v1().subjectAccessReview().create(review);
            if (answer.getStatus() != null
                    && Boolean.TRUE.equals(answer.getStatus().getAllowed())) {
                return true;
            }
        }
        return false;
    }
}
