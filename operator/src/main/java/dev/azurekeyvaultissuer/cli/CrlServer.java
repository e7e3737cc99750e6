package dev.azurekeyvaultissuer.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.azurekeyvaultissuer.controller.CrlPublications;
import dev.azurekeyvaultissuer.pki.CertificateRevocationList;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves each issuer's CRL over plain HTTP, as relying parties fetch CRLs (RFC 5280 4.2.1.13; a CRL is signed and
 * public, and HTTPS would need a certificate that could itself only be checked against this CRL). Paths are
 * {@link CrlPublications#pathOf}. Answers are DER ({@code application/pkix-crl}) with caching headers: an ETag and
 * Last-Modified from the CRL, and a max-age of at most five minutes so that caches in front of the server pass on a
 * new revocation within minutes, never beyond the CRL's nextUpdate.
 */
public final class CrlServer implements AutoCloseable {

    static final Duration MAX_AGE = Duration.ofMinutes(5);
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private final HttpServer server;
    private final ExecutorService threads;

    private CrlServer(HttpServer server, ExecutorService threads) {
        this.server = server;
        this.threads = threads;
    }

    public static CrlServer start(String bindAddress, int port, CrlPublications publications, Clock clock)
            throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(bindAddress, port), 0);
        AtomicInteger n = new AtomicInteger();
        // A few threads of its own: a slow client never holds the reconcilers' threads or the health endpoint.
        ExecutorService threads = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "crl-server-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        server.createContext("/", exchange -> serve(exchange, publications, clock));
        server.start();
        return new CrlServer(server, threads);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void serve(HttpExchange exchange, CrlPublications publications, Clock clock) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                text(exchange, 405, "only GET and HEAD\n");
                return;
            }
            Optional<CertificateRevocationList> crl =
                    publications.byPath(exchange.getRequestURI().getRawPath());
            if (crl.isEmpty()) {
                text(
                        exchange,
                        404,
                        "no CRL at this path; paths are /crl/issuers/<namespace>/<name>.crl and "
                                + "/crl/clusterissuers/<name>.crl, for issuers with spec.revocation\n");
                return;
            }
            CertificateRevocationList list = crl.get();
            String etag = "\"crl-" + list.number() + "-" + list.thisUpdate().getEpochSecond() + "\"";
            long untilNext = Math.max(
                    0, Duration.between(clock.instant(), list.nextUpdate()).getSeconds());
            var headers = exchange.getResponseHeaders();
            headers.set("ETag", etag);
            headers.set("Last-Modified", HTTP_DATE.format(list.thisUpdate()));
            headers.set("Cache-Control", "public, no-transform, max-age=" + Math.min(untilNext, MAX_AGE.getSeconds()));
            if (etag.equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
                exchange.sendResponseHeaders(304, -1);
                return;
            }
            headers.set("Content-Type", "application/pkix-crl");
            byte[] der = list.der();
            if (method.equals("HEAD")) {
                headers.set("Content-Length", String.valueOf(der.length));
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, der.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(der);
            }
        }
    }

    private static void text(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
