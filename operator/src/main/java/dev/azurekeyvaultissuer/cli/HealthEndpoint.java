package dev.azurekeyvaultissuer.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Liveness, readiness and Prometheus metrics over plain HTTP for the kubelet and scrapers; no secrets here. */
final class HealthEndpoint implements AutoCloseable {

    private final HttpServer server;

    /**
     * @param leader whether this replica leads; /readyz says "leader" or "standby" in its body. A standby is ready
     *     too (200): otherwise rollouts and the PodDisruptionBudget would count it as unavailable.
     */
    HealthEndpoint(
            String bindAddress,
            int port,
            BooleanSupplier live,
            BooleanSupplier ready,
            BooleanSupplier leader,
            Supplier<String> metrics)
            throws IOException {
        server = HttpServer.create(new InetSocketAddress(bindAddress, port), 0);
        server.createContext("/healthz", ex -> answer(ex, live.getAsBoolean() ? 200 : 503, "ok\n"));
        server.createContext("/readyz", ex -> {
            if (!ready.getAsBoolean()) {
                answer(ex, 503, "not ready\n");
            } else {
                answer(ex, 200, leader.getAsBoolean() ? "leader\n" : "standby\n");
            }
        });
        server.createContext("/metrics", ex -> answer(ex, 200, metrics.get()));
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
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
    }
}
