package dev.azurekeyvaultissuer.keyvault;

import java.util.function.Supplier;

/**
 * How to authenticate to a vault, described without Azure or Kubernetes types. Secret material arrives here as
 * values read by the caller (from a Kubernetes Secret); it is never logged and {@link #toString()} hides it.
 */
public sealed interface VaultCredentials {

    /** The operator's own identity: workload identity, else managed identity, else environment. */
    record Ambient() implements VaultCredentials {}

    /** An Entra ID application with a client secret. */
    record ClientSecret(String tenantId, String clientId, String secret) implements VaultCredentials {
        @Override
        public String toString() {
            return "ClientSecret[tenantId=" + tenantId + ", clientId=" + clientId + "]";
        }
    }

    /** An Entra ID application with a client certificate: PEM with the certificate and its private key. */
    record ClientCertificate(String tenantId, String clientId, byte[] pem) implements VaultCredentials {
        @Override
        public String toString() {
            return "ClientCertificate[tenantId=" + tenantId + ", clientId=" + clientId + "]";
        }
    }

    /** A user-assigned managed identity. */
    record ManagedIdentity(String clientId) implements VaultCredentials {}

    /**
     * A federated credential: Entra ID trusts the assertion (a ServiceAccount token) that the supplier returns,
     * fresh on each call.
     */
    record ClientAssertion(String tenantId, String clientId, Supplier<String> assertion) implements VaultCredentials {
        @Override
        public String toString() {
            return "ClientAssertion[tenantId=" + tenantId + ", clientId=" + clientId + "]";
        }
    }
}
