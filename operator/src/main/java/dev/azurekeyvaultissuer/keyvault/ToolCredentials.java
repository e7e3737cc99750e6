package dev.azurekeyvaultissuer.keyvault;

import java.util.Locale;

/**
 * Which Azure identity a command-line tool run by a person or a Job uses, as cosign's Azure KMS support chooses it.
 * Unlike the operator, which never uses developer credentials, a tool may fall back to the Azure CLI's sign-in.
 */
public enum ToolCredentials {
    /**
     * The environment's identity when it names one (workload identity, client secret, client certificate), else
     * managed identity, then the Azure CLI's signed-in account: the first that yields a token.
     */
    AUTO("auto"),
    /**
     * Only the environment: workload identity ({@code AZURE_FEDERATED_TOKEN_FILE}), a client secret
     * ({@code AZURE_CLIENT_SECRET}) or certificate ({@code AZURE_CLIENT_CERTIFICATE_PATH}) with
     * {@code AZURE_TENANT_ID} and {@code AZURE_CLIENT_ID}, else managed identity.
     */
    ENVIRONMENT("environment"),
    /** Only managed identity: user-assigned when {@code AZURE_CLIENT_ID} is set, else system-assigned. */
    MANAGED_IDENTITY("managed-identity"),
    /** Only the Azure CLI's signed-in account ({@code az login}). */
    CLI("cli");

    private final String id;

    ToolCredentials(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /**
     * Parses {@code auto}, {@code environment} (or {@code env}), {@code managed-identity} (or {@code msi}) and
     * {@code cli} (or {@code azure-cli}), case-insensitively.
     */
    public static ToolCredentials parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "", "auto" -> AUTO;
            case "environment", "env" -> ENVIRONMENT;
            case "managed-identity", "managedidentity", "msi" -> MANAGED_IDENTITY;
            case "cli", "azure-cli", "azurecli" -> CLI;
            default ->
                throw new IllegalArgumentException("unknown authentication method \"" + text
                        + "\": use auto, environment, managed-identity or cli");
        };
    }

    @Override
    public String toString() {
        return id;
    }
}
