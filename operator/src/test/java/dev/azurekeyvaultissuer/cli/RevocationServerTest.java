package dev.azurekeyvaultissuer.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.controller.RevocationPublications;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.keyvault.VaultKey;
import dev.azurekeyvaultissuer.pki.CertificateAuthority;
import dev.azurekeyvaultissuer.pki.CertificateRevocationList;
import dev.azurekeyvaultissuer.pki.CrlSigner;
import dev.azurekeyvaultissuer.pki.OcspResponder;
import dev.azurekeyvaultissuer.testing.LocalKeyVault;
import dev.azurekeyvaultissuer.testing.TestCertificates;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The CRL server over loopback: what relying parties and HTTP caches see. */
class RevocationServerTest {

    private static final Instant NOW = TestCertificates.EPOCH;
    private final HttpClient http = HttpClient.newHttpClient();
    private RevocationServer server;
    private CertificateRevocationList crl;
    private java.security.cert.X509Certificate caCertificate;

    @BeforeEach
    void start() throws Exception {
        LocalKeyVault vault = new LocalKeyVault(LocalKeyVault.DEFAULT_URL);
        KeyPair pair = TestKeyPairs.fresh("P-256");
        VaultKey key = vault.importKey("ca", pair);
        CertificateAuthority ca = CertificateAuthority.of(List.of(TestCertificates.root("CN=Served CA", pair)));
        crl = new CrlSigner(vault, key, SignatureAlgorithm.ES256, ca)
                .sign(BigInteger.valueOf(4), NOW, NOW.plus(Duration.ofHours(24)), List.of());
        RevocationPublications publications = new RevocationPublications();
        publications.publish(IssuerId.issuer("team-a", "ca"), crl);
        caCertificate = ca.certificate();
        publications.publishResponder(
                IssuerId.issuer("team-a", "ca"),
                ca,
                OcspResponder.delegate(vault, key, SignatureAlgorithm.ES256, ca, NOW, Duration.ofDays(2)));
        server = RevocationServer.start("127.0.0.1", 0, publications, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void theCrlIsServedAsDerWithCachingHeaders() throws Exception {
        HttpResponse<byte[]> response = get("/crl/issuers/team-a/ca.crl");

        assertEquals(200, response.statusCode());
        assertArrayEquals(crl.der(), response.body());
        assertEquals(
                "application/pkix-crl",
                response.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(
                "public, no-transform, max-age=300",
                response.headers().firstValue("Cache-Control").orElseThrow());
        assertTrue(response.headers().firstValue("Last-Modified").isPresent());
        String etag = response.headers().firstValue("ETag").orElseThrow();

        assertEquals(
                304, get("/crl/issuers/team-a/ca.crl", "If-None-Match", etag).statusCode());
    }

    @Test
    void ocspIsAnsweredByPostAndByGet() throws Exception {
        byte[] request = new org.bouncycastle.cert.ocsp.OCSPReqBuilder()
                .addRequest(new org.bouncycastle.cert.ocsp.CertificateID(
                        new org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder()
                                .build()
                                .get(org.bouncycastle.cert.ocsp.CertificateID.HASH_SHA1),
                        new org.bouncycastle.cert.jcajce.JcaX509CertificateHolder(caCertificate),
                        BigInteger.valueOf(77)))
                .build()
                .getEncoded();
        String url = "http://127.0.0.1:" + server.port() + "/ocsp/issuers/team-a/ca";

        HttpResponse<byte[]> post = http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Content-Type", "application/ocsp-request")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(request))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        HttpResponse<byte[]> get = get("/ocsp/issuers/team-a/ca/"
                + java.net.URLEncoder.encode(
                        java.util.Base64.getEncoder().encodeToString(request),
                        java.nio.charset.StandardCharsets.US_ASCII));

        for (HttpResponse<byte[]> response : List.of(post, get)) {
            assertEquals(200, response.statusCode());
            assertEquals(
                    "application/ocsp-response",
                    response.headers().firstValue("Content-Type").orElseThrow());
            org.bouncycastle.cert.ocsp.OCSPResp answer = new org.bouncycastle.cert.ocsp.OCSPResp(response.body());
            assertEquals(org.bouncycastle.cert.ocsp.OCSPResp.SUCCESSFUL, answer.getStatus());
        }
        assertEquals("no-store", post.headers().firstValue("Cache-Control").orElseThrow());
        assertEquals(
                "public, no-transform, max-age=300",
                get.headers().firstValue("Cache-Control").orElseThrow());
        assertEquals(404, get("/ocsp/issuers/team-b/ca/AAAA").statusCode());
    }

    @Test
    void otherPathsAndMethodsAreRefused() throws Exception {
        assertEquals(404, get("/crl/issuers/team-b/ca.crl").statusCode());
        assertEquals(404, get("/crl/issuers/team-a/../team-a/ca.crl").statusCode());
        HttpResponse<String> post = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/crl/issuers/team-a/ca.crl"))
                        .POST(HttpRequest.BodyPublishers.ofString("x"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
    }
}
