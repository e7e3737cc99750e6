package dev.azurekeyvaultissuer.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.exception.HttpResponseException;
import com.azure.identity.ClientAssertionCredentialBuilder;
import com.azure.identity.ClientCertificateCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.identity.WorkloadIdentityCredentialBuilder;
import com.azure.security.keyvault.keys.cryptography.models.SignatureAlgorithm;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.microsoft.aad.msal4j.MsalTestEnvironment;
import java.math.BigInteger;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Challenge auth, token checks, every credential kind azure-identity offers against the emulator, permissions. */
class AuthTest {
    static final String VAULT = "auth-vault";
    static final String HSM = "auth-hsm";
    static final String K8S_ISSUER = "https://kubernetes.default.svc.cluster.local";
    static final String SA_SUBJECT = "system:serviceaccount:issuer-ns:issuer-sa";

    static KeyPair clientCertKey;
    static X509Certificate clientCert;
    static KeyPair serviceAccountIssuerKey;
    static final MovableClock CLOCK = new MovableClock();
    static KeyVaultEmulator kv;
    static String kid;

    @BeforeAll
    static void start() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        clientCertKey = rsa.generateKeyPair();
        clientCert = selfSigned(clientCertKey, "CN=cert-app");
        serviceAccountIssuerKey = rsa.generateKeyPair();
        kv = KeyVaultEmulator.builder()
                .clock(CLOCK)
                .vault(VAULT)
                .managedHsm(HSM)
                .clientSecret("secret-app", "s3cret")
                .clientSecret("reader", "reader-secret", Permissions.keys("get"))
                .client(ClientConfig.builder("cert-app").certificate(clientCert).build())
                .client(ClientConfig.builder("workload")
                        .federation(Federation.of(K8S_ISSUER, SA_SUBJECT)
                                .withPublicKey(serviceAccountIssuerKey.getPublic()))
                        .build())
                .client(ClientConfig.builder("mi-user-assigned")
                        .managedIdentity()
                        .build())
                .client(ClientConfig.builder("mi-imds").managedIdentity().build())
                .start();
        kid = kv.createKey(VAULT, "auth-key", KeyType.EC_P256);
        kv.createKey(HSM, "hsm-key", KeyType.RSA_HSM_2048);
    }

    @AfterAll
    static void stop() {
        MsalTestEnvironment.clear();
        kv.close();
    }

    @Test
    void unauthenticatedRequestGetsTheChallenge() {
        HttpResponse<String> r = Sdk.raw(kv, "GET", kv.vaultUrl(VAULT) + "/keys/auth-key?api-version=7.5", null, null);
        assertEquals(401, r.statusCode());
        assertEquals(
                "Bearer authorization=\"" + kv.authorityHost() + "/" + kv.tenantId()
                        + "\", resource=\"https://vault.azure.net\"",
                r.headers().firstValue("WWW-Authenticate").orElseThrow());
        assertEquals(
                "{\"error\":{\"code\":\"Unauthorized\",\"message\":\"AKV10000: Request is missing a Bearer or PoP"
                        + " token.\"}}",
                r.body());

        HttpResponse<String> hsm = Sdk.raw(kv, "GET", kv.vaultUrl(HSM) + "/keys/hsm-key?api-version=7.5", null, null);
        assertEquals(401, hsm.statusCode());
        assertTrue(hsm.headers()
                .firstValue("WWW-Authenticate")
                .orElseThrow()
                .endsWith("resource=\"https://managedhsm.azure.net\""));
        assertEquals("", hsm.body());
    }

    @Test
    void tokenForAnotherAudienceOrExpiredOrForeignIsRefused() throws Exception {
        String url = kv.vaultUrl(VAULT) + "/keys/auth-key?api-version=7.5";
        assertEquals(
                200,
                Sdk.raw(
                                kv,
                                "GET",
                                url,
                                kv.issueToken("secret-app", "https://vault.azure.net", Duration.ofMinutes(5)),
                                null)
                        .statusCode());

        HttpResponse<String> aud = Sdk.raw(
                kv,
                "GET",
                url,
                kv.issueToken("secret-app", "https://management.azure.com/", Duration.ofMinutes(5)),
                null);
        assertEquals(401, aud.statusCode());
        assertTrue(
                aud.body()
                        .contains("AKV10022: Invalid audience. Expected https://vault.azure.net, found:"
                                + " https://management.azure.com/."),
                aud.body());
        assertTrue(aud.headers().firstValue("WWW-Authenticate").isPresent());

        // A vault token is no Managed HSM token.
        HttpResponse<String> hsm = Sdk.raw(
                kv,
                "GET",
                kv.vaultUrl(HSM) + "/keys/hsm-key?api-version=7.5",
                kv.issueToken("secret-app", "https://vault.azure.net", Duration.ofMinutes(5)),
                null);
        assertEquals(401, hsm.statusCode());

        String shortLived = kv.issueToken("secret-app", "https://vault.azure.net", Duration.ofSeconds(1));
        CLOCK.advance(Duration.ofSeconds(2));
        HttpResponse<String> expired = Sdk.raw(kv, "GET", url, shortLived, null);
        assertEquals(401, expired.statusCode());
        assertTrue(expired.body().contains("expired"), expired.body());

        try (KeyVaultEmulator other = KeyVaultEmulator.builder()
                .vault("other")
                .clientSecret("secret-app", "x")
                .start()) {
            String foreign = other.issueToken("secret-app", "https://vault.azure.net", Duration.ofMinutes(5));
            HttpResponse<String> r = Sdk.raw(kv, "GET", url, foreign, null);
            assertEquals(401, r.statusCode());
            assertTrue(r.body().contains("signature"), r.body());
        }
        assertTrue(kv.calls(VAULT, "unauthenticated") >= 3);
    }

    @Test
    void clientSecretCredentialAndWrongSecret() {
        assertSigns(Sdk.secretCredential(kv, "secret-app", "s3cret"));
        assertAuthFails(Sdk.secretCredential(kv, "secret-app", "wrong"), "AADSTS7000215: Invalid client secret");
        assertAuthFails(Sdk.secretCredential(kv, "nobody", "x"), "AADSTS700016: Application with identifier 'nobody'");
    }

    @Test
    void clientCertificateCredential(@TempDir Path dir) throws Exception {
        Path pem = dir.resolve("cert-app.pem");
        Files.writeString(
                pem,
                Pem.write(clientCert) + "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                .encodeToString(clientCertKey.getPrivate().getEncoded())
                        + "\n-----END PRIVATE KEY-----\n");
        TokenCredential credential = new ClientCertificateCredentialBuilder()
                .tenantId(kv.tenantId())
                .clientId("cert-app")
                .pemCertificate(pem.toString())
                .authorityHost(kv.authorityHost())
                .disableInstanceDiscovery()
                .httpClient(Sdk.http(kv))
                .build();
        assertSigns(credential);
        assertAppId(credential, "cert-app");

        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair stranger = rsa.generateKeyPair();
        Path other = dir.resolve("stranger.pem");
        Files.writeString(
                other,
                Pem.write(selfSigned(stranger, "CN=stranger")) + "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder()
                                .encodeToString(stranger.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        TokenCredential wrong = new ClientCertificateCredentialBuilder()
                .tenantId(kv.tenantId())
                .clientId("cert-app")
                .pemCertificate(other.toString())
                .authorityHost(kv.authorityHost())
                .disableInstanceDiscovery()
                .httpClient(Sdk.http(kv))
                .build();
        assertAuthFails(wrong, "AADSTS700027");
    }

    @Test
    void clientAssertionCredentialWithAServiceAccountToken() {
        TokenCredential credential = assertionCredential(serviceAccountToken(SA_SUBJECT, serviceAccountIssuerKey, 600));
        assertSigns(credential);
        assertAppId(credential, "workload");

        assertAuthFails(
                assertionCredential(
                        serviceAccountToken("system:serviceaccount:other:sa", serviceAccountIssuerKey, 600)),
                "AADSTS70021: No matching federated identity record found");
        assertAuthFails(
                assertionCredential(serviceAccountToken(SA_SUBJECT, serviceAccountIssuerKey, -10)), "AADSTS700024");
        assertAuthFails(
                assertionCredential(serviceAccountToken(SA_SUBJECT, clientCertKey, 600)),
                "failed signature validation");
    }

    // Federation and assertion checks at the token endpoint itself (raw requests): every claim that names who may
    // get a token is checked, and each refusal has Entra ID's error body. A control with the right claims is
    // accepted first, so the one changed claim is what gets the assertion refused.

    @Test
    void federatedAssertionFromAnotherIssuerIsRefused() throws Exception {
        assertEquals(
                200,
                postAssertion(
                                "workload",
                                serviceAccountToken(
                                        K8S_ISSUER,
                                        SA_SUBJECT,
                                        Federation.DEFAULT_AUDIENCE,
                                        serviceAccountIssuerKey,
                                        600))
                        .statusCode());
        // Same subject, audience and signing key; another cluster's issuer.
        HttpResponse<String> r = postAssertion(
                "workload",
                serviceAccountToken(
                        "https://oidc.other-cluster.example",
                        SA_SUBJECT,
                        Federation.DEFAULT_AUDIENCE,
                        serviceAccountIssuerKey,
                        600));
        assertEntraError(
                r,
                400,
                "invalid_request",
                70021,
                "No matching federated identity record found for presented"
                        + " assertion. Assertion Issuer: 'https://oidc.other-cluster.example'.");
    }

    @Test
    void federatedAssertionForAnotherAudienceIsRefused() throws Exception {
        assertEquals(
                200,
                postAssertion(
                                "workload",
                                serviceAccountToken(
                                        K8S_ISSUER,
                                        SA_SUBJECT,
                                        Federation.DEFAULT_AUDIENCE,
                                        serviceAccountIssuerKey,
                                        600))
                        .statusCode());
        // A pod's ordinary ServiceAccount token (audience: the API server), not one projected for Azure.
        HttpResponse<String> r = postAssertion(
                "workload",
                serviceAccountToken(
                        K8S_ISSUER,
                        SA_SUBJECT,
                        "https://kubernetes.default.svc.cluster.local",
                        serviceAccountIssuerKey,
                        600));
        assertEntraError(
                r,
                400,
                "invalid_request",
                70021,
                "Assertion Audience:" + " 'https://kubernetes.default.svc.cluster.local'.");
    }

    @Test
    void clientCertificateAssertionForAnotherAudienceIsRefused() throws Exception {
        assertEquals(
                200,
                postAssertion("cert-app", certificateAssertion("cert-app", kv.tokenEndpoint()))
                        .statusCode());
        // Signed by the registered certificate's key, but meant for the real Entra ID's token endpoint.
        String elsewhere = "https://login.microsoftonline.com/" + kv.tenantId() + "/oauth2/v2.0/token";
        HttpResponse<String> r = postAssertion("cert-app", certificateAssertion("cert-app", elsewhere));
        assertEntraError(
                r,
                401,
                "invalid_client",
                700212,
                "Client assertion audience claim does not match the token" + " endpoint. Expected " + kv.tokenEndpoint()
                        + ", found [" + elsewhere + "].");
    }

    @Test
    void workloadIdentityCredentialReadsTheProjectedTokenFile(@TempDir Path dir) throws Exception {
        Path tokenFile = dir.resolve("azure-identity-token");
        Files.writeString(tokenFile, serviceAccountToken(SA_SUBJECT, serviceAccountIssuerKey, 600));
        TokenCredential credential = new WorkloadIdentityCredentialBuilder()
                .tenantId(kv.tenantId())
                .clientId("workload")
                .tokenFilePath(tokenFile.toString())
                .authorityHost(kv.authorityHost())
                .disableInstanceDiscovery()
                .httpClient(Sdk.http(kv))
                .build();
        assertSigns(credential);
    }

    @Test
    void managedIdentityCredentialAppServiceAndImdsStyle() {
        MsalTestEnvironment.set(Map.of(
                "IDENTITY_ENDPOINT", kv.managedIdentityEndpoint(), "IDENTITY_HEADER", kv.managedIdentityHeader()));
        try {
            TokenCredential userAssigned = new ManagedIdentityCredentialBuilder()
                    .clientId("mi-user-assigned")
                    .httpClient(Sdk.http(kv))
                    .build();
            assertSigns(userAssigned);
            assertAppId(userAssigned, "mi-user-assigned");
            MsalTestEnvironment.set(Map.of("AZURE_POD_IDENTITY_AUTHORITY_HOST", kv.authorityHost()));
            TokenCredential imds = new ManagedIdentityCredentialBuilder()
                    .clientId("mi-imds")
                    .httpClient(Sdk.http(kv))
                    .build();
            assertAppId(imds, "mi-imds");
        } finally {
            MsalTestEnvironment.clear();
        }
    }

    @Test
    void missingPermissionIsForbiddenByPolicyAndRuntimeChangesApply() {
        TokenCredential reader = Sdk.secretCredential(kv, "reader", "reader-secret");
        var crypto = Sdk.crypto(kv, kid, reader);
        HttpResponseException e =
                assertThrows(HttpResponseException.class, () -> crypto.sign(SignatureAlgorithm.ES256, new byte[32]));
        assertEquals(403, e.getResponse().getStatusCode());
        String oid = ClientConfig.builder("reader").build().objectId();
        assertTrue(
                e.getMessage()
                        .contains("{\"error\":{\"code\":\"Forbidden\",\"message\":\"The user, group or application"
                                + " 'appid=reader;oid=" + oid + ";iss=https://sts.windows.net/" + kv.tenantId()
                                + "/' does not have keys sign"
                                + " permission on key vault 'auth-vault;location=local-emulator'."),
                e.getMessage());
        assertTrue(e.getMessage().contains("\"innererror\":{\"code\":\"ForbiddenByPolicy\"}"), e.getMessage());
        assertEquals("auth-key", Sdk.keys(kv, VAULT, reader).getKey("auth-key").getName());

        kv.setPermissions(VAULT, "reader", Permissions.keys("get", "sign"));
        assertEquals(32 * 2, crypto.sign(SignatureAlgorithm.ES256, new byte[32]).getSignature().length);
        kv.setPermissions(VAULT, "reader", Permissions.keys("get"));

        var hsmCrypto = Sdk.crypto(kv, kv.keyId(HSM, "hsm-key"), reader);
        HttpResponseException rbac =
                assertThrows(HttpResponseException.class, () -> hsmCrypto.sign(SignatureAlgorithm.RS256, new byte[32]));
        assertEquals(403, rbac.getResponse().getStatusCode());
        assertTrue(rbac.getMessage().contains("ForbiddenByRbac"), rbac.getMessage());
    }

    @Test
    void shortTokenLifetimesAreRenewedBySdk() throws Exception {
        // The SDK decides when to renew by the system clock and the token's expires_in: this one has to wait.
        try (KeyVaultEmulator shortKv = KeyVaultEmulator.builder()
                .vault("short")
                .clientSecret("app", "pw")
                .tokenLifetime(Duration.ofSeconds(2))
                .start()) {
            String k = shortKv.createKey("short", "k", KeyType.EC_P256);
            var crypto = Sdk.crypto(shortKv, k, Sdk.secretCredential(shortKv, "app", "pw"));
            crypto.sign(SignatureAlgorithm.ES256, new byte[32]);
            Thread.sleep(2500);
            crypto.sign(SignatureAlgorithm.ES256, new byte[32]);
            assertEquals(2, shortKv.calls("short", "sign"));
        }
    }

    /** azure-identity's sync path wraps the MSAL error in RuntimeExceptions: look through the whole chain. */
    private static void assertAuthFails(TokenCredential credential, String expected) {
        RuntimeException e = assertThrows(RuntimeException.class, () -> credential.getTokenSync(vaultScope()));
        StringBuilder chain = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            chain.append(t).append('\n');
        }
        assertTrue(chain.toString().contains(expected), chain.toString());
    }

    private static TokenRequestContext vaultScope() {
        return new TokenRequestContext().addScopes("https://vault.azure.net/.default");
    }

    private static void assertSigns(TokenCredential credential) {
        byte[] raw = Sdk.crypto(kv, kid, credential)
                .sign(SignatureAlgorithm.ES256, new byte[32])
                .getSignature();
        assertEquals(64, raw.length);
    }

    private static void assertAppId(TokenCredential credential, String appId) {
        AccessToken token = credential.getTokenSync(vaultScope());
        assertNotNull(token);
        Jwt jwt = Jwt.parse(token.getToken());
        assertEquals(appId, jwt.claim("appid"));
        assertEquals(kv.tenantId(), jwt.claim("tid"));
        assertEquals("https://vault.azure.net", jwt.claim("aud"));
        assertEquals(jwt.claim("oid"), jwt.claim("sub"));
    }

    private static TokenCredential assertionCredential(String assertion) {
        return new ClientAssertionCredentialBuilder()
                .tenantId(kv.tenantId())
                .clientId("workload")
                .clientAssertion(() -> assertion)
                .authorityHost(kv.authorityHost())
                .disableInstanceDiscovery()
                .httpClient(Sdk.http(kv))
                .build();
    }

    /** A token shaped like a projected Kubernetes ServiceAccount token for Azure workload identity. */
    static String serviceAccountToken(String subject, KeyPair signer, long lifetimeSeconds) {
        return serviceAccountToken(K8S_ISSUER, subject, Federation.DEFAULT_AUDIENCE, signer, lifetimeSeconds);
    }

    static String serviceAccountToken(
            String issuer, String subject, String audience, KeyPair signer, long lifetimeSeconds) {
        long now = Instant.now().getEpochSecond();
        ObjectNode header = Json.object().put("alg", "RS256").put("kid", "test-sa-key");
        ObjectNode claims = Json.object()
                .put("iss", issuer)
                .put("sub", subject)
                .put("iat", now - 20)
                .put("nbf", now - 20)
                .put("exp", now + lifetimeSeconds);
        claims.putArray("aud").add(audience);
        claims.putObject("kubernetes.io").put("namespace", "issuer-ns");
        return Jwt.sign(header, claims, signer.getPrivate());
    }

    /** A client certificate assertion as MSAL makes it (iss = sub = client id, x5t), signed by cert-app's key. */
    private static String certificateAssertion(String clientId, String audience) throws Exception {
        long now = Instant.now().getEpochSecond();
        String x5t = Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(MessageDigest.getInstance("SHA-1").digest(clientCert.getEncoded()));
        ObjectNode header = Json.object().put("alg", "RS256").put("typ", "JWT").put("x5t", x5t);
        ObjectNode claims = Json.object()
                .put("aud", audience)
                .put("iss", clientId)
                .put("sub", clientId)
                .put("jti", UUID.randomUUID().toString())
                .put("nbf", now)
                .put("exp", now + 600);
        return Jwt.sign(header, claims, clientCertKey.getPrivate());
    }

    /** POST {tenant}/oauth2/v2.0/token with grant client_credentials and this client assertion. */
    private static HttpResponse<String> postAssertion(String clientId, String assertion) throws Exception {
        Map<String, String> form = Map.of(
                "grant_type",
                "client_credentials",
                "client_id",
                clientId,
                "scope",
                "https://vault.azure.net/.default",
                "client_assertion_type",
                ClientAuthenticator.JWT_BEARER,
                "client_assertion",
                assertion);
        String body = form.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpClient client = HttpClient.newBuilder().sslContext(kv.sslContext()).build();
        return client.send(
                HttpRequest.newBuilder(URI.create(kv.tokenEndpoint()))
                        .timeout(Duration.ofSeconds(20))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Entra ID's error shape: {"error", "error_description": "AADSTSnnn: ...", "error_codes": [nnn], ...}. */
    private static void assertEntraError(HttpResponse<String> r, int status, String error, int code, String message) {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode body = Json.parse(r.body());
        assertEquals(error, body.path("error").asText(), r.body());
        assertEquals(1, body.path("error_codes").size(), r.body());
        assertEquals(code, body.path("error_codes").get(0).asInt(), r.body());
        String description = body.path("error_description").asText();
        assertTrue(description.startsWith("AADSTS" + code + ": "), description);
        assertTrue(description.contains(message), description);
        assertTrue(
                body.hasNonNull("trace_id") && body.hasNonNull("correlation_id") && body.hasNonNull("timestamp"),
                r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.toString());
    }

    static X509Certificate selfSigned(KeyPair kp, String subject) throws Exception {
        Instant now = Instant.now();
        X500Name name = new X500Name(subject);
        return new JcaX509CertificateConverter()
                .getCertificate(new JcaX509v3CertificateBuilder(
                                name,
                                BigInteger.valueOf(now.toEpochMilli()),
                                Date.from(now.minusSeconds(60)),
                                Date.from(now.plus(Duration.ofDays(1))),
                                name,
                                kp.getPublic())
                        .build(new JcaContentSignerBuilder("SHA256withRSA").build(kp.getPrivate())));
    }
}
