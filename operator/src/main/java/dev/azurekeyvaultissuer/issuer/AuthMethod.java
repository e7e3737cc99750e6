package dev.azurekeyvaultissuer.issuer;

/**
 * How an issuer authenticates, as its spec says, before any Secret is read. Names refer to objects in the issuer's
 * namespace, or the cluster resource namespace for a ClusterIssuer.
 */
public sealed interface AuthMethod {

    /** No auth in the spec: the operator's own identity. */
    record Ambient() implements AuthMethod {}

    record ClientSecret(String tenantId, String clientId, String secretName, String secretKey) implements AuthMethod {}

    record ClientCertificate(String tenantId, String clientId, String secretName, String secretKey)
            implements AuthMethod {}

    record ManagedIdentity(String clientId) implements AuthMethod {}

    record WorkloadIdentity(String serviceAccountName, String clientId, String tenantId) implements AuthMethod {}
}
