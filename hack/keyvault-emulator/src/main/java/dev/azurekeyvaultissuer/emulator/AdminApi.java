package dev.azurekeyvaultissuer.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * The admin endpoint (on the authority host, under /admin, "Authorization: Bearer ADMIN_TOKEN"): scripts and tests
 * arrange state and faults at run time without going through the Key Vault API.
 *
 * <pre>
 * GET    /admin                                  emulator.json content
 * GET    /admin/vaults/{vault}/calls             call counters    DELETE: reset (DELETE /admin/calls: all vaults)
 * GET    /admin/vaults/{vault}/faults            fault settings   PUT/POST: apply JSON (see Faults.apply)  DELETE: clear
 * POST   /admin/vaults/{vault}/keys              {"name","type":"RSA_2048","keyOps":[..]} -> {"kid"}
 * PATCH  /admin/vaults/{vault}/keys/{name}       {"enabled",  "nbf", "exp" (epoch seconds or null), "keyOps"}
 * PUT    /admin/vaults/{vault}/secrets/{name}    {"value","contentType"} -> {"id"}
 * PUT    /admin/clients/{id}/permissions         {"keys":[..],"secrets":[..],"certificates":[..],"vault":optional}
 * POST   /admin/tokens                           {"clientId","audience","lifetimeSeconds"} -> {"access_token"}
 * PUT    /admin/token-lifetime                   {"seconds": n}
 * </pre>
 */
final class AdminApi implements HttpHandler {
    private final KeyVaultEmulator emulator;

    AdminApi(KeyVaultEmulator emulator) {
        this.emulator = emulator;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            if (auth == null || !auth.equals("Bearer " + emulator.adminToken())) {
                throw ErrorResponses.unauthorized(
                        "The admin endpoint needs 'Authorization: Bearer <adminToken>' (see" + " emulator.json).");
            }
            List<String> s = ApiRequest.segments(exchange.getRequestURI().getRawPath());
            String method = exchange.getRequestMethod();
            JsonNode body = Json.parse(HttpIo.readBody(exchange));
            JsonNode out = dispatch(method, s, body);
            HttpIo.send(exchange, out == null ? 204 : 200, out, Map.of());
        } catch (ApiException e) {
            HttpIo.send(exchange, e.status(), ErrorResponses.body(e), "application/json; charset=utf-8", Map.of());
        } catch (IllegalArgumentException | IllegalStateException e) {
            ApiException err = ErrorResponses.badParameter(e.getMessage());
            HttpIo.send(exchange, 400, ErrorResponses.body(err), "application/json; charset=utf-8", Map.of());
        }
    }

    private JsonNode dispatch(String method, List<String> s, JsonNode body) {
        int n = s.size();
        if (n == 1 && method.equals("GET")) {
            return emulator.info();
        }
        if (n == 2 && s.get(1).equals("calls") && method.equals("DELETE")) {
            emulator.resetCalls();
            return null;
        }
        if (n == 2 && s.get(1).equals("tokens") && method.equals("POST")) {
            String token = emulator.issueToken(
                    body.path("clientId").asText(),
                    body.path("audience").asText(VaultState.VAULT_RESOURCE),
                    Duration.ofSeconds(body.path("lifetimeSeconds").asLong(3600)));
            return Json.object().put("access_token", token);
        }
        if (n == 2 && s.get(1).equals("token-lifetime") && method.equals("PUT")) {
            emulator.setTokenLifetime(Duration.ofSeconds(body.path("seconds").asLong()));
            return null;
        }
        if (n == 4 && s.get(1).equals("clients") && s.get(3).equals("permissions") && method.equals("PUT")) {
            Permissions p = Permissions.of(
                    new HashSet<>(Json.strings(body.get("keys"))),
                    new HashSet<>(Json.strings(body.get("secrets"))),
                    new HashSet<>(Json.strings(body.get("certificates"))));
            String vault = Json.text(body, "vault");
            if (vault == null) {
                emulator.setPermissions(s.get(2), p);
            } else {
                emulator.setPermissions(vault, s.get(2), p);
            }
            return null;
        }
        if (n >= 4 && s.get(1).equals("vaults")) {
            String vault = s.get(2);
            String what = s.get(3);
            if (what.equals("calls") && n == 4) {
                if (method.equals("DELETE")) {
                    emulator.resetCalls(vault);
                    return null;
                }
                ObjectNode out = Json.object();
                emulator.calls(vault).forEach(out::put);
                return out;
            }
            if (what.equals("faults") && n == 4) {
                Faults f = emulator.faults(vault);
                switch (method) {
                    case "PUT", "POST" -> f.apply(body);
                    case "DELETE" -> f.clear();
                    default -> {}
                }
                return f.toJson();
            }
            if (what.equals("keys") && n == 4 && method.equals("POST")) {
                List<String> ops = body.has("keyOps") ? Json.strings(body.get("keyOps")) : null;
                String kid = emulator.createKey(
                        vault,
                        body.path("name").asText(),
                        KeyType.parse(body.path("type").asText("RSA_2048")),
                        ops == null ? null : ops.toArray(new String[0]));
                return Json.object().put("kid", kid);
            }
            if (what.equals("keys") && n == 5 && method.equals("PATCH")) {
                String name = s.get(4);
                if (body.has("enabled")) {
                    emulator.setKeyEnabled(vault, name, body.get("enabled").asBoolean());
                }
                if (body.has("nbf") || body.has("exp")) {
                    emulator.setKeyValidity(vault, name, epoch(body, "nbf"), epoch(body, "exp"));
                }
                if (body.has("keyOps")) {
                    emulator.setKeyOperations(
                            vault, name, Json.strings(body.get("keyOps")).toArray(new String[0]));
                }
                return Json.object().put("kid", emulator.keyId(vault, name));
            }
            if (what.equals("secrets") && n == 5 && method.equals("PUT")) {
                String id = emulator.setSecret(
                        vault, s.get(4), body.path("value").asText(), Json.text(body, "contentType"));
                return Json.object().put("id", id);
            }
        }
        throw ErrorResponses.routeNotFound(method, "/" + String.join("/", s));
    }

    private static Instant epoch(JsonNode body, String field) {
        return Json.epochSeconds(body, field);
    }
}
