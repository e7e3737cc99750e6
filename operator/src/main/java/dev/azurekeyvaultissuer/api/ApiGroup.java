package dev.azurekeyvaultissuer.api;

/** The API group and version of our resources, and the kinds a CertificateRequest's issuerRef may name. */
public final class ApiGroup {
    public static final String NAME = "azure-keyvault-issuer.dev";
    public static final String VERSION = "v1beta1";
    public static final String ISSUER_KIND = "Issuer";
    public static final String CLUSTER_ISSUER_KIND = "ClusterIssuer";
    /** Kubernetes signer names of our issuers, as cert-manager forms them: {@code issuers.<group>/<ns>.<name>}. */
    public static final String ISSUER_SIGNER_PREFIX = "issuers." + NAME + "/";
    /** {@code clusterissuers.<group>/<name>}. */
    public static final String CLUSTER_ISSUER_SIGNER_PREFIX = "clusterissuers." + NAME + "/";

    private ApiGroup() {}
}
