package dev.azurekeyvaultissuer.controller;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.certmanager.api.model.v1.CertificateRequest;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API calls the issuer check and the request controller make, served over HTTP on 127.0.0.1 so that a real
 * fabric8 client talks to it: GET of a Secret (the issuer's credentials), server-side apply of a CertificateRequest's
 * status (recorded, see {@link #statusPatches}) and POST of a core/v1 Event, which is validated as kube-apiserver does
 * for the namespace. Anything else answers 404 and is counted, so a test notices a call it did not expect (a list or
 * watch of Secrets, say), as is an Event the API server would reject.
 */
final class FakeKubernetesApi implements AutoCloseable {

    private static final Pattern SECRET = Pattern.compile("/api/v1/namespaces/([^/]+)/secrets/([^/?]+)");
    private static final Pattern EVENTS = Pattern.compile("/api/v1/namespaces/([^/]+)/events");
    private static final Pattern REQUEST_STATUS =
            Pattern.compile("/apis/cert-manager.io/v1/namespaces/([^/]+)/certificaterequests/([^/?]+)/status");

    private final HttpServer server;
    private final Map<String, Secret> secrets = new ConcurrentHashMap<>();
    private final List<Event> events = new ArrayList<>();
    private final List<String> secretReads = new ArrayList<>();
    private final List<CertificateRequest> statusPatches = new ArrayList<>();
    private final List<String> unexpected = new ArrayList<>();
    private final KubernetesClient client;

    FakeKubernetesApi() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.start();
        Config config = new ConfigBuilder(Config.empty())
                .withMasterUrl("http://127.0.0.1:" + server.getAddress().getPort())
                .withRequestRetryBackoffLimit(0)
                .build();
        client = new KubernetesClientBuilder().withConfig(config).build();
    }

    KubernetesClient client() {
        return client;
    }

    /** Stored as the API server returns it: stringData becomes base64 data. */
    void putSecret(String namespace, String name, Map<String, String> stringData) {
        Map<String, String> data = new HashMap<>();
        stringData.forEach(
                (k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        secrets.put(
                namespace + "/" + name,
                new SecretBuilder()
                        .withNewMetadata()
                        .withNamespace(namespace)
                        .withName(name)
                        .endMetadata()
                        .withData(data)
                        .build());
    }

    synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /** Each server-side apply of a CertificateRequest's status, as sent, in order. */
    synchronized List<CertificateRequest> statusPatches() {
        return List.copyOf(statusPatches);
    }

    /** namespace/name of each Secret read, in order. */
    synchronized List<String> secretReads() {
        return List.copyOf(secretReads);
    }

    synchronized List<String> unexpectedCalls() {
        return List.copyOf(unexpected);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            byte[] body = exchange.getRequestBody().readAllBytes();
            Matcher secret = SECRET.matcher(path);
            Matcher event = EVENTS.matcher(path);
            Matcher requestStatus = REQUEST_STATUS.matcher(path);
            if ("GET".equals(method) && secret.matches()) {
                String key = secret.group(1) + "/" + secret.group(2);
                synchronized (this) {
                    secretReads.add(key);
                }
                Secret found = secrets.get(key);
                if (found == null) {
                    respond(exchange, 404, notFound("secrets", secret.group(2)));
                } else {
                    respond(exchange, 200, Serialization.asJson(found));
                }
            } else if ("PATCH".equals(method)
                    && requestStatus.matches()
                    && String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type"))
                            .startsWith("application/apply-patch")) {
                CertificateRequest patch =
                        Serialization.unmarshal(new String(body, StandardCharsets.UTF_8), CertificateRequest.class);
                synchronized (this) {
                    statusPatches.add(patch);
                }
                respond(exchange, 200, Serialization.asJson(patch));
            } else if ("POST".equals(method) && event.matches()) {
                Event posted = Serialization.unmarshal(new String(body, StandardCharsets.UTF_8), Event.class);
                String invalid = invalidEvent(event.group(1), posted);
                if (invalid != null) {
                    synchronized (this) {
                        unexpected.add("rejected Event: " + invalid);
                    }
                    respond(
                            exchange,
                            422,
                            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                                    + "\"reason\":\"Invalid\",\"code\":422,\"message\":\"" + invalid + "\"}");
                    return;
                }
                synchronized (this) {
                    events.add(posted);
                }
                respond(exchange, 201, Serialization.asJson(posted));
            } else {
                synchronized (this) {
                    unexpected.add(method + " " + exchange.getRequestURI());
                }
                respond(exchange, 404, notFound("unknown", path));
            }
        }
    }

    /**
     * kube-apiserver's check of a core/v1 Event without eventTime (what EventRecorder writes): its namespace must be
     * the involved object's, and for a cluster-scoped object "default" (or none).
     */
    private static String invalidEvent(String pathNamespace, Event event) {
        String namespace = event.getMetadata().getNamespace();
        String involved = event.getInvolvedObject() == null
                ? null
                : event.getInvolvedObject().getNamespace();
        if (namespace != null && !namespace.equals(pathNamespace)) {
            return "the namespace of the object does not match the namespace on the request";
        }
        boolean clusterScoped = involved == null || involved.isEmpty();
        if (event.getEventTime() == null
                && (clusterScoped ? !"default".equals(pathNamespace) : !involved.equals(pathNamespace))) {
            return "involvedObject.namespace " + involved + " does not match event.namespace " + pathNamespace;
        }
        return null;
    }

    private static String notFound(String resource, String name) {
        return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"NotFound\",\"code\":404,"
                + "\"message\":\"" + resource + " \\\"" + name + "\\\" not found\"}";
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        client.close();
        server.stop(0);
    }
}
