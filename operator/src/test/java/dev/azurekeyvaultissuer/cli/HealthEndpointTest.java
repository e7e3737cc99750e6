package dev.azurekeyvaultissuer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** /readyz: 503 until the informers sync, then 200 for the leader and for a standby, whose body says which. */
class HealthEndpointTest {

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(HealthEndpoint endpoint, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readyzSaysWhetherThisReplicaLeadsOrStandsBy() throws Exception {
        AtomicBoolean ready = new AtomicBoolean();
        AtomicBoolean leader = new AtomicBoolean();
        try (HealthEndpoint endpoint =
                new HealthEndpoint("127.0.0.1", 0, () -> true, ready::get, leader::get, () -> "")) {
            assertEquals(503, get(endpoint, "/readyz").statusCode());
            assertEquals("not ready\n", get(endpoint, "/readyz").body());

            ready.set(true);
            HttpResponse<String> standby = get(endpoint, "/readyz");
            assertEquals(200, standby.statusCode(), "a standby is ready: rollouts count it as available");
            assertEquals("standby\n", standby.body());

            leader.set(true);
            HttpResponse<String> leading = get(endpoint, "/readyz");
            assertEquals(200, leading.statusCode());
            assertEquals("leader\n", leading.body());
            assertEquals("ok\n", get(endpoint, "/healthz").body());
        }
    }
}
