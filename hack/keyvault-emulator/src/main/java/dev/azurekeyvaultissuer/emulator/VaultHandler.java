package dev.azurekeyvaultissuer.emulator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The HTTPS entry point of one vault: challenge-based bearer authentication as the service does it, routing, call
 * counting, fault injection, access-policy checks, then the keys / secrets / certificates handlers.
 */
final class VaultHandler implements HttpHandler {
    private static final Logger LOG = Logger.getLogger(VaultHandler.class.getName());

    private final VaultState vault;
    private final TokenService tokens;
    private final Directory directory;
    private final String authority;
    private final Clock clock;
    private final Runnable onChange;
    private final KeysApi keys;
    private final SecretsApi secrets;
    private final CertificatesApi certificates;

    VaultHandler(
            VaultState vault,
            TokenService tokens,
            Directory directory,
            String authority,
            Clock clock,
            Runnable onChange) {
        this.vault = vault;
        this.tokens = tokens;
        this.directory = directory;
        this.authority = authority;
        this.clock = clock;
        this.onChange = onChange;
        this.keys = new KeysApi(vault);
        this.secrets = new SecretsApi(vault);
        this.certificates = new CertificatesApi(vault, keys);
    }

    KeysApi keys() {
        return keys;
    }

    SecretsApi secrets() {
        return secrets;
    }

    /** WWW-Authenticate value of a 401: where to get a token, and for which resource. */
    String challenge() {
        return "Bearer authorization=\"" + authority + "/" + directory.tenantId() + "\", resource=\"" + vault.resource()
                + "\"";
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("x-ms-request-id", UUID.randomUUID().toString());
        headers.put("x-ms-keyvault-service-version", "1.9.0.0 (keyvault-emulator)");
        headers.put("x-ms-keyvault-region", "local-emulator");
        String clientRequestId = exchange.getRequestHeaders().getFirst("x-ms-client-request-id");
        if (clientRequestId != null) {
            headers.put("x-ms-client-request-id", clientRequestId);
        }
        try {
            ApiRequest request = new ApiRequest(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(),
                    exchange.getRequestURI().getRawQuery(),
                    vault.baseUrl(),
                    clock.instant());
            request.setPrincipal(authenticate(exchange));
            Route route = route(request);
            vault.calls.increment(route.operation());
            vault.injector.apply(route.operation(), route.throttleClass(), vault.calls);
            if (vault.managedHsm() && !route.collection().equals("keys")) {
                throw ErrorResponses.notSupportedOnManagedHsm(route.collection());
            }
            authorize(request, route);
            request.setBody(HttpIo.readBody(exchange));
            Route.Response response = route.handler().handle(request);
            if (route.mutates()) {
                onChange.run();
            }
            HttpIo.send(exchange, response.status(), response.body(), headers);
        } catch (ApiException e) {
            headers.putAll(e.headers());
            if (e.status() == 401) {
                headers.put("WWW-Authenticate", challenge());
            }
            HttpIo.send(
                    exchange,
                    e.status(),
                    e.emptyBody() ? null : ErrorResponses.body(e),
                    "application/json; charset=utf-8",
                    headers);
        } catch (FaultInjector.ConnectionReset e) {
            exchange.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.close();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "keyvault-emulator: unexpected error", e);
            ApiException err = new ApiException(500, "InternalServerError", "keyvault-emulator failed: " + e, null);
            HttpIo.send(exchange, 500, ErrorResponses.body(err), "application/json; charset=utf-8", headers);
        }
    }

    private Principal authenticate(HttpExchange exchange) {
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        if (auth == null
                || !auth.regionMatches(true, 0, "Bearer ", 0, 7)
                || auth.substring(7).isBlank()) {
            vault.calls.increment("unauthenticated");
            // A Managed HSM answers the challenge with an empty body; a vault with AKV10000.
            throw new ApiException(
                    401,
                    "Unauthorized",
                    "AKV10000: Request is missing a Bearer or PoP token.",
                    null,
                    vault.managedHsm());
        }
        try {
            return tokens.verify(auth.substring(7).trim(), vault.resource());
        } catch (ApiException e) {
            vault.calls.increment("unauthenticated");
            throw e;
        }
    }

    private Route route(ApiRequest request) {
        List<String> s = request.segments();
        if (s.isEmpty()) {
            throw ErrorResponses.routeNotFound(request.method(), request.path());
        }
        Route route = switch (s.get(0)) {
            case "keys", "deletedkeys" -> keys.route(request.method(), s);
            case "secrets", "deletedsecrets" -> secrets.route(request.method(), s);
            case "certificates", "deletedcertificates" -> certificates.route(request.method(), s);
            default -> null;
        };
        if (route == null) {
            throw ErrorResponses.routeNotFound(request.method(), request.path());
        }
        return route;
    }

    private void authorize(ApiRequest request, Route route) {
        Principal p = request.principal();
        if (!directory.permissions(vault.name(), p).allows(route.collection(), route.permission())) {
            throw vault.managedHsm()
                    ? ErrorResponses.forbiddenByRbac(p, route.collection(), route.permission(), request.path())
                    : ErrorResponses.forbiddenByPolicy(p, route.collection(), route.permission(), vault.name());
        }
    }
}
