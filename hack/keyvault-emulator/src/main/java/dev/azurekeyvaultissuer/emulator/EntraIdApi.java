package dev.azurekeyvaultissuer.emulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The emulator's Entra ID, served on the authority host: the token endpoint (v2.0 and v1), OpenID configuration,
 * JWKS, instance discovery metadata, and two managed-identity endpoints (App Service style, IMDS style). The admin
 * endpoint lives on the same host under /admin.
 */
final class EntraIdApi implements HttpHandler {
    private static final Logger LOG = Logger.getLogger(EntraIdApi.class.getName());

    private final Directory directory;
    private final TokenService tokens;
    private final ClientAuthenticator authenticator;
    private final String identityHeader;
    private final HttpHandler admin;
    private volatile String authority;

    EntraIdApi(
            Directory directory,
            TokenService tokens,
            ClientAuthenticator authenticator,
            String identityHeader,
            HttpHandler admin) {
        this.directory = directory;
        this.tokens = tokens;
        this.authenticator = authenticator;
        this.identityHeader = identityHeader;
        this.admin = admin;
    }

    void setAuthority(String authority) {
        this.authority = authority;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        List<String> s = ApiRequest.segments(exchange.getRequestURI().getRawPath()).stream()
                .filter(x -> !x.isEmpty())
                .toList();
        String method = exchange.getRequestMethod();
        try {
            if (!s.isEmpty() && s.get(0).equals("admin")) {
                admin.handle(exchange);
                return;
            }
            String path = String.join("/", s);
            if (method.equals("GET") && path.equals("msi/token")) {
                managedIdentity(exchange, true);
            } else if (method.equals("GET")
                    && (path.equals("metadata/identity/oauth2/token")
                            // MSAL joins AZURE_POD_IDENTITY_AUTHORITY_HOST and "/metadata/..." with a double slash,
                            // which the
                            // server parses as an authority "metadata" followed by the path /identity/oauth2/token.
                            || path.equals("identity/oauth2/token"))) {
                managedIdentity(exchange, false);
            } else if (method.equals("GET") && path.equals("common/discovery/instance")) {
                HttpIo.send(exchange, 200, instanceDiscovery(), Map.of());
            } else if (s.size() >= 2
                    && method.equals("POST")
                    && (path.endsWith("/oauth2/v2.0/token") || path.endsWith("/oauth2/token"))) {
                token(exchange, s.get(0), path.endsWith("/oauth2/token"));
            } else if (method.equals("GET") && path.endsWith(".well-known/openid-configuration") && s.size() >= 3) {
                checkTenant(s.get(0));
                HttpIo.send(exchange, 200, openIdConfiguration(), Map.of());
            } else if (method.equals("GET")
                    && (path.endsWith("discovery/v2.0/keys") || path.endsWith("discovery/keys"))) {
                HttpIo.send(exchange, 200, tokens.jwks(), Map.of());
            } else {
                throw new OAuthError(
                        404,
                        "not_found",
                        90002,
                        "keyvault-emulator's Entra ID does not serve " + method + " /" + path + ".");
            }
        } catch (OAuthError e) {
            HttpIo.send(exchange, e.status(), e.body(), Map.of());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "keyvault-emulator: token endpoint error", e);
            HttpIo.send(exchange, 500, new OAuthError(500, "server_error", 90033, e.toString()).body(), Map.of());
        }
    }

    private void checkTenant(String tenant) {
        if (!tenant.equals(directory.tenantId())) {
            throw new OAuthError(
                    400,
                    "invalid_request",
                    90002,
                    "Tenant '" + tenant + "' not found. Check to make sure you"
                            + " have the correct tenant ID and are signing into the correct cloud. (keyvault-emulator serves tenant "
                            + directory.tenantId() + ")");
        }
    }

    private void token(HttpExchange exchange, String tenant, boolean v1) throws IOException {
        checkTenant(tenant);
        Map<String, String> form = ApiRequest.query(new String(HttpIo.readBody(exchange), StandardCharsets.UTF_8));
        String grant = form.get("grant_type");
        if (!"client_credentials".equals(grant)) {
            throw new OAuthError(
                    400,
                    "unsupported_grant_type",
                    70003,
                    "The app requested an unsupported grant type '" + grant
                            + "'. keyvault-emulator supports client_credentials only.");
        }
        String audience = v1 ? form.get("resource") : audienceOf(form.get("scope"));
        if (audience == null || audience.isBlank()) {
            throw new OAuthError(
                    400,
                    "invalid_scope",
                    1002012,
                    "The provided value for scope " + form.get("scope")
                            + " is not valid. Client credential flows must have a scope value with /.default suffixed to the resource"
                            + " identifier (application ID URI).");
        }
        String base = authority + "/" + tenant;
        ClientAuthenticator.Result result =
                authenticator.authenticate(form, base + (v1 ? "/oauth2/token" : "/oauth2/v2.0/token"), base);
        TokenService.Token token = tokens.issue(result.client(), audience, result.appidacr(), null);
        ObjectNode out = Json.object();
        out.put("token_type", "Bearer");
        out.put("expires_in", token.expiresInSeconds());
        out.put("ext_expires_in", token.expiresInSeconds());
        if (v1) {
            out.put("expires_on", token.expiresOn().getEpochSecond());
            out.put("resource", audience);
        }
        out.put("access_token", token.value());
        HttpIo.send(exchange, 200, out, Map.of());
    }

    /** "https://vault.azure.net/.default" gives audience https://vault.azure.net. */
    static String audienceOf(String scope) {
        if (scope == null) {
            return null;
        }
        for (String s : scope.trim().split("\\s+")) {
            if (s.endsWith("/.default")) {
                return s.substring(0, s.length() - "/.default".length());
            }
        }
        return null;
    }

    private void managedIdentity(HttpExchange exchange, boolean appService) throws IOException {
        Map<String, String> q = ApiRequest.query(exchange.getRequestURI().getRawQuery());
        if (appService) {
            String header = exchange.getRequestHeaders().getFirst("X-IDENTITY-HEADER");
            if (header == null || !header.equals(identityHeader)) {
                throw new OAuthError(401, "invalid_request", 90001, "X-IDENTITY-HEADER is missing or wrong.");
            }
        } else if (!"true".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Metadata"))) {
            throw new OAuthError(400, "invalid_request", 90001, "Required metadata header not specified");
        }
        String resource = q.get("resource");
        if (resource == null || resource.isBlank()) {
            throw new OAuthError(400, "invalid_request", 90014, "Required query variable 'resource' is missing");
        }
        ClientConfig identity = findIdentity(q);
        TokenService.Token token = tokens.issue(
                identity,
                resource.endsWith("/.default") ? resource.substring(0, resource.length() - 9) : resource,
                "2",
                null);
        ObjectNode out = Json.object();
        out.put("access_token", token.value());
        out.put("expires_on", Long.toString(token.expiresOn().getEpochSecond()));
        if (!appService) {
            out.put("expires_in", Long.toString(token.expiresInSeconds()));
            out.put("refresh_token", "");
            out.put("not_before", Long.toString(token.expiresOn().getEpochSecond() - token.expiresInSeconds()));
        }
        out.put("resource", resource);
        out.put("token_type", "Bearer");
        out.put("client_id", identity.clientId());
        HttpIo.send(exchange, 200, out, Map.of());
    }

    private ClientConfig findIdentity(Map<String, String> q) {
        String clientId = q.get("client_id");
        String objectId = q.containsKey("object_id") ? q.get("object_id") : q.get("principal_id");
        ClientConfig c;
        if (clientId != null) {
            c = directory.client(clientId);
        } else if (objectId != null) {
            c = directory.byObjectId(objectId);
        } else if (q.containsKey("mi_res_id") || q.containsKey("msi_res_id")) {
            String res = q.containsKey("mi_res_id") ? q.get("mi_res_id") : q.get("msi_res_id");
            c = directory.client(res.substring(res.lastIndexOf('/') + 1));
        } else {
            c = directory.defaultManagedIdentity();
        }
        if (c == null || !c.managedIdentity()) {
            throw new OAuthError(
                    400,
                    "invalid_request",
                    90015,
                    "Identity not found: no managed identity "
                            + (clientId != null
                                    ? "with client id " + clientId
                                    : objectId != null ? "with object id " + objectId : "is configured")
                            + " in keyvault-emulator.");
        }
        return c;
    }

    private ObjectNode openIdConfiguration() {
        String base = authority + "/" + directory.tenantId();
        ObjectNode n = Json.object();
        n.put("token_endpoint", base + "/oauth2/v2.0/token");
        ArrayNode methods = n.putArray("token_endpoint_auth_methods_supported");
        methods.add("client_secret_post").add("private_key_jwt").add("client_secret_basic");
        n.put("jwks_uri", base + "/discovery/v2.0/keys");
        n.putArray("response_modes_supported").add("query").add("fragment").add("form_post");
        n.putArray("subject_types_supported").add("pairwise");
        n.putArray("id_token_signing_alg_values_supported").add("RS256");
        n.putArray("response_types_supported")
                .add("code")
                .add("id_token")
                .add("code id_token")
                .add("id_token token");
        n.putArray("scopes_supported").add("openid").add("profile").add("email").add("offline_access");
        n.put("issuer", tokens.issuer());
        n.put("request_uri_parameter_supported", false);
        n.put("authorization_endpoint", base + "/oauth2/v2.0/authorize");
        n.put("device_authorization_endpoint", base + "/oauth2/v2.0/devicecode");
        n.put("http_logout_supported", true);
        n.put("frontchannel_logout_supported", true);
        n.put("end_session_endpoint", base + "/oauth2/v2.0/logout");
        n.putArray("claims_supported")
                .add("sub")
                .add("iss")
                .add("aud")
                .add("exp")
                .add("iat")
                .add("oid")
                .add("tid");
        n.put("tenant_region_scope", "EU");
        n.put("cloud_instance_name", "keyvault-emulator.local");
        n.put("cloud_graph_host_name", "graph.invalid");
        n.put("msgraph_host", "graph.invalid");
        return n;
    }

    private ObjectNode instanceDiscovery() {
        String host = authority.replaceFirst("^https://", "");
        ObjectNode n = Json.object();
        n.put(
                "tenant_discovery_endpoint",
                authority + "/" + directory.tenantId() + "/v2.0/.well-known/openid-configuration");
        n.put("api-version", "1.1");
        ObjectNode entry = Json.object();
        entry.put("preferred_network", host);
        entry.put("preferred_cache", host);
        entry.putArray("aliases").add(host);
        n.putArray("metadata").add(entry);
        return n;
    }
}
