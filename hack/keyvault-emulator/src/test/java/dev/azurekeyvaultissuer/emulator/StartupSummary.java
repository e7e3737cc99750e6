package dev.azurekeyvaultissuer.emulator;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.RetryOptions;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.KeyClientBuilder;
import com.azure.security.keyvault.keys.cryptography.CryptographyClient;
import com.azure.security.keyvault.keys.cryptography.CryptographyClientBuilder;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * What the standalone emulator prints at start, parsed the way a person reads it, and Azure SDK clients built from
 * those printed values only (no {@link KeyVaultEmulator} object): what a newcomer copies from the terminal must work.
 */
record StartupSummary(
        String output,
        String tenantId,
        String authorityHost,
        String tokenEndpoint,
        Map<String, String> vaultUrls,
        Path trustStore,
        String trustStorePassword,
        Map<String, Map<String, String>> clientEnv,
        String operatorFlags) {

    private static final Pattern VAULT = Pattern.compile("^(?:vault|managed HSM) (\\S+):\\s+(https://\\S+)$");
    private static final Pattern TRUST_STORE = Pattern.compile("^trust store:\\s+(.+) \\(PKCS12, password (\\S+)\\)$");
    private static final Pattern CLIENT = Pattern.compile("^client (\\S+?)(?: \\(managed identity\\))?: .*$");

    static StartupSummary parse(String output) {
        String tenant = null;
        String authority = null;
        String tokenEndpoint = null;
        Path trustStore = null;
        String password = null;
        String operatorFlags = null;
        Map<String, String> vaults = new LinkedHashMap<>();
        Map<String, Map<String, String>> clients = new LinkedHashMap<>();
        String client = null;
        for (String line : output.split("\\R")) {
            Matcher m;
            if (line.startsWith("tenant id:")) {
                tenant = value(line);
            } else if (line.startsWith("authority host:")) {
                authority = value(line);
            } else if (line.startsWith("token endpoint:")) {
                tokenEndpoint = value(line);
            } else if ((m = VAULT.matcher(line)).matches()) {
                vaults.put(m.group(1), m.group(2));
            } else if ((m = TRUST_STORE.matcher(line)).matches()) {
                trustStore = Path.of(m.group(1));
                password = m.group(2);
            } else if ((m = CLIENT.matcher(line)).matches()) {
                client = m.group(1);
            } else if (line.startsWith("    env: ") && client != null) {
                Map<String, String> env = new LinkedHashMap<>();
                for (String kv : line.substring("    env: ".length()).trim().split(" ")) {
                    int eq = kv.indexOf('=');
                    env.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
                clients.put(client, env);
            } else if (line.startsWith("azure-keyvault-issuer run / create-ca-cert flags: ")) {
                operatorFlags = line.substring(line.indexOf(": ") + 2);
            }
        }
        assertNotNull(tenant, output);
        assertNotNull(authority, output);
        assertNotNull(tokenEndpoint, output);
        assertNotNull(trustStore, output);
        return new StartupSummary(
                output, tenant, authority, tokenEndpoint, vaults, trustStore, password, clients, operatorFlags);
    }

    private static String value(String line) {
        return line.substring(line.indexOf(':') + 1).trim();
    }

    String vaultUrl(String vault) {
        String url = vaultUrls.get(vault);
        assertNotNull(url, "no URL printed for " + vault + ":\n" + output);
        return url;
    }

    /** An SSL context trusting exactly the printed trust store, opened with the printed password. */
    SSLContext sslContext() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(trustStore)) {
            trust.load(in, trustStorePassword.toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    HttpClient http() throws Exception {
        return new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder().sslContext(sslContext())).build();
    }

    /** A ClientSecretCredential from the client's printed env line (tenant, client id, secret, authority host). */
    TokenCredential secretCredential(String clientId) throws Exception {
        Map<String, String> env = clientEnv.get(clientId);
        assertNotNull(env, "no env printed for client " + clientId + ":\n" + output);
        return new ClientSecretCredentialBuilder()
                .tenantId(env.get("AZURE_TENANT_ID"))
                .clientId(env.get("AZURE_CLIENT_ID"))
                .clientSecret(env.get("AZURE_CLIENT_SECRET"))
                .authorityHost(env.get("AZURE_AUTHORITY_HOST"))
                .disableInstanceDiscovery()
                .httpClient(http())
                .build();
    }

    KeyClient keys(String vault, TokenCredential credential, RetryOptions retry) throws Exception {
        return new KeyClientBuilder()
                .vaultUrl(vaultUrl(vault))
                .credential(credential)
                .httpClient(http())
                .disableChallengeResourceVerification()
                .retryOptions(retry)
                .buildClient();
    }

    CryptographyClient crypto(String keyId, TokenCredential credential, RetryOptions retry) throws Exception {
        return new CryptographyClientBuilder()
                .keyIdentifier(keyId)
                .credential(credential)
                .httpClient(http())
                .disableChallengeResourceVerification()
                .disableKeyCaching()
                .retryOptions(retry)
                .buildClient();
    }
}
