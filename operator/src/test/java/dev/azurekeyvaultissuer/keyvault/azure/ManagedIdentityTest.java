package dev.azurekeyvaultissuer.keyvault.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.aad.msal4j.ManagedIdentityApplication;
import com.microsoft.aad.msal4j.TokenCache;
import dev.azurekeyvaultissuer.emulator.ClientConfig;
import dev.azurekeyvaultissuer.emulator.KeyType;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulator;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulatorExtension;
import dev.azurekeyvaultissuer.emulator.Permissions;
import dev.azurekeyvaultissuer.keyvault.KeyReference;
import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.SecretReference;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.keyvault.VaultException.Kind;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code spec.auth.managedIdentity} and the operator's ambient managed identity, against the emulator's App Service
 * style managed-identity endpoint ({@code IDENTITY_ENDPOINT} + {@code IDENTITY_HEADER}).
 *
 * <p>azure-identity 1.18 hands managed identity to MSAL4J, which reads those two variables from the process
 * environment, not from the environment map the adapter is given (in production both are {@code System.getenv()}).
 * A running JVM cannot change its environment, so the test sets them through MSAL's package-private hook, as the
 * emulator's own tests do, and passes the same values in the adapter's map.
 */
class ManagedIdentityTest {

    private static final String VAULT = "mi";
    /** Only the user-assigned identity may read keys here: success proves which identity asked. */
    private static final String USER_ONLY_VAULT = "mi-user-only";
    /** The first managed identity registered answers requests that name none: the system-assigned one. */
    private static final String SYSTEM_MI = "system-mi";

    private static final String USER_MI = "user-mi";

    @RegisterExtension
    static final KeyVaultEmulatorExtension EMULATOR = new KeyVaultEmulatorExtension(b -> b.vault(VAULT)
            .vault(USER_ONLY_VAULT)
            .client(ClientConfig.builder(SYSTEM_MI).managedIdentity().build())
            .client(ClientConfig.builder(USER_MI).managedIdentity().build()));

    private static KeyVaultEmulator emulator;
    private static Map<String, String> managedIdentityEnvironment;
    private static KeyReference key;
    private static KeyReference userOnlyKey;

    @BeforeAll
    static void arrange() throws Exception {
        emulator = EMULATOR.emulator();
        emulator.setPermissions(USER_ONLY_VAULT, SYSTEM_MI, Permissions.none());
        emulator.createKey(VAULT, "ca", KeyType.EC_P256);
        emulator.createKey(USER_ONLY_VAULT, "ca", KeyType.EC_P256);
        key = KeyReference.of(emulator.vaultUrl(VAULT), "ca", null);
        userOnlyKey = KeyReference.of(emulator.vaultUrl(USER_ONLY_VAULT), "ca", null);
        managedIdentityEnvironment = Map.of(
                "IDENTITY_ENDPOINT", emulator.managedIdentityEndpoint(),
                "IDENTITY_HEADER", emulator.managedIdentityHeader());
        MsalEnvironment.reset(managedIdentityEnvironment);
    }

    @AfterAll
    static void clear() throws Exception {
        // MSAL's endpoint hook and its token cache are JVM-wide: a system-assigned token of this emulator left in
        // the cache would be presented to the next test's vault, which never issued it.
        MsalEnvironment.reset(null);
    }

    private static AzureVaultConnector connector(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(managedIdentityEnvironment);
        env.putAll(extra);
        // No authority host: managed identity never talks to Entra ID's token endpoint.
        AzureClientOptions options = EmulatedVault.options(emulator);
        options = new AzureClientOptions(
                Optional.empty(),
                options.sslContext(),
                true,
                options.retries(),
                options.connectTimeout(),
                options.responseTimeout(),
                options.maxResponseBytes());
        return new AzureVaultConnector(options, Optional.empty(), env);
    }

    @Test
    void userAssignedManagedIdentityByClientIdReadsAndSigns() throws Exception {
        KeyVault vault = connector(Map.of()).connect(new VaultCredentials.ManagedIdentity(USER_MI));

        VaultKey caKey = vault.getKey(userOnlyKey);
        byte[] digest = EmulatedVault.digest(SignatureAlgorithm.ES256, "tbs".getBytes(StandardCharsets.US_ASCII));
        byte[] signature = vault.sign(caKey, SignatureAlgorithm.ES256, digest);

        assertEquals(emulator.keyId(USER_ONLY_VAULT, "ca"), caKey.keyId());
        assertTrue(EmulatedVault.verify(
                caKey.publicKey(), SignatureAlgorithm.ES256, "tbs".getBytes(StandardCharsets.US_ASCII), signature));
        assertEquals(1, emulator.calls(USER_ONLY_VAULT, "sign"));
    }

    @Test
    void systemAssignedManagedIdentityWhenNoClientIdIsGiven() {
        KeyVault vault = connector(Map.of()).connect(new VaultCredentials.ManagedIdentity(null));

        assertEquals(emulator.keyId(VAULT, "ca"), vault.getKey(key).keyId());
        // The system-assigned identity, not the user-assigned one, asked: it may not read this vault.
        var e = assertThrows(VaultException.class, () -> vault.getKey(userOnlyKey));
        assertEquals(Kind.FORBIDDEN, e.kind(), e::getMessage);
        assertTrue(e.getMessage().contains("appid=" + SYSTEM_MI), e.getMessage());
    }

    @Test
    void ambientSystemAssignedManagedIdentityWhenTheEnvironmentNamesNoClient() {
        AzureVaultConnector connector = connector(Map.of());

        KeyVault vault = connector.connect(new VaultCredentials.Ambient());

        assertEquals(emulator.keyId(VAULT, "ca"), vault.getKey(key).keyId());
        assertTrue(
                connector.describeAmbientIdentity().startsWith("the operator's system-assigned managed identity"),
                connector.describeAmbientIdentity());
    }

    @Test
    void ambientUserAssignedManagedIdentityFromAzureClientId() {
        // AZURE_CLIENT_ID without a tenant or secret: the user-assigned identity, as azure-identity reads it.
        AzureVaultConnector connector = connector(Map.of("AZURE_CLIENT_ID", USER_MI));

        KeyVault vault = connector.connect(new VaultCredentials.Ambient());

        assertEquals(
                emulator.keyId(USER_ONLY_VAULT, "ca"), vault.getKey(userOnlyKey).keyId());
        assertTrue(
                connector
                        .describeAmbientIdentity()
                        .startsWith("the operator's user-assigned managed identity (client " + USER_MI + ")"),
                connector.describeAmbientIdentity());
    }

    @Test
    void anUnknownClientIdIsUnauthenticatedAtOnceNamingTheIdentity() {
        AzureVaultConnector connector = new AzureVaultConnector(
                EmulatedVault.options(emulator)
                        .withRetries(new AzureClientOptions.Retries(3, Duration.ofSeconds(2), Duration.ofSeconds(8))),
                Optional.empty(),
                managedIdentityEnvironment);
        KeyVault vault = connector.connect(new VaultCredentials.ManagedIdentity("nobody-mi"));
        long start = System.nanoTime();

        var e = assertThrows(VaultException.class, () -> vault.getKey(key));

        assertEquals(Kind.UNAUTHENTICATED, e.kind(), () -> e.getMessage() + " <- " + chain(e));
        assertTrue(e.getMessage().startsWith("no Azure token for managed identity nobody-mi: "), e.getMessage());
        assertTrue(e.getMessage().contains("nobody-mi"), e.getMessage());
        assertTrue(e.getMessage().contains("Identity not found"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertFalse(e.getMessage().contains(emulator.managedIdentityHeader()), "the identity header is a secret");
        assertTrue(
                Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(2)) < 0,
                "not retried with backoff");
        assertEquals(0, emulator.calls(VAULT, "getKey"), "the vault was never asked without a token");
    }

    @Test
    void anUnknownClientIdIsUnauthenticatedForSecretsAndSigningToo() throws Exception {
        // The SDK's secret client maps errors like the key client does (Azure/azure-sdk-for-java#47647).
        VaultKey caKey = connector(Map.of())
                .connect(new VaultCredentials.ManagedIdentity(USER_MI))
                .getKey(key);
        KeyVault vault = connector(Map.of()).connect(new VaultCredentials.ManagedIdentity("nobody-mi"));
        byte[] digest = EmulatedVault.digest(SignatureAlgorithm.ES256, new byte[] {1});

        var secret = assertThrows(
                VaultException.class, () -> vault.getSecret(SecretReference.of(emulator.vaultUrl(VAULT), "ca")));
        var sign = assertThrows(VaultException.class, () -> vault.sign(caKey, SignatureAlgorithm.ES256, digest));

        for (VaultException e : new VaultException[] {secret, sign}) {
            assertEquals(Kind.UNAUTHENTICATED, e.kind(), () -> e.getMessage() + " <- " + chain(e));
            assertTrue(
                    e.getMessage()
                            .startsWith("no Azure token for managed identity nobody-mi: AADSTS90015: "
                                    + "Identity not found"),
                    e.getMessage());
        }
    }

    private static String chain(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            b.append(t.getClass().getName()).append(": ").append(t.getMessage()).append(" <- ");
        }
        return b.toString();
    }

    /**
     * MSAL4J's package-private {@code ManagedIdentityApplication.setEnvironmentVariables} hook, by reflection: the
     * only way to point MSAL at an endpoint in a running JVM (its fallback is {@code System.getenv}). Also MSAL's
     * shared managed-identity token cache, a static that every ManagedIdentityApplication built afterwards uses.
     */
    static final class MsalEnvironment {
        private MsalEnvironment() {}

        /** Sets the environment MSAL sees (null: the process environment) and empties its token cache. */
        static void reset(Map<String, String> environment) throws Exception {
            set(environment);
            Field cache = ManagedIdentityApplication.class.getDeclaredField("sharedTokenCache");
            cache.setAccessible(true);
            cache.set(null, new TokenCache());
        }

        private static void set(Map<String, String> environment) throws Exception {
            Class<?> application = ManagedIdentityApplication.class;
            Class<?> variables = Class.forName("com.microsoft.aad.msal4j.IEnvironmentVariables");
            Object hook = environment == null
                    ? null
                    : Proxy.newProxyInstance(
                            variables.getClassLoader(),
                            new Class<?>[] {variables},
                            (proxy, method, args) -> switch (method.getName()) {
                                case "getEnvironmentVariable" -> environment.get((String) args[0]);
                                case "toString" -> "MsalEnvironment" + environment.keySet();
                                case "hashCode" -> System.identityHashCode(proxy);
                                case "equals" -> proxy == args[0];
                                default -> throw new UnsupportedOperationException(method.getName());
                            });
            Method setter = application.getDeclaredMethod("setEnvironmentVariables", variables);
            setter.setAccessible(true);
            setter.invoke(null, hook);
        }
    }
}
