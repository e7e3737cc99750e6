package dev.azurekeyvaultissuer.emulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.exception.ResourceNotFoundException;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.cryptography.CryptographyClient;
import com.azure.security.keyvault.keys.cryptography.models.SignResult;
import com.azure.security.keyvault.keys.cryptography.models.SignatureAlgorithm;
import com.azure.security.keyvault.keys.models.CreateEcKeyOptions;
import com.azure.security.keyvault.keys.models.CreateRsaKeyOptions;
import com.azure.security.keyvault.keys.models.DeletedKey;
import com.azure.security.keyvault.keys.models.KeyCurveName;
import com.azure.security.keyvault.keys.models.KeyOperation;
import com.azure.security.keyvault.keys.models.KeyProperties;
import com.azure.security.keyvault.keys.models.KeyType;
import com.azure.security.keyvault.keys.models.KeyVaultKey;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The keys endpoints driven by the real KeyClient and CryptographyClient; signatures checked with the JDK. */
class KeysSdkTest {
    static final String VAULT = "keys-vault";

    @RegisterExtension
    static final KeyVaultEmulatorExtension EXT =
            new KeyVaultEmulatorExtension(b -> b.vault(VAULT).clientSecret("app", "app-secret"));

    static KeyVaultEmulator kv;
    static TokenCredential credential;
    static KeyClient keys;

    @BeforeAll
    static void clients() {
        kv = EXT.emulator();
        credential = Sdk.secretCredential(kv, "app", "app-secret");
        keys = Sdk.keys(kv, VAULT, credential);
    }

    @Test
    void createsGetsListsUpdatesAndDeletesKeys() {
        KeyVaultKey rsa = keys.createRsaKey(
                new CreateRsaKeyOptions("lifecycle").setKeySize(3072).setTags(Map.of("team", "pki")));
        assertEquals(KeyType.RSA, rsa.getKeyType());
        assertTrue(rsa.getId().startsWith(kv.vaultUrl(VAULT) + "/keys/lifecycle/"));
        assertTrue(rsa.getProperties().getVersion().matches("[0-9a-f]{32}"));
        assertEquals(
                3072,
                ((RSAPublicKey) rsa.getKey().toRsa().getPublic()).getModulus().bitLength());
        assertEquals(null, rsa.getKey().toRsa().getPrivate());
        assertFalse(rsa.getProperties().isExportable());
        assertEquals("pki", rsa.getProperties().getTags().get("team"));

        KeyVaultKey second = keys.createRsaKey(new CreateRsaKeyOptions("lifecycle"));
        assertEquals(second.getId(), keys.getKey("lifecycle").getId());
        assertEquals(
                rsa.getId(),
                keys.getKey("lifecycle", rsa.getProperties().getVersion()).getId());
        List<String> versions = new ArrayList<>();
        keys.listPropertiesOfKeyVersions("lifecycle").forEach(p -> versions.add(p.getVersion()));
        assertEquals(
                List.of(rsa.getProperties().getVersion(), second.getProperties().getVersion()), versions);
        assertTrue(
                keys.listPropertiesOfKeys().stream().map(KeyProperties::getName).anyMatch("lifecycle"::equals));

        OffsetDateTime exp = OffsetDateTime.now().plusDays(30).withNano(0);
        KeyProperties props = keys.getKey("lifecycle")
                .getProperties()
                .setEnabled(false)
                .setExpiresOn(exp)
                .setTags(Map.of("state", "off"));
        KeyVaultKey updated = keys.updateKeyProperties(props, KeyOperation.SIGN, KeyOperation.VERIFY);
        assertFalse(updated.getProperties().isEnabled());
        assertEquals(exp.toEpochSecond(), updated.getProperties().getExpiresOn().toEpochSecond());
        assertEquals(List.of(KeyOperation.SIGN, KeyOperation.VERIFY), updated.getKeyOperations());
        assertEquals("off", keys.getKey("lifecycle").getProperties().getTags().get("state"));

        DeletedKey deleted = keys.beginDeleteKey("lifecycle")
                .waitForCompletion(Duration.ofSeconds(10))
                .getValue();
        assertEquals("lifecycle", deleted.getName());
        assertTrue(deleted.getRecoveryId().endsWith("/deletedkeys/lifecycle"));
        assertEquals("lifecycle", keys.getDeletedKey("lifecycle").getName());
        ResourceNotFoundException gone = assertThrows(ResourceNotFoundException.class, () -> keys.getKey("lifecycle"));
        assertEquals(404, gone.getResponse().getStatusCode());
        keys.purgeDeletedKey("lifecycle");
    }

    @Test
    void createsEveryKeyKind() {
        for (int size : new int[] {2048, 4096}) {
            KeyVaultKey k = keys.createRsaKey(new CreateRsaKeyOptions("rsa-" + size).setKeySize(size));
            assertEquals(
                    size,
                    ((RSAPublicKey) k.getKey().toRsa().getPublic()).getModulus().bitLength());
        }
        KeyVaultKey hsm = keys.createRsaKey(new CreateRsaKeyOptions("rsa-hsm").setHardwareProtected(true));
        assertEquals(KeyType.RSA_HSM, hsm.getKeyType());
        for (KeyCurveName curve : List.of(KeyCurveName.P_256, KeyCurveName.P_384, KeyCurveName.P_521)) {
            KeyVaultKey k = keys.createEcKey(
                    new CreateEcKeyOptions("ec-" + curve.toString().toLowerCase()).setCurveName(curve));
            assertEquals(KeyType.EC, k.getKeyType());
            assertEquals(curve, k.getKey().getCurveName());
            assertTrue(k.getKey().toEc().getPublic() instanceof ECPublicKey);
        }
        KeyVaultKey ecHsm = keys.createEcKey(new CreateEcKeyOptions("ec-hsm").setHardwareProtected(true));
        assertEquals(KeyType.EC_HSM, ecHsm.getKeyType());
    }

    @ParameterizedTest
    @CsvSource({
        "RS256,RSA_2048,256",
        "RS384,RSA_3072,384",
        "RS512,RSA_2048,512",
        "PS256,RSA_2048,256",
        "PS384,RSA_HSM_2048,384",
        "PS512,RSA_2048,512",
        "ES256,EC_P256,256",
        "ES384,EC_P384,384",
        "ES512,EC_P521,512",
        "ES256,EC_HSM_P256,256"
    })
    void signsDigestsThatTheJdkVerifies(String alg, String type, int bits) throws Exception {
        String name = "sign-" + alg.toLowerCase() + "-" + type.toLowerCase().replace('_', '-');
        String kid = kv.createKey(VAULT, name, dev.azurekeyvaultissuer.emulator.KeyType.valueOf(type));
        CryptographyClient crypto = Sdk.crypto(kv, kid, credential);
        byte[] message = ("to be signed by " + name).getBytes(StandardCharsets.UTF_8);
        byte[] digest = Sdk.sha(bits, message);
        SignResult result = crypto.sign(SignatureAlgorithm.fromString(alg), digest);
        assertEquals(kid, result.getKeyId());
        PublicKey publicKey = kv.publicKey(VAULT, name);
        Signature jdk;
        byte[] signature = result.getSignature();
        if (alg.startsWith("RS")) {
            jdk = Signature.getInstance("SHA" + bits + "withRSA");
        } else if (alg.startsWith("PS")) {
            jdk = Signature.getInstance("RSASSA-PSS");
            jdk.setParameter(
                    new PSSParameterSpec("SHA-" + bits, "MGF1", new MGF1ParameterSpec("SHA-" + bits), bits / 8, 1));
        } else {
            int half = switch (alg) {
                case "ES256" -> 32;
                case "ES384" -> 48;
                default -> 66;
            };
            assertEquals(2 * half, signature.length, "raw r||s with fixed-width halves");
            jdk = Signature.getInstance("SHA" + bits + "withECDSA");
            signature = Sdk.rawToDer(signature);
        }
        jdk.initVerify(publicKey);
        jdk.update(message);
        assertTrue(jdk.verify(signature), alg + " signature verifies with the JDK");
        assertTrue(crypto.verify(SignatureAlgorithm.fromString(alg), digest, result.getSignature())
                .isValid());
        byte[] other = Sdk.sha(bits, "something else".getBytes(StandardCharsets.UTF_8));
        assertFalse(crypto.verify(SignatureAlgorithm.fromString(alg), other, result.getSignature())
                .isValid());
    }

    @Test
    void signUsesTheLatestVersionWhenTheKeyIdHasNone() throws Exception {
        kv.createKey(VAULT, "versionless", dev.azurekeyvaultissuer.emulator.KeyType.RSA_2048);
        String latest = kv.createKey(VAULT, "versionless", dev.azurekeyvaultissuer.emulator.KeyType.RSA_2048);
        CryptographyClient crypto = Sdk.crypto(kv, kv.vaultUrl(VAULT) + "/keys/versionless", credential);
        byte[] message = {1, 2, 3};
        SignResult r = crypto.sign(SignatureAlgorithm.RS256, Sdk.sha(256, message));
        assertTrue(latest.endsWith(kv.keyId(VAULT, "versionless")
                .substring(kv.keyId(VAULT, "versionless").lastIndexOf('/'))));
        Signature jdk = Signature.getInstance("SHA256withRSA");
        jdk.initVerify(kv.publicKey(VAULT, "versionless"));
        jdk.update(message);
        assertTrue(jdk.verify(r.getSignature()), "signed with the current version");
    }

    @Test
    void rejectsWrongDigestLengthAndIncompatibleAlgorithm() {
        String kid = kv.createKey(VAULT, "digest-check", dev.azurekeyvaultissuer.emulator.KeyType.EC_P256);
        CryptographyClient crypto = Sdk.crypto(kv, kid, credential);
        HttpResponseException e =
                assertThrows(HttpResponseException.class, () -> crypto.sign(SignatureAlgorithm.ES256, new byte[20]));
        assertEquals(400, e.getResponse().getStatusCode());
        assertTrue(e.getMessage().contains("BadParameter"), e.getMessage());
        assertTrue(
                e.getMessage().contains("Invalid length of 'value': 20 bytes. ES256 requires 32 bytes"),
                e.getMessage());
        HttpResponseException alg =
                assertThrows(HttpResponseException.class, () -> crypto.sign(SignatureAlgorithm.RS256, new byte[32]));
        assertEquals(400, alg.getResponse().getStatusCode());
        HttpResponseException p521 =
                assertThrows(HttpResponseException.class, () -> crypto.sign(SignatureAlgorithm.ES512, new byte[64]));
        assertEquals(400, p521.getResponse().getStatusCode());
    }

    @Test
    void unknownKeyOrVersionIsKeyNotFound() {
        ResourceNotFoundException e = assertThrows(ResourceNotFoundException.class, () -> keys.getKey("no-such-key"));
        assertTrue(e.getMessage().contains("KeyNotFound"), e.getMessage());
        assertTrue(e.getMessage().contains("A key with (name/id) no-such-key was not found in this key vault"));
        kv.createKey(VAULT, "known", dev.azurekeyvaultissuer.emulator.KeyType.EC_P256);
        String version = "0123456789abcdef0123456789abcdef";
        ResourceNotFoundException v =
                assertThrows(ResourceNotFoundException.class, () -> keys.getKey("known", version));
        assertTrue(v.getMessage().contains("known/" + version), v.getMessage());
        CryptographyClient crypto = Sdk.crypto(kv, kv.vaultUrl(VAULT) + "/keys/known/" + version, credential);
        assertThrows(ResourceNotFoundException.class, () -> crypto.sign(SignatureAlgorithm.ES256, new byte[32]));
    }

    @Test
    void refusesToSignWithDisabledExpiredNotYetValidOrSignlessKeys() {
        String kid = kv.createKey(VAULT, "guarded", dev.azurekeyvaultissuer.emulator.KeyType.RSA_2048);
        CryptographyClient crypto = Sdk.crypto(kv, kid, credential);
        byte[] digest = Sdk.sha(256, new byte[] {42});
        assertTrue(crypto.sign(SignatureAlgorithm.RS256, digest).getSignature().length > 0);

        kv.disableKey(VAULT, "guarded");
        assertForbidden(
                () -> crypto.sign(SignatureAlgorithm.RS256, digest),
                "KeyDisabled",
                "Operation sign is not allowed on a disabled key.");
        kv.enableKey(VAULT, "guarded");

        kv.setKeyValidity(VAULT, "guarded", null, java.time.Instant.now().minusSeconds(60));
        assertForbidden(() -> crypto.sign(SignatureAlgorithm.RS256, digest), "KeyExpired", "expired key");
        kv.setKeyValidity(VAULT, "guarded", java.time.Instant.now().plusSeconds(3600), null);
        assertForbidden(() -> crypto.sign(SignatureAlgorithm.RS256, digest), "KeyNotYetValid", "not yet valid");
        kv.setKeyValidity(VAULT, "guarded", null, null);

        kv.setKeyOperations(VAULT, "guarded", "verify");
        assertForbidden(
                () -> crypto.sign(SignatureAlgorithm.RS256, digest),
                "KeyOperationForbidden",
                "Operation sign is not permitted on this key.");
        kv.setKeyOperations(VAULT, "guarded", "sign", "verify");
        assertTrue(crypto.sign(SignatureAlgorithm.RS256, digest).getSignature().length > 0);
    }

    @Test
    void keyGetWorksOnDisabledKeysAndListShowsState() {
        kv.createKey(VAULT, "disabled-get", dev.azurekeyvaultissuer.emulator.KeyType.EC_P384);
        kv.disableKey(VAULT, "disabled-get");
        assertFalse(keys.getKey("disabled-get").getProperties().isEnabled());
        Map<String, Boolean> enabled = keys.listPropertiesOfKeys().stream()
                .collect(Collectors.toMap(KeyProperties::getName, KeyProperties::isEnabled));
        assertEquals(Boolean.FALSE, enabled.get("disabled-get"));
    }

    @Test
    void publicJwkMatchesTheEmulatorsKey() {
        kv.createKey(VAULT, "jwk", dev.azurekeyvaultissuer.emulator.KeyType.EC_P521);
        KeyVaultKey k = keys.getKey("jwk");
        assertArrayEquals(
                kv.publicKey(VAULT, "jwk").getEncoded(),
                k.getKey().toEc().getPublic().getEncoded());
        assertEquals(66, k.getKey().getX().length);
    }

    static void assertForbidden(Runnable call, String innerCode, String messagePart) {
        HttpResponseException e = assertThrows(HttpResponseException.class, call::run);
        assertEquals(403, e.getResponse().getStatusCode());
        String body = e.getMessage();
        assertTrue(body.contains("\"code\":\"Forbidden\""), body);
        assertTrue(body.contains("\"innererror\":{\"code\":\"" + innerCode + "\"}"), body);
        assertTrue(body.contains(messagePart), body);
    }
}
