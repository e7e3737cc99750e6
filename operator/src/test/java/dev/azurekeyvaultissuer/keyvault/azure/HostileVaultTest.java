package dev.azurekeyvaultissuer.keyvault.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.azurekeyvaultissuer.emulator.ClientConfig;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulator;
import dev.azurekeyvaultissuer.emulator.KeyVaultEmulatorExtension;
import dev.azurekeyvaultissuer.keyvault.KeyReference;
import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A tenant may point an issuer at any URL. Here that URL is a hostile HTTPS server on 127.0.0.1 that answers the
 * authentication challenge like a vault (tokens come from the emulator's Entra ID), then misbehaves: it drip-feeds
 * its answer, sends a body of hundreds of MB, or names another vault's key. Each must end in a typed failure within
 * the configured limits, with the operator's memory and threads intact.
 */
class HostileVaultTest {

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(2);
    private static final long MAX_BODY = 64 * 1024;

    @RegisterExtension
    static final KeyVaultEmulatorExtension EMULATOR = new KeyVaultEmulatorExtension(b ->
            b.vault("unused").client(ClientConfig.withSecret(EmulatedVault.CLIENT_ID, EmulatedVault.CLIENT_SECRET)));

    private KeyVaultEmulator emulator;
    private HttpsServer server;
    private volatile Consumer<HttpExchange> behaviour;
    private final AtomicLong bytesSent = new AtomicLong();

    @BeforeEach
    void hostileServer() throws Exception {
        emulator = EMULATOR.emulator();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(emulator.tlsDir().resolve("emulator-keys.p12"))) {
            keys.load(in, "changeit".toCharArray());
        }
        for (String alias : java.util.Collections.list(keys.aliases())) {
            if (!alias.equals("tls")) {
                keys.deleteEntry(alias);
            }
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            try {
                exchange.getRequestBody().readAllBytes();
                if (exchange.getRequestHeaders().getFirst("Authorization") == null) {
                    // The challenge a real vault sends, naming the emulator's tenant.
                    exchange.getResponseHeaders()
                            .set(
                                    "WWW-Authenticate",
                                    "Bearer authorization=\""
                                            + emulator.authorityHost() + "/" + emulator.tenantId()
                                            + "\", resource=\"https://vault.azure.net\"");
                    exchange.sendResponseHeaders(401, -1);
                    return;
                }
                behaviour.accept(exchange);
            } catch (IOException | RuntimeException e) {
                // The client hung up on us, as it should.
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String url() {
        return "https://127.0.0.1:" + server.getAddress().getPort();
    }

    private KeyVault operatorVault() {
        AzureClientOptions options = EmulatedVault.options(emulator)
                .withRetries(AzureClientOptions.Retries.none())
                .withTimeouts(Duration.ofSeconds(2), CALL_TIMEOUT)
                .withMaxResponseBytes(MAX_BODY);
        return EmulatedVault.connect(
                emulator,
                options,
                new VaultCredentials.ClientSecret(
                        emulator.tenantId(), EmulatedVault.CLIENT_ID, EmulatedVault.CLIENT_SECRET));
    }

    private void send(HttpExchange exchange, int status, long declaredLength, byte[] chunk, long repeat, Duration pause)
            throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, declaredLength);
        try (OutputStream out = exchange.getResponseBody()) {
            for (long i = 0; i < repeat; i++) {
                out.write(chunk);
                out.flush();
                bytesSent.addAndGet(chunk.length);
                if (!pause.isZero()) {
                    sleep(pause);
                }
            }
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aDripFedAnswerIsCutOffAtTheCallDeadline() {
        // One byte every 200 ms: no single read ever waits long, so only a deadline for the whole call stops it.
        behaviour = ex -> {
            try {
                send(ex, 200, 0, new byte[] {' '}, 10_000, Duration.ofMillis(200));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        KeyVault vault = operatorVault();

        long started = System.nanoTime();
        var e = assertThrows(VaultException.class, () -> vault.getKey(KeyReference.of(url(), "ca", null)));
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertEquals(VaultException.Kind.UNAVAILABLE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("--vault-call-timeout"), e.getMessage());
        assertTrue(took.compareTo(CALL_TIMEOUT.plusSeconds(3)) < 0, "cut off after " + took);
        assertTrue(bytesSent.get() > 3, "the server was dripping: " + bytesSent.get());
    }

    @Test
    void aHugeChunkedAnswerIsRefusedWhileItIsRead() {
        byte[] megabyte = new byte[1024 * 1024];
        Arrays.fill(megabyte, (byte) ' ');
        behaviour = ex -> {
            try {
                send(ex, 200, 0, megabyte, 512, Duration.ZERO); // 512 MiB, chunked: no length up front
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        KeyVault vault = operatorVault();

        var e = assertThrows(VaultException.class, () -> vault.getKey(KeyReference.of(url(), "ca", null)));

        assertEquals(VaultException.Kind.INVALID, e.kind(), e.getMessage());
        assertTrue(
                e.getMessage().contains("more than " + MAX_BODY + " bytes (--vault-max-response-bytes)"),
                e.getMessage());
        sleep(Duration.ofMillis(500));
        assertTrue(
                bytesSent.get() < 64L * 1024 * 1024,
                "the client stopped reading early; the server sent " + bytesSent.get() + " bytes");
    }

    @Test
    void aDeclaredLengthOverTheCapIsRefusedBeforeTheBodyIsRead() {
        byte[] megabyte = new byte[1024 * 1024];
        behaviour = ex -> {
            try {
                send(ex, 200, 512L * 1024 * 1024, megabyte, 512, Duration.ZERO);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        KeyVault vault = operatorVault();

        var e = assertThrows(VaultException.class, () -> vault.getKey(KeyReference.of(url(), "ca", null)));

        assertEquals(VaultException.Kind.INVALID, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("--vault-max-response-bytes"), e.getMessage());
    }

    @Test
    void aKeyIdOfAnotherVaultIsRefused() throws Exception {
        String otherTeamsKey = "https://other-team.vault.azure.net/keys/team-b-ca/0123456789abcdef0123456789abcdef";
        behaviour = ex -> {
            try {
                send(ex, 200, 0, keyBundle(otherTeamsKey).getBytes(StandardCharsets.UTF_8), 1, Duration.ZERO);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        KeyVault vault = operatorVault();

        var e = assertThrows(VaultException.class, () -> vault.getKey(KeyReference.of(url(), "ca", null)));

        assertEquals(VaultException.Kind.INVALID, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(otherTeamsKey) && e.getMessage().contains("not that key"), e.getMessage());
    }

    @Test
    void aKeyIdOfAnotherKeyInTheSameVaultIsRefusedButTheNamedOneIsTaken() throws Exception {
        String[] answer = {url() + "/keys/other/0123456789abcdef0123456789abcdef"};
        behaviour = ex -> {
            try {
                send(ex, 200, 0, keyBundle(answer[0]).getBytes(StandardCharsets.UTF_8), 1, Duration.ZERO);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        KeyVault vault = operatorVault();
        KeyReference named = KeyReference.of(url(), "ca", null);

        assertEquals(
                VaultException.Kind.INVALID,
                assertThrows(VaultException.class, () -> vault.getKey(named)).kind());
        answer[0] = url() + "/keys/ca/0123456789abcdef0123456789abcdef";
        assertEquals(answer[0], vault.getKey(named).keyId(), "control: the key that was named is accepted");
    }

    private static String keyBundle(String kid) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        ECPublicKey key = (ECPublicKey) generator.generateKeyPair().getPublic();
        return "{\"key\":{\"kid\":\"" + kid + "\",\"kty\":\"EC\",\"crv\":\"P-256\",\"key_ops\":[\"sign\",\"verify\"],"
                + "\"x\":\"" + coordinate(key.getW().getAffineX()) + "\",\"y\":\""
                + coordinate(key.getW().getAffineY()) + "\"},\"attributes\":{\"enabled\":true}}";
    }

    private static String coordinate(BigInteger value) {
        byte[] raw = value.toByteArray();
        byte[] fixed = new byte[32];
        int copy = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - copy, fixed, 32 - copy, copy);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(fixed);
    }
}
