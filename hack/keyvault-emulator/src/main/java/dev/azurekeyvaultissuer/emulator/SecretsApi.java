package dev.azurekeyvaultissuer.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/** The secrets endpoints of the data plane: set, get, list, versions, update, delete, deleted secrets. */
final class SecretsApi {
    private final VaultState vault;

    SecretsApi(VaultState vault) {
        this.vault = vault;
    }

    Route route(String method, List<String> s) {
        String collection = s.get(0);
        int n = s.size();
        if (collection.equals("secrets")) {
            if (n == 1) {
                return method.equals("GET") ? Route.of("listSecrets", "secrets", "list", this::list) : null;
            }
            String name = s.get(1);
            String third = n > 2 ? s.get(2) : "";
            if (n > 3) {
                return null;
            }
            if (method.equals("PUT") && n == 2) {
                return Route.of("setSecret", "secrets", "set", r -> set(r, name));
            }
            if (method.equals("GET") && third.equals("versions")) {
                return Route.of("listSecretVersions", "secrets", "list", r -> versions(r, name));
            }
            if (method.equals("GET")) {
                return Route.of("getSecret", "secrets", "get", r -> get(r, name, third));
            }
            if (method.equals("PATCH")) {
                return Route.of("updateSecret", "secrets", "set", r -> update(r, name, third));
            }
            if (method.equals("DELETE") && n == 2) {
                return Route.of("deleteSecret", "secrets", "delete", r -> delete(r, name));
            }
            return null;
        }
        if (collection.equals("deletedsecrets")) {
            if (n == 1 && method.equals("GET")) {
                return Route.of("listDeletedSecrets", "secrets", "list", r -> {
                    ArrayNode items = Json.array();
                    vault.secrets.mapDeleted(d -> items.add(deleted(r.baseUrl(), d, false)));
                    return Route.Response.ok(KeysApi.page(items));
                });
            }
            String name = s.get(1);
            if (n == 2 && method.equals("GET")) {
                return Route.of("getDeletedSecret", "secrets", "get", r -> {
                    VersionedStore.Deleted<SecretEntry> d = vault.secrets.deleted(name);
                    if (d == null) {
                        throw ErrorResponses.deletedNotFound("SecretNotFound", "secret", name);
                    }
                    return Route.Response.ok(deleted(r.baseUrl(), d, false));
                });
            }
            if (n == 2 && method.equals("DELETE")) {
                return Route.of("purgeDeletedSecret", "secrets", "delete", r -> {
                    if (!vault.secrets.purge(name)) {
                        throw ErrorResponses.deletedNotFound("SecretNotFound", "secret", name);
                    }
                    return new Route.Response(204, null);
                });
            }
            if (n == 3 && method.equals("POST") && s.get(2).equals("recover")) {
                return Route.of("recoverDeletedSecret", "secrets", "set", r -> {
                    VersionedStore.Deleted<SecretEntry> d = vault.secrets.recover(name);
                    if (d == null) {
                        throw ErrorResponses.deletedNotFound("SecretNotFound", "secret", name);
                    }
                    return Route.Response.ok(bundle(r.baseUrl(), d.latest(), false));
                });
            }
        }
        return null;
    }

    /** Stores a new version (REST and Java API). */
    SecretEntry setSecret(
            String name,
            String value,
            String contentType,
            Attributes attributes,
            Map<String, String> tags,
            String keyPath) {
        KeysApi.checkName(name);
        SecretEntry entry = new SecretEntry(
                name, KeyCrypto.newVersion(), value, contentType, attributes, tags, keyPath != null, keyPath);
        vault.secrets.add(entry);
        return entry;
    }

    private Route.Response set(ApiRequest r, String name) {
        JsonNode b = r.json();
        String value = Json.text(b, "value");
        if (value == null) {
            throw ErrorResponses.badParameter("Property 'value' is required.");
        }
        SecretEntry e = setSecret(
                name,
                value,
                Json.text(b, "contentType"),
                Attributes.fromRequest(b.get("attributes"), r.now()),
                Json.tags(b.get("tags")),
                null);
        return Route.Response.ok(bundle(r.baseUrl(), e, true));
    }

    private SecretEntry find(String name, String version) {
        SecretEntry e = vault.secrets.find(name, version);
        if (e == null) {
            throw ErrorResponses.secretNotFound(name, version);
        }
        return e;
    }

    private Route.Response get(ApiRequest r, String name, String version) {
        SecretEntry e = find(name, version);
        if (!e.attributes().enabled()) {
            throw ErrorResponses.disabled("get", "secret", "SecretDisabled");
        }
        return Route.Response.ok(bundle(r.baseUrl(), e, true));
    }

    private Route.Response list(ApiRequest r) {
        ArrayNode items = Json.array();
        vault.secrets.currentOfEach().forEach(e -> items.add(bundle(r.baseUrl(), e, false)));
        return Route.Response.ok(KeysApi.page(items));
    }

    private Route.Response versions(ApiRequest r, String name) {
        List<SecretEntry> versions = vault.secrets.versions(name);
        if (versions == null) {
            throw ErrorResponses.secretNotFound(name, null);
        }
        ArrayNode items = Json.array();
        versions.forEach(e -> items.add(bundle(r.baseUrl(), e, false)));
        return Route.Response.ok(KeysApi.page(items));
    }

    private Route.Response update(ApiRequest r, String name, String version) {
        SecretEntry e = find(name, version);
        JsonNode b = r.json();
        if (b.has("contentType")) {
            e.setContentType(Json.text(b, "contentType"));
        }
        e.attributes().apply(b.get("attributes"), r.now());
        if (b.has("tags") && !b.get("tags").isNull()) {
            e.setTags(Json.tags(b.get("tags")));
        }
        return Route.Response.ok(bundle(r.baseUrl(), e, false));
    }

    private Route.Response delete(ApiRequest r, String name) {
        SecretEntry current = vault.secrets.find(name, null);
        if (current != null && current.managed()) {
            throw new ApiException(
                    403,
                    "Forbidden",
                    "Secret " + name + " is managed by a certificate; delete the" + " certificate instead.",
                    "SecretManagedByCertificate");
        }
        VersionedStore.Deleted<SecretEntry> d = vault.secrets.delete(name, r.now());
        if (d == null) {
            throw ErrorResponses.secretNotFound(name, null);
        }
        return Route.Response.ok(deleted(r.baseUrl(), d, false));
    }

    static String id(String baseUrl, SecretEntry e) {
        return baseUrl + "/secrets/" + e.name() + "/" + e.version();
    }

    ObjectNode bundle(String baseUrl, SecretEntry e, boolean withValue) {
        ObjectNode out = Json.object();
        if (withValue) {
            out.put("value", e.value());
        }
        out.put("id", id(baseUrl, e));
        if (e.contentType() != null) {
            out.put("contentType", e.contentType());
        }
        out.set("attributes", e.attributes().toJson());
        out.set("tags", Json.tagsNode(e.tags()));
        if (e.managed()) {
            out.put("managed", true);
            if (withValue) {
                out.put("kid", baseUrl + "/" + e.keyPath());
            }
        }
        return out;
    }

    private ObjectNode deleted(String baseUrl, VersionedStore.Deleted<SecretEntry> d, boolean withValue) {
        ObjectNode out = bundle(baseUrl, d.latest(), withValue);
        KeysApi.addDeletion(out, baseUrl + "/deletedsecrets/" + d.name(), d.deletedDate());
        return out;
    }
}
