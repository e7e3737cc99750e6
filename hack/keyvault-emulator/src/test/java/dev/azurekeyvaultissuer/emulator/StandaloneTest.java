package dev.azurekeyvaultissuer.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.cryptography.CryptographyClient;
import com.azure.security.keyvault.keys.cryptography.models.SignatureAlgorithm;
import com.azure.security.keyvault.keys.models.JsonWebKey;
import com.azure.security.keyvault.keys.models.KeyVaultKey;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
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
    /** No SDK retries: a fault answered once is seen by the caller instead of being retried away. */
    static final RetryOptions NO_RETRY = new RetryOptions(new FixedDelayOptions(0, Duration.ofMillis(1)));

    /** Runs the command line's start-up in this JVM (as main does, minus the wait) and returns what it printed. */
    private static KeyVaultEmulator startFromCommandLine(ByteArrayOutputStream out, String... args) {
        return EmulatorMain.start(new PrintStream(out, true, StandardCharsets.UTF_8), args);
    }

    @Test
    void vaultDnsSuffixNamesVaultsLikeAzureInUrlsKeyIdsAndTheCertificate(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (KeyVaultEmulator kv = startFromCommandLine(
                out,
                "--vault",
                "demo",
                "--client",
                "app:app-secret",
                "--tls-dir",
                dir.toString(),
                "--bind-address",
                "127.0.0.1",
                "--vault-dns-suffix",
                "vault.azure.net")) {
            String url = kv.vaultUrl("demo");
            assertTrue(url.matches("https://demo\\.vault\\.azure\\.net:\\d+"), url);
            String port = url.substring(url.lastIndexOf(':') + 1);
            assertTrue(kv.createKey("demo", "ca", KeyType.EC_P256).startsWith(url + "/keys/ca/"));
            java.security.cert.X509Certificate cert =
                    (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                            .generateCertificate(Files.newInputStream(kv.certificatePemPath()));
            assertTrue(
                    cert.getSubjectAlternativeNames().stream().anyMatch(n -> "demo.vault.azure.net".equals(n.get(1))),
                    String.valueOf(cert.getSubjectAlternativeNames()));
            String text = out.toString(StandardCharsets.UTF_8);
            assertFalse(text.contains("--azure-disable-challenge-resource-verification"), text);
            // Reached under its Azure name (resolved to the bind address here), a request without a token gets the
            // real challenge, over TLS that verifies that name.
            java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                    .sslContext(kv.sslContext())
                    .build();
            java.net.http.HttpResponse<String> r = http.send(
                    java.net.http.HttpRequest.newBuilder(
                                    java.net.URI.create("https://localhost:" + port + "/keys?api-version=7.5"))
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(401, r.statusCode());
        }
        // A restart with the same names keeps the certificate; without the suffix it is made anew.
        byte[] before = Files.readAllBytes(dir.resolve("emulator-cert.pem"));
        try (KeyVaultEmulator kv = startFromCommandLine(
                new ByteArrayOutputStream(),
                "--vault",
                "demo",
                "--tls-dir",
                dir.toString(),
                "--vault-dns-suffix",
                "vault.azure.net")) {
            assertEquals(
                    new String(before, StandardCharsets.US_ASCII),
                    Files.readString(kv.certificatePemPath(), StandardCharsets.US_ASCII));
        }
        try (KeyVaultEmulator kv =
                startFromCommandLine(new ByteArrayOutputStream(), "--vault", "demo", "--tls-dir", dir.toString())) {
            assertFalse(new String(before, StandardCharsets.US_ASCII)
                    .equals(Files.readString(kv.certificatePemPath(), StandardCharsets.US_ASCII)));
            assertTrue(kv.vaultUrl("demo").startsWith("https://127.0.0.1:"));
        }
    }

    @Test
    void commandLineStartUpPrintsWhatClientsNeedAndItWorks(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (KeyVaultEmulator kv = startFromCommandLine(
                out,
                "--vault",
                "demo",
                "--managed-hsm",
                "demo-hsm",
                "--client",
                "app:app-secret",
                "--client",
                "signer:signer-secret:keys=get,sign",
                "--managed-identity",
                "mi",
                "--tls-dir",
                dir.toString(),
                "--fail-next",
                "sign=1:503",
                "--throttle-next",
                "getKey=1",
                "--retry-after",
                "2")) {
            StartupSummary printed = StartupSummary.parse(out.toString(StandardCharsets.UTF_8));
            String text = printed.output();
            assertTrue(text.contains("NOT FOR PRODUCTION"), text);
            assertTrue(text.trim().endsWith("ready."), text);

            // The summary names the emulator's real endpoints and files.
            assertEquals(kv.tenantId(), printed.tenantId());
            assertEquals(kv.authorityHost(), printed.authorityHost());
            assertEquals(kv.tokenEndpoint(), printed.tokenEndpoint());
            assertEquals(
                    printed.authorityHost() + "/" + printed.tenantId() + "/oauth2/v2.0/token", printed.tokenEndpoint());
            assertEquals(kv.vaultUrl("demo"), printed.vaultUrl("demo"));
            assertEquals(kv.vaultUrl("demo-hsm"), printed.vaultUrl("demo-hsm"));
            assertTrue(text.contains("managed HSM demo-hsm:"), text);
            assertEquals(dir.resolve("emulator-truststore.p12").toAbsolutePath(), printed.trustStore());
            assertEquals(KeyVaultEmulator.TRUST_STORE_PASSWORD, printed.trustStorePassword());
            assertEquals("app-secret", printed.clientEnv().get("app").get("AZURE_CLIENT_SECRET"));
            assertEquals(printed.authorityHost(), printed.clientEnv().get("app").get("AZURE_AUTHORITY_HOST"));
            assertTrue(text.contains("client mi (managed identity)"), text);
            assertTrue(text.contains("IDENTITY_ENDPOINT=" + kv.managedIdentityEndpoint()), text);
            assertEquals(
                    "--azure-authority-host " + printed.authorityHost() + " --azure-trust-store "
                            + printed.trustStore() + " --azure-trust-store-password " + printed.trustStorePassword()
                            + " --azure-disable-challenge-resource-verification",
                    printed.operatorFlags());

            // Real SDK clients built from the printed values alone.
            KeyClient keys = printed.keys("demo", printed.secretCredential("app"), NO_RETRY);
            KeyVaultKey ca = keys.createKey("ca", com.azure.security.keyvault.keys.models.KeyType.EC);

            // --throttle-next getKey=1 with --retry-after 2: the first getKey is throttled, the next one is not.
            HttpResponseException throttled = assertThrows(HttpResponseException.class, () -> keys.getKey("ca"));
            assertEquals(429, throttled.getResponse().getStatusCode());
            assertEquals("2", throttled.getResponse().getHeaderValue("Retry-After"));
            assertEquals(ca.getId(), keys.getKey("ca").getId());

            // --fail-next sign=1:503: the first sign fails with 503, the next one signs.
            CryptographyClient crypto = printed.crypto(ca.getId(), printed.secretCredential("signer"), NO_RETRY);
            byte[] digest = Sdk.sha(256, "hello".getBytes(StandardCharsets.UTF_8));
            HttpResponseException failed =
                    assertThrows(HttpResponseException.class, () -> crypto.sign(SignatureAlgorithm.ES256, digest));
            assertEquals(503, failed.getResponse().getStatusCode());
            byte[] raw = crypto.sign(SignatureAlgorithm.ES256, digest).getSignature();
            assertTrue(verifiesEs256(ca.getKey(), "hello".getBytes(StandardCharsets.UTF_8), raw));
            assertEquals(2, kv.calls("demo", "sign"));

            // Command-line faults are set on every vault, each with its own count.
            assertTrue(
                    kv.faults("demo-hsm").toString().contains("\"failNext\":{\"sign\":{\"count\":1,\"status\":503}}"),
                    kv.faults("demo-hsm").toString());
        }
    }

    @Test
    void everyFaultFlagReachesTheFaultsOfEveryVault(@TempDir Path dir) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (KeyVaultEmulator kv = startFromCommandLine(
                out,
                "--vault",
                "a",
                "--managed-hsm",
                "b",
                "--client",
                "app:pw",
                "--tls-dir",
                dir.toString(),
                "--latency",
                "sign=5:2",
                "--latency",
                "7",
                "--error-rate",
                "getSecret=0.25:500",
                "--error-rate",
                "0.5",
                "--reset-rate",
                "listKeys=0.1",
                "--fail-next",
                "2",
                "--fail-next",
                "verify=3:500",
                "--throttle-next",
                "sign=4",
                "--throttle-scale",
                "0.5",
                "--retry-after",
                "3")) {
            for (String vault : java.util.List.of("a", "b")) {
                JsonNode f = Json.parse(kv.faults(vault).toString());
                assertEquals(5, f.path("latency").path("sign").path("baseMs").asLong());
                assertEquals(2, f.path("latency").path("sign").path("jitterMs").asLong());
                assertEquals(7, f.path("latency").path("*").path("baseMs").asLong());
                assertEquals(
                        0.25, f.path("errors").path("getSecret").path("rate").asDouble());
                assertEquals(
                        500, f.path("errors").path("getSecret").path("status").asInt());
                assertEquals(503, f.path("errors").path("*").path("status").asInt(), "503 unless told");
                assertEquals(0.1, f.path("resets").path("listKeys").asDouble());
                assertEquals(2, f.path("failNext").path("*").path("count").asInt());
                assertEquals(503, f.path("failNext").path("*").path("status").asInt());
                assertEquals(
                        500, f.path("failNext").path("verify").path("status").asInt());
                assertEquals(4, f.path("throttleNext").path("sign").asInt());
                assertTrue(f.path("throttling").path("enabled").asBoolean(), f.toString());
                assertEquals(3, f.path("throttling").path("retryAfterSeconds").asLong());
            }
            assertEquals(
                    ThrottleLimits.azure().scaled(0.5).toJson().path("rsa2048AndEc"),
                    Json.parse(kv.faults("a").toString()).path("throttling").path("rsa2048AndEc"));
        }
    }

    @Test
    void retryAfterFlagKeepsAConfigFilesThrottlingOn(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("config.json");
        Files.writeString(
                config,
                "{\"vaults\": [\"v\"], \"faults\": {\"throttling\": {\"enabled\": true},"
                        + " \"throttleNext\": {\"sign\": 1}}}");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (KeyVaultEmulator kv = startFromCommandLine(
                out,
                "--config",
                config.toString(),
                "--tls-dir",
                dir.resolve("tls").toString(),
                "--retry-after",
                "4")) {
            JsonNode f = Json.parse(kv.faults("v").toString());
            assertTrue(f.path("throttling").path("enabled").asBoolean(), f.toString());
            assertEquals(4, f.path("throttling").path("retryAfterSeconds").asLong());
            assertEquals(1, f.path("throttleNext").path("sign").asInt(), "the config's faults stay");
        }
    }

    @Test
    void badFaultFlagIsAUsageError(@TempDir Path dir) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CommandLine.ParameterException e = assertThrows(
                CommandLine.ParameterException.class,
                () -> startFromCommandLine(out, "--vault", "v", "--tls-dir", dir.toString(), "--fail-next", "sign=x"));
        assertTrue(e.getMessage().contains("bad number"), e.getMessage());
    }

    /** ES256 over data, with Key Vault's raw r||s signature, checked by the JDK against the key's public JWK. */
    private static boolean verifiesEs256(JsonWebKey jwk, byte[] data, byte[] raw) throws Exception {
        Signature jdk = Signature.getInstance("SHA256withECDSA");
        jdk.initVerify(jwk.toEc().getPublic());
        jdk.update(data);
        return jdk.verify(Sdk.rawToDer(raw));
    }

    @Test
    void stateAndTlsSurviveARestart(@TempDir Path dir) throws Exception {
        Path tls = dir.resolve("tls");
        Path state = dir.resolve("state.json");
        String kid;
        byte[] signature;
        byte[] digest = Sdk.sha(256, new byte[] {1, 2});
        String certPem;
        try (KeyVaultEmulator kv = KeyVaultEmulator.builder()
                .vault("demo")
                .clientSecret("app", "pw")
                .portBase(0)
                .tlsDir(tls)
                .stateFile(state)
                .start()) {
            kid = kv.createKey("demo", "ca", KeyType.RSA_2048);
            kv.setSecret("demo", "ca-chain", "PEM", "application/x-pem-file");
            kv.disableKey("demo", "ca");
            kv.enableKey("demo", "ca");
            signature = Sdk.crypto(kv, kid, Sdk.secretCredential(kv, "app", "pw"))
                    .sign(SignatureAlgorithm.RS256, digest)
                    .getSignature();
            certPem = Files.readString(kv.certificatePemPath());
        }
        assertTrue(Files.readString(state).contains("\"ca-chain\""));
        try (KeyVaultEmulator kv = KeyVaultEmulator.builder()
                .vault("demo")
                .clientSecret("app", "pw")
                .tlsDir(tls)
                .stateFile(state)
                .start()) {
            assertEquals(certPem, Files.readString(kv.certificatePemPath()), "same TLS certificate after restart");
            String version = kid.substring(kid.lastIndexOf('/'));
            assertTrue(kv.keyId("demo", "ca").endsWith(version), "same key version after restart");
            Signature jdk = Signature.getInstance("SHA256withRSA");
            jdk.initVerify(kv.publicKey("demo", "ca"));
            jdk.update(new byte[] {1, 2});
            assertTrue(jdk.verify(signature), "same private key after restart");
            TokenCredential credential = Sdk.secretCredential(kv, "app", "pw");
            assertEquals(
                    "PEM",
                    Sdk.secrets(kv, "demo", credential).getSecret("ca-chain").getValue());
        }
    }

    @Test
    void trustStoreFileIsWhatClientsLoad(@TempDir Path dir) throws Exception {
        try (KeyVaultEmulator kv = KeyVaultEmulator.builder()
                .vault("v")
                .clientSecret("app", "pw")
                .tlsDir(dir)
                .start()) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(kv.trustStorePath())) {
                trust.load(in, KeyVaultEmulator.TRUST_STORE_PASSWORD.toCharArray());
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            HttpClient http = new JdkHttpClientBuilder(
                            java.net.http.HttpClient.newBuilder().sslContext(ctx))
                    .build();
            TokenCredential credential = new com.azure.identity.ClientSecretCredentialBuilder()
                    .tenantId(kv.tenantId())
                    .clientId("app")
                    .clientSecret("pw")
                    .authorityHost(kv.authorityHost())
                    .disableInstanceDiscovery()
                    .httpClient(http)
                    .build();
            String kid = kv.createKey("v", "k", KeyType.EC_P256);
            byte[] sig = new com.azure.security.keyvault.keys.cryptography.CryptographyClientBuilder()
                    .keyIdentifier(kid)
                    .credential(credential)
                    .httpClient(http)
                    .disableChallengeResourceVerification()
                    .disableKeyCaching()
                    .buildClient()
                    .sign(SignatureAlgorithm.ES256, new byte[32])
                    .getSignature();
            assertEquals(64, sig.length);
            JsonNode info = Json.MAPPER.readTree(dir.resolve("emulator.json").toFile());
            assertEquals(
                    kv.vaultUrl("v"), info.path("vaults").path("v").path("url").asText());
            assertEquals(
                    kv.trustStorePath().toString(),
                    info.path("tls").path("trustStore").asText());
            assertEquals(
                    "pw",
                    info.path("clients")
                            .get(0)
                            .path("env")
                            .path("AZURE_CLIENT_SECRET")
                            .asText());
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
            assertEquals(
                    64,
                    Sdk.crypto(kv, kid, signer)
                            .sign(SignatureAlgorithm.ES256, new byte[32])
                            .getSignature()
                            .length);
            String hsmKid = kv.createKey("cfg-hsm", "k", KeyType.EC_P256);
            HttpResponseException e = assertThrows(
                    HttpResponseException.class,
                    () -> Sdk.crypto(kv, hsmKid, signer).sign(SignatureAlgorithm.ES256, new byte[32]));
            assertEquals(403, e.getResponse().getStatusCode());
            assertTrue(kv.faults("cfg").toString().contains("\"retryAfterSeconds\":1"));
            assertTrue(kv.faults("cfg-hsm").toString().contains("\"baseMs\":1"));
            assertEquals(
                    Duration.ofSeconds(600).toSeconds(),
                    Json.parse(kv.describe()).path("tokenLifetimeSeconds").asLong());
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
        assertEquals(
                Permissions.CERTIFICATE_PERMISSIONS.size(), p.certificates().size());
        assertThrows(IllegalArgumentException.class, () -> Permissions.parse("keys=fly"));
        assertEquals(KeyType.EC_HSM_P384, KeyType.parse("ec-hsm-p-384"));
        assertEquals(KeyType.RSA_3072, KeyType.parse("RSA-3072"));
    }
}
