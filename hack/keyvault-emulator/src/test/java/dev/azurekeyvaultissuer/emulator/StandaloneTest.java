package dev.azurekeyvaultissuer.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.exception.HttpResponseException;
import com.azure.security.keyvault.keys.cryptography.models.SignatureAlgorithm;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Signature;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** State file and TLS reuse across restarts, the config file, the written trust store, and the command line. */
class StandaloneTest {

    @Test
    void stateAndTlsSurviveARestart(@TempDir Path dir) throws Exception {
        Path tls = dir.resolve("tls");
        Path state = dir.resolve("state.json");
        String kid;
        byte[] signature;
        byte[] digest = Sdk.sha(256, new byte[] {1, 2});
        String certPem;
        try (KeyVaultEmulator kv = KeyVaultEmulator.builder().vault("demo").clientSecret("app", "pw").portBase(0)
            .tlsDir(tls).stateFile(state).start()) {
            kid = kv.createKey("demo", "ca", KeyType.RSA_2048);
            kv.setSecret("demo", "ca-chain", "PEM", "application/x-pem-file");
            kv.disableKey("demo", "ca");
            kv.enableKey("demo", "ca");
            signature = Sdk.crypto(kv, kid, Sdk.secretCredential(kv, "app", "pw"))
                .sign(SignatureAlgorithm.RS256, digest).getSignature();
            certPem = Files.readString(kv.certificatePemPath());
        }
        assertTrue(Files.readString(state).contains("\"ca-chain\""));
        try (KeyVaultEmulator kv = KeyVaultEmulator.builder().vault("demo").clientSecret("app", "pw").tlsDir(tls)
            .stateFile(state).start()) {
            assertEquals(certPem, Files.readString(kv.certificatePemPath()), "same TLS certificate after restart");
            String version = kid.substring(kid.lastIndexOf('/'));
            assertTrue(kv.keyId("demo", "ca").endsWith(version), "same key version after restart");
            Signature jdk = Signature.getInstance("SHA256withRSA");
            jdk.initVerify(kv.publicKey("demo", "ca"));
            jdk.update(new byte[] {1, 2});
            assertTrue(jdk.verify(signature), "same private key after restart");
            TokenCredential credential = Sdk.secretCredential(kv, "app", "pw");
            assertEquals("PEM", Sdk.secrets(kv, "demo", credential).getSecret("ca-chain").getValue());
        }
    }

    @Test
    void trustStoreFileIsWhatClientsLoad(@TempDir Path dir) throws Exception {
        try (KeyVaultEmulator kv = KeyVaultEmulator.builder().vault("v").clientSecret("app", "pw").tlsDir(dir).start()) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(kv.trustStorePath())) {
                trust.load(in, KeyVaultEmulator.TRUST_STORE_PASSWORD.toCharArray());
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            HttpClient http = new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder().sslContext(ctx)).build();
            TokenCredential credential = new com.azure.identity.ClientSecretCredentialBuilder().tenantId(kv.tenantId())
                .clientId("app").clientSecret("pw").authorityHost(kv.authorityHost()).disableInstanceDiscovery()
                .httpClient(http).build();
            String kid = kv.createKey("v", "k", KeyType.EC_P256);
            byte[] sig = new com.azure.security.keyvault.keys.cryptography.CryptographyClientBuilder().keyIdentifier(kid)
                .credential(credential).httpClient(http).disableChallengeResourceVerification().disableKeyCaching()
                .buildClient().sign(SignatureAlgorithm.ES256, new byte[32]).getSignature();
            assertEquals(64, sig.length);
            JsonNode info = Json.MAPPER.readTree(dir.resolve("emulator.json").toFile());
            assertEquals(kv.vaultUrl("v"), info.path("vaults").path("v").path("url").asText());
            assertEquals(kv.trustStorePath().toString(), info.path("tls").path("trustStore").asText());
            assertEquals("pw", info.path("clients").get(0).path("env").path("AZURE_CLIENT_SECRET").asText());
        }
    }

    @Test
    void configFileDefinesVaultsClientsFederationsAndFaults(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("config.json");
        Files.writeString(config, """
            {
              "tokenLifetimeSeconds": 600,
              "vaults": ["cfg", {"name": "cfg-hsm", "managedHsm": true,
                                 "faults": {"latency": {"*": {"baseMs": 1}}}}],
              "clients": [
                {"clientId": "signer", "secret": "pw", "permissions": "keys=get,sign",
                 "vaultPermissions": {"cfg-hsm": "keys=get"}},
                {"clientId": "wl", "federations": [{"issuer": "https://issuer.example", "subject": "system:serviceaccount:a:b",
                  "jwks": {"keys": []}}]},
                {"clientId": "mi", "managedIdentity": true}
              ],
              "faults": {"throttling": {"enabled": false, "retryAfterSeconds": 1}}
            }
            """);
        KeyVaultEmulator.Builder b = KeyVaultEmulator.builder();
        ConfigFile.apply(config, b);
        try (KeyVaultEmulator kv = b.build().start()) {
            assertEquals(java.util.List.of("cfg", "cfg-hsm"), kv.vaultNames());
            assertTrue(kv.isManagedHsm("cfg-hsm"));
            String kid = kv.createKey("cfg", "k", KeyType.EC_P256);
            TokenCredential signer = Sdk.secretCredential(kv, "signer", "pw");
            assertEquals(64, Sdk.crypto(kv, kid, signer).sign(SignatureAlgorithm.ES256, new byte[32]).getSignature().length);
            String hsmKid = kv.createKey("cfg-hsm", "k", KeyType.EC_P256);
            HttpResponseException e = assertThrows(HttpResponseException.class,
                () -> Sdk.crypto(kv, hsmKid, signer).sign(SignatureAlgorithm.ES256, new byte[32]));
            assertEquals(403, e.getResponse().getStatusCode());
            assertTrue(kv.faults("cfg").toString().contains("\"retryAfterSeconds\":1"));
            assertTrue(kv.faults("cfg-hsm").toString().contains("\"baseMs\":1"));
            assertEquals(Duration.ofSeconds(600).toSeconds(), Json.parse(kv.describe()).path("tokenLifetimeSeconds").asLong());
        }
    }

    @Test
    void commandLineHelpSaysItIsATestTool() {
        StringWriter out = new StringWriter();
        CommandLine cmd = new CommandLine(new EmulatorMain());
        cmd.setOut(new PrintWriter(out));
        assertEquals(0, cmd.execute("--help"));
        String help = out.toString();
        assertTrue(help.contains("TEST AND DEMO TOOL: NEVER RUN IT IN PRODUCTION"), help);
        assertTrue(help.contains("--managed-hsm"), help);
        assertTrue(help.contains("--state-file"), help);
        assertTrue(EmulatorMain.banner().contains("NOT FOR PRODUCTION"));
        assertEquals(Duration.ofMinutes(5), EmulatorMain.duration("5m"));
        assertEquals(Duration.ofSeconds(90), EmulatorMain.duration("90s"));
        assertEquals(Duration.ofHours(1), EmulatorMain.duration("PT1H"));
        assertFalse(help.isBlank());
    }

    @Test
    void permissionsParse() {
        Permissions p = Permissions.parse("keys=get,sign;secrets=get;certificates=all");
        assertEquals(java.util.Set.of("get", "sign"), p.keys());
        assertEquals(java.util.Set.of("get"), p.secrets());
        assertEquals(Permissions.CERTIFICATE_PERMISSIONS.size(), p.certificates().size());
        assertThrows(IllegalArgumentException.class, () -> Permissions.parse("keys=fly"));
        assertEquals(KeyType.EC_HSM_P384, KeyType.parse("ec-hsm-p-384"));
        assertEquals(KeyType.RSA_3072, KeyType.parse("RSA-3072"));
    }
}
