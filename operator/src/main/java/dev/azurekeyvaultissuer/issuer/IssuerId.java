package dev.azurekeyvaultissuer.issuer;

/** An Issuer (namespace set) or a ClusterIssuer (namespace empty), by name. */
public record IssuerId(String kind, String namespace, String name) {

    public static IssuerId issuer(String namespace, String name) {
        return new IssuerId("Issuer", namespace, name);
    }

    public static IssuerId clusterIssuer(String name) {
        return new IssuerId("ClusterIssuer", "", name);
    }

    public boolean isClusterIssuer() {
        return namespace.isEmpty();
    }

    /**
     * Whose vault traffic this is, for bulkheads and fair shares: a namespace's Issuers are one tenant, each
     * ClusterIssuer (made by an administrator) its own.
     */
    public String tenant() {
        return isClusterIssuer() ? "ClusterIssuer " + name : "namespace " + namespace;
    }

    @Override
    public String toString() {
        return isClusterIssuer() ? "ClusterIssuer " + name : "Issuer " + namespace + "/" + name;
    }
}
