package dev.azurekeyvaultissuer.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.HttpResponseException;
import com.azure.security.keyvault.certificates.models.CertificatePolicy;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.cryptography.models.SignatureAlgorithm;
import com.azure.security.keyvault.keys.models.CreateRsaKeyOptions;
import com.azure.security.keyvault.keys.models.KeyType;
import com.azure.security.keyvault.keys.models.KeyVaultKey;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.security.Signature;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Managed HSM mode through the SDK, and the admin endpoint over raw HTTPS. Uses the extension's defaults. */
@ExtendWith(KeyVaultEmulatorExtension.class)
class ManagedHsmAndAdminTest {
    static final String HSM = KeyVaultEmulatorExtension.MANAGED_HSM;
    static final String VAULT = KeyVaultEmulatorExtension.VAULT;

    static TokenCredential credential(KeyVaultEmulator kv) {
        return Sdk.secretCredential(kv, KeyVaultEmulatorExtension.CLIENT_ID, KeyVaultEmulatorExtension.CLIENT_SECRET);
    }

    @Test
    void managedHsmServesHsmKeys(KeyVaultEmulator kv) throws Exception {
        KeyClient keys = Sdk.keys(kv, HSM, credential(kv));
        KeyVaultKey key = keys.createRsaKey(
                new CreateRsaKeyOptions("hsm-ca").setHardwareProtected(true).setKeySize(3072));
        assertEquals(KeyType.RSA_HSM, key.getKeyType());
        byte[] digest = Sdk.sha(384, new byte[] {7});
        byte[] sig = Sdk.crypto(kv, key.getId(), credential(kv))
                .sign(SignatureAlgorithm.RS384, digest)
                .getSignature();
        Signature jdk = Signature.getInstance("SHA384withRSA");
        jdk.initVerify(kv.publicKey(HSM, "hsm-ca"));
        jdk.update(new byte[] {7});
        assertTrue(jdk.verify(sig));
        // Keys made with a software kind become HSM keys in a Managed HSM.
        kv.createKey(HSM, "soft", dev.azurekeyvaultissuer.emulator.KeyType.EC_P256);
        assertEquals(KeyType.EC_HSM, keys.getKey("soft").getKeyType());
    }

    @Test
    void managedHsmRejectsSecretsAndCertificates(KeyVaultEmulator kv) {
        HttpResponseException secrets = assertThrows(
                HttpResponseException.class,
                () -> Sdk.secrets(kv, HSM, credential(kv)).getSecret("ca-chain"));
        assertEquals(400, secrets.getResponse().getStatusCode());
        assertTrue(secrets.getMessage().contains("BadParameter"), secrets.getMessage());
        HttpResponseException certs = assertThrows(
                HttpResponseException.class,
                () -> Sdk.certificates(kv, HSM, credential(kv))
                        .beginCreateCertificate("c", CertificatePolicy.getDefault())
                        .poll());
        assertEquals(400, certs.getResponse().getStatusCode());
    }

    @Test
    void adminEndpointArrangesStateAndFaults(KeyVaultEmulator kv) throws Exception {
        String admin = kv.adminUrl();
        assertEquals(401, Sdk.raw(kv, "GET", admin, null, null).statusCode());
        String token = kv.adminToken();

        JsonNode info = Json.parse(Sdk.raw(kv, "GET", admin, token, null).body());
        assertEquals(
                kv.vaultUrl(VAULT), info.path("vaults").path(VAULT).path("url").asText());
        assertEquals(kv.tenantId(), info.path("tenantId").asText());

        HttpResponse<String> created = Sdk.raw(
                kv,
                "POST",
                admin + "/vaults/" + VAULT + "/keys",
                token,
                "{\"name\":\"admin-key\",\"type\":\"EC_P384\"}");
        assertEquals(200, created.statusCode(), created.body());
        assertEquals(
                kv.keyId(VAULT, "admin-key"),
                Json.parse(created.body()).path("kid").asText());
        assertEquals(
                200,
                Sdk.raw(kv, "PATCH", admin + "/vaults/" + VAULT + "/keys/admin-key", token, "{\"enabled\":false}")
                        .statusCode());
        assertEquals(
                false,
                Sdk.keys(kv, VAULT, credential(kv))
                        .getKey("admin-key")
                        .getProperties()
                        .isEnabled());

        assertEquals(
                200,
                Sdk.raw(
                                kv,
                                "PUT",
                                admin + "/vaults/" + VAULT + "/secrets/admin-secret",
                                token,
                                "{\"value\":\"hello\",\"contentType\":\"text/plain\"}")
                        .statusCode());
        assertEquals(
                "hello",
                Sdk.secrets(kv, VAULT, credential(kv)).getSecret("admin-secret").getValue());

        assertEquals(
                200,
                Sdk.raw(
                                kv,
                                "PUT",
                                admin + "/vaults/" + VAULT + "/faults",
                                token,
                                "{\"failNext\":{\"getSecret\":{\"count\":5,\"status\":500}}}")
                        .statusCode());
        assertThrows(
                HttpResponseException.class,
                () -> Sdk.secrets(kv, VAULT, credential(kv)).getSecret("admin-secret"));
        assertEquals(
                200,
                Sdk.raw(kv, "DELETE", admin + "/vaults/" + VAULT + "/faults", token, null)
                        .statusCode());

        JsonNode calls = Json.parse(Sdk.raw(kv, "GET", admin + "/vaults/" + VAULT + "/calls", token, null)
                .body());
        assertTrue(calls.path("getSecret").asLong() >= 3, calls.toString());
        assertEquals(204, Sdk.raw(kv, "DELETE", admin + "/calls", token, null).statusCode());
        assertEquals(0, kv.calls(VAULT, "getSecret"));

        assertEquals(
                204,
                Sdk.raw(
                                kv,
                                "PUT",
                                admin + "/clients/" + KeyVaultEmulatorExtension.CLIENT_ID + "/permissions",
                                token,
                                "{\"vault\":\"" + VAULT + "\",\"keys\":[\"get\"]}")
                        .statusCode());
        assertThrows(
                HttpResponseException.class,
                () -> Sdk.secrets(kv, VAULT, credential(kv)).getSecret("admin-secret"));
        kv.setPermissions(VAULT, KeyVaultEmulatorExtension.CLIENT_ID, Permissions.all());

        JsonNode issued = Json.parse(Sdk.raw(
                        kv,
                        "POST",
                        admin + "/tokens",
                        token,
                        "{\"clientId\":\"" + KeyVaultEmulatorExtension.CLIENT_ID
                                + "\",\"audience\":\"https://vault.azure.net\"}")
                .body());
        assertEquals(
                200,
                Sdk.raw(
                                kv,
                                "GET",
                                kv.vaultUrl(VAULT) + "/secrets/admin-secret?api-version=7.5",
                                issued.path("access_token").asText(),
                                null)
                        .statusCode());
    }
}
