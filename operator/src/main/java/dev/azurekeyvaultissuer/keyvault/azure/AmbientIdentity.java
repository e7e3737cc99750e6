package dev.azurekeyvaultissuer.keyvault.azure;

import java.util.Map;
import java.util.Optional;

/**
 * Which of its own identities the operator uses when an issuer names none, decided once from the process environment
 * with the variables azure-identity and the AKS workload identity webhook use.
 *
 * <ol>
 *   <li>Workload identity when {@code AZURE_FEDERATED_TOKEN_FILE}, {@code AZURE_CLIENT_ID} and
 *       {@code AZURE_TENANT_ID} are set (the webhook sets them, with {@code AZURE_AUTHORITY_HOST}).</li>
 *   <li>A service principal when {@code AZURE_TENANT_ID} and {@code AZURE_CLIENT_ID} come with
 *       {@code AZURE_CLIENT_SECRET} or {@code AZURE_CLIENT_CERTIFICATE_PATH} (PEM, or PFX/PKCS#12 with
 *       {@code AZURE_CLIENT_CERTIFICATE_PASSWORD}).</li>
 *   <li>Otherwise managed identity: the user-assigned one named by {@code AZURE_CLIENT_ID}, else the system-assigned
 *       one.</li>
 * </ol>
 *
 * <p>The decision is made from the environment rather than by trying credentials in turn at the first token request,
 * as DefaultAzureCredential does: managed identity can only be detected by calling the instance metadata endpoint,
 * which off Azure costs seconds per attempt and, outside DefaultAzureCredential, fails hard instead of letting the
 * next credential try. Developer credentials (Azure CLI, IDEs) are never used.
 */
record AmbientIdentity(Kind kind, Optional<String> tenantId, Optional<String> clientId, Optional<String> file) {

    enum Kind {
        WORKLOAD_IDENTITY,
        CLIENT_SECRET,
        CLIENT_CERTIFICATE,
        MANAGED_IDENTITY
    }

    static final String AZURE_CLIENT_ID = "AZURE_CLIENT_ID";
    static final String AZURE_TENANT_ID = "AZURE_TENANT_ID";
    static final String AZURE_FEDERATED_TOKEN_FILE = "AZURE_FEDERATED_TOKEN_FILE";
    static final String AZURE_AUTHORITY_HOST = "AZURE_AUTHORITY_HOST";
    static final String AZURE_CLIENT_SECRET = "AZURE_CLIENT_SECRET";
    static final String AZURE_CLIENT_CERTIFICATE_PATH = "AZURE_CLIENT_CERTIFICATE_PATH";
    static final String AZURE_CLIENT_CERTIFICATE_PASSWORD = "AZURE_CLIENT_CERTIFICATE_PASSWORD";

    static AmbientIdentity fromEnvironment(Map<String, String> env) {
        Optional<String> tenant = value(env, AZURE_TENANT_ID);
        Optional<String> client = value(env, AZURE_CLIENT_ID);
        Optional<String> tokenFile = value(env, AZURE_FEDERATED_TOKEN_FILE);
        if (tenant.isPresent() && client.isPresent() && tokenFile.isPresent()) {
            return new AmbientIdentity(Kind.WORKLOAD_IDENTITY, tenant, client, tokenFile);
        }
        if (tenant.isPresent() && client.isPresent()) {
            if (value(env, AZURE_CLIENT_SECRET).isPresent()) {
                return new AmbientIdentity(Kind.CLIENT_SECRET, tenant, client, Optional.empty());
            }
            Optional<String> certificate = value(env, AZURE_CLIENT_CERTIFICATE_PATH);
            if (certificate.isPresent()) {
                return new AmbientIdentity(Kind.CLIENT_CERTIFICATE, tenant, client, certificate);
            }
        }
        return new AmbientIdentity(Kind.MANAGED_IDENTITY, Optional.empty(), client, Optional.empty());
    }

    /** For logs and messages: which identity, never a secret. */
    String describe() {
        return switch (kind) {
            case WORKLOAD_IDENTITY ->
                "the operator's workload identity (client " + clientId.orElseThrow() + ", tenant "
                        + tenantId.orElseThrow() + ", token file " + file.orElseThrow() + ")";
            case CLIENT_SECRET ->
                "the operator's service principal from AZURE_CLIENT_SECRET (client " + clientId.orElseThrow()
                        + ", tenant " + tenantId.orElseThrow() + ")";
            case CLIENT_CERTIFICATE ->
                "the operator's service principal from AZURE_CLIENT_CERTIFICATE_PATH (client " + clientId.orElseThrow()
                        + ", tenant " + tenantId.orElseThrow() + ")";
            case MANAGED_IDENTITY ->
                clientId.map(id -> "the operator's user-assigned managed identity (client " + id + ")")
                        .orElse("the operator's system-assigned managed identity");
        };
    }

    static Optional<String> value(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).map(String::trim).filter(v -> !v.isEmpty());
    }
}
