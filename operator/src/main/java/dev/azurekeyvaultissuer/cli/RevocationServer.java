package dev.azurekeyvaultissuer.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.azurekeyvaultissuer.controller.RevocationPublications;
import dev.azurekeyvaultissuer.pki.CertificateRevocationList;
import dev.azurekeyvaultissuer.pki.OcspResponder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves each issuer's CRL and OCSP responder over plain HTTP, as relying parties fetch them (RFC 5280 4.2.1.13,
 * RFC 6960 appendix A; both are signed and public, and HTTPS would need a certificate that could itself only be
 * checked against them). CRLs are at {@link RevocationPublications#pathOf}: DER ({@code application/pkix-crl}) with
 * caching headers, an ETag and Last-Modified from the CRL and a max-age of at most five minutes, so that caches in
 * front of the server pass on a new revocation within minutes and never beyond the CRL's nextUpdate. OCSP is at
 * {@link RevocationPublications#ocspPathOf}: POST a DER request, or GET with the base64 request appended as one path
 * segment. Nothing here calls the vault.
 */
public final class RevocationServer implements AutoCloseable {

    static final Duration MAX_AGE = Duration.ofMinutes(5);
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private final HttpServer server;
    private final ExecutorService threads;

    private RevocationServer(HttpServer server, ExecutorService threads) {
        this.server = server;
        this.threads = threads;
    }

    public static RevocationServer start(String bindAddress, int port, RevocationPublications publications, Clock clock)
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
        server.createContext("/ocsp/", exchange -> ocsp(exchange, publications, clock));
        server.createContext("/", exchange -> serve(exchange, publications, clock));
        server.start();
        return new RevocationServer(server, threads);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void serve(HttpExchange exchange, RevocationPublications publications, Clock clock)
            throws IOException {
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
            var headers = exchange.getResponseHeaders();
            headers.set("ETag", etag);
            headers.set("Last-Modified", HTTP_DATE.format(list.thisUpdate()));
            headers.set("Cache-Control", cacheable(list, clock));
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

    /** The largest OCSP request read: a request for {@link OcspResponder#MAX_REQUESTS} certificates is far smaller. */
    static final int MAX_OCSP_REQUEST_BYTES = 8 * 1024;

    private static void ocsp(HttpExchange exchange, RevocationPublications publications, Clock clock)
            throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            byte[] request;
            String responder;
            if (method.equals("POST")) {
                responder = path;
                request = exchange.getRequestBody().readNBytes(MAX_OCSP_REQUEST_BYTES + 1);
            } else if (method.equals("GET")) {
                int slash = path.lastIndexOf('/');
                responder = path.substring(0, Math.max(0, slash));
                try {
                    request = Base64.getDecoder()
                            .decode(URLDecoder.decode(
                                    path.substring(slash + 1).replace("+", "%2B"), StandardCharsets.US_ASCII));
                } catch (IllegalArgumentException e) {
                    text(exchange, 400, "a GET request is /ocsp/<issuer path>/<base64 DER OCSP request>\n");
                    return;
                }
            } else {
                exchange.getResponseHeaders().set("Allow", "GET, POST");
                text(exchange, 405, "only GET and POST\n");
                return;
            }
            if (request.length > MAX_OCSP_REQUEST_BYTES) {
                text(exchange, 413, "OCSP request too large\n");
                return;
            }
            Optional<RevocationPublications.OcspAnswer> answer = publications.ocsp(responder, request, clock.instant());
            if (answer.isEmpty()) {
                text(
                        exchange,
                        404,
                        "no OCSP responder at this path; paths are /ocsp/issuers/<namespace>/<name> and "
                                + "/ocsp/clusterissuers/<name>, for issuers with spec.revocation\n");
                return;
            }
            byte[] body = answer.get().response();
            var headers = exchange.getResponseHeaders();
            headers.set("Content-Type", "application/ocsp-response");
            if (method.equals("GET")) {
                headers.set("Cache-Control", cacheable(answer.get().crl(), clock));
            } else {
                headers.set("Cache-Control", "no-store");
            }
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Cacheable for at most {@link #MAX_AGE}, and never beyond the list's nextUpdate. */
    private static String cacheable(CertificateRevocationList crl, Clock clock) {
        long untilNext =
                Math.max(0, Duration.between(clock.instant(), crl.nextUpdate()).getSeconds());
        return "public, no-transform, max-age=" + Math.min(untilNext, MAX_AGE.getSeconds());
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
