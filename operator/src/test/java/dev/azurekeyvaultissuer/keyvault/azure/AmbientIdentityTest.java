package dev.azurekeyvaultissuer.keyvault.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.keyvault.azure.AmbientIdentity.Kind;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AmbientIdentityTest {

    private static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    private static final String CLIENT = "00000000-0000-0000-0000-0000000000c1";

    @Test
    void workloadIdentityWhenTheWebhooksVariablesAreSet() {
        var identity = AmbientIdentity.fromEnvironment(Map.of(
                "AZURE_CLIENT_ID",
                CLIENT,
                "AZURE_TENANT_ID",
                TENANT,
                "AZURE_FEDERATED_TOKEN_FILE",
                "/var/run/secrets/azure/tokens/azure-identity-token",
                "AZURE_AUTHORITY_HOST",
                "https://login.microsoftonline.com/",
                // A secret as well: workload identity still wins.
                "AZURE_CLIENT_SECRET",
                "s3cr3t"));

        assertEquals(Kind.WORKLOAD_IDENTITY, identity.kind());
        assertEquals(Optional.of("/var/run/secrets/azure/tokens/azure-identity-token"), identity.file());
        assertTrue(identity.describe().contains(CLIENT));
        assertFalse(identity.describe().contains("s3cr3t"));
    }

    @Test
    void servicePrincipalFromTheEnvironment() {
        var secret = AmbientIdentity.fromEnvironment(
                Map.of("AZURE_CLIENT_ID", CLIENT, "AZURE_TENANT_ID", TENANT, "AZURE_CLIENT_SECRET", "s3cr3t"));
        var certificate = AmbientIdentity.fromEnvironment(Map.of(
                "AZURE_CLIENT_ID", CLIENT, "AZURE_TENANT_ID", TENANT, "AZURE_CLIENT_CERTIFICATE_PATH", "/etc/sp.pem"));

        assertEquals(Kind.CLIENT_SECRET, secret.kind());
        assertFalse(secret.describe().contains("s3cr3t"), secret.describe());
        assertEquals(Kind.CLIENT_CERTIFICATE, certificate.kind());
        assertEquals(Optional.of("/etc/sp.pem"), certificate.file());
    }

    @Test
    void managedIdentityOtherwiseUserAssignedWhenAClientIdIsSet() {
        var user = AmbientIdentity.fromEnvironment(Map.of("AZURE_CLIENT_ID", CLIENT));
        var system = AmbientIdentity.fromEnvironment(Map.of("AZURE_TENANT_ID", TENANT, "AZURE_CLIENT_ID", " "));

        assertEquals(Kind.MANAGED_IDENTITY, user.kind());
        assertEquals(Optional.of(CLIENT), user.clientId());
        assertEquals(Kind.MANAGED_IDENTITY, system.kind());
        assertEquals(Optional.empty(), system.clientId());
        assertEquals("the operator's system-assigned managed identity", system.describe());
    }

    @Test
    void aSecretWithoutTenantIsNotAServicePrincipal() {
        assertEquals(
                Kind.MANAGED_IDENTITY,
                AmbientIdentity.fromEnvironment(Map.of("AZURE_CLIENT_ID", CLIENT, "AZURE_CLIENT_SECRET", "x"))
                        .kind());
    }
}
