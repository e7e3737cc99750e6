package dev.azurekeyvaultissuer.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** The keys endpoints of the data plane: create, get, list, versions, update, delete, sign, verify, deleted keys. */
final class KeysApi {
    static final Pattern NAME = Pattern.compile("^[0-9a-zA-Z-]{1,127}$");
    private static final Set<String> KEY_OPS =
            Set.of("encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey", "import", "export");

    private final VaultState vault;

    KeysApi(VaultState vault) {
        this.vault = vault;
    }

    Route route(String method, List<String> s) {
        String collection = s.get(0);
        int n = s.size();
        if (collection.equals("keys")) {
            if (n == 1) {
                return method.equals("GET") ? Route.of("listKeys", "keys", "list", this::list) : null;
            }
            String name = s.get(1);
            String third = n > 2 ? s.get(2) : "";
            if (n <= 3) {
                if (method.equals("POST") && third.equals("create")) {
                    return Route.of("createKey", "keys", "create", r -> create(r, name));
                }
                if (method.equals("GET") && third.equals("versions")) {
                    return Route.of("listKeyVersions", "keys", "list", r -> versions(r, name));
                }
                if (method.equals("GET")) {
                    return Route.of(
                            "getKey", "keys", "get", r -> Route.Response.ok(bundle(r.baseUrl(), find(name, third))));
                }
                if (method.equals("PATCH")) {
                    return Route.of("updateKey", "keys", "update", r -> update(r, name, third));
                }
                if (method.equals("DELETE") && n == 2) {
                    return Route.of("deleteKey", "keys", "delete", r -> delete(r, name));
                }
                return null;
            }
            if (n == 4
                    && method.equals("POST")
                    && (s.get(3).equals("sign") || s.get(3).equals("verify"))) {
                String op = s.get(3);
                KeyEntry key = vault.keys.find(name, third);
                String throttleClass = key == null ? "other" : ThrottleLimits.classOf(key.type());
                return new Route(
                        op,
                        "keys",
                        op,
                        throttleClass,
                        op.equals("sign") ? r -> sign(r, name, third) : r -> verify(r, name, third));
            }
            return null;
        }
        if (collection.equals("deletedkeys")) {
            if (n == 1 && method.equals("GET")) {
                return Route.of("listDeletedKeys", "keys", "list", r -> {
                    ArrayNode items = Json.array();
                    vault.keys.mapDeleted(d -> items.add(deletedItem(r.baseUrl(), d)));
                    return Route.Response.ok(page(items));
                });
            }
            String name = s.get(1);
            if (n == 2 && method.equals("GET")) {
                return Route.of(
                        "getDeletedKey",
                        "keys",
                        "get",
                        r -> Route.Response.ok(deletedBundle(r.baseUrl(), deleted(name))));
            }
            if (n == 2 && method.equals("DELETE")) {
                return Route.of("purgeDeletedKey", "keys", "delete", r -> {
                    if (!vault.keys.purge(name)) {
                        throw ErrorResponses.deletedNotFound("KeyNotFound", "key", name);
                    }
                    return new Route.Response(204, null);
                });
            }
            if (n == 3 && method.equals("POST") && s.get(2).equals("recover")) {
                return Route.of("recoverDeletedKey", "keys", "create", r -> {
                    VersionedStore.Deleted<KeyEntry> d = vault.keys.recover(name);
                    if (d == null) {
                        throw ErrorResponses.deletedNotFound("KeyNotFound", "key", name);
                    }
                    return Route.Response.ok(bundle(r.baseUrl(), d.latest()));
                });
            }
        }
        return null;
    }

    KeyEntry find(String name, String version) {
        KeyEntry k = vault.keys.find(name, version);
        if (k == null) {
            throw ErrorResponses.keyNotFound(name, version);
        }
        return k;
    }

    private VersionedStore.Deleted<KeyEntry> deleted(String name) {
        VersionedStore.Deleted<KeyEntry> d = vault.keys.deleted(name);
        if (d == null) {
            throw ErrorResponses.deletedNotFound("KeyNotFound", "key", name);
        }
        return d;
    }

    /** Creates a new version of a key (REST and Java API). In a Managed HSM every key is HSM-protected. */
    KeyEntry createKey(
            String name,
            KeyType type,
            List<String> keyOps,
            Attributes attributes,
            Map<String, String> tags,
            boolean managed) {
        checkName(name);
        if (keyOps != null) {
            keyOps.forEach(KeysApi::checkKeyOp);
        }
        KeyType actual = vault.managedHsm() ? type.asHsm() : type;
        KeyEntry entry = new KeyEntry(
                name, KeyCrypto.newVersion(), actual, KeyCrypto.generate(actual), keyOps, attributes, tags, managed);
        vault.keys.add(entry);
        return entry;
    }

    private Route.Response create(ApiRequest r, String name) {
        JsonNode b = r.json();
        KeyType type = KeyType.of(
                Json.text(b, "kty"),
                b.hasNonNull("key_size") ? b.get("key_size").asInt() : null,
                Json.text(b, "crv"));
        if (b.path("attributes").path("exportable").asBoolean(false)) {
            throw ErrorResponses.badParameter(
                    "Exportable keys are not supported by keyvault-emulator: keys never leave" + " the vault.");
        }
        KeyEntry entry = createKey(
                name,
                type,
                b.has("key_ops") ? Json.strings(b.get("key_ops")) : null,
                Attributes.fromRequest(b.get("attributes"), r.now()),
                Json.tags(b.get("tags")),
                false);
        return Route.Response.ok(bundle(r.baseUrl(), entry));
    }

    private Route.Response list(ApiRequest r) {
        ArrayNode items = Json.array();
        vault.keys.currentOfEach().forEach(k -> items.add(item(r.baseUrl(), k)));
        return Route.Response.ok(page(items));
    }

    private Route.Response versions(ApiRequest r, String name) {
        List<KeyEntry> versions = vault.keys.versions(name);
        if (versions == null) {
            throw ErrorResponses.keyNotFound(name, null);
        }
        ArrayNode items = Json.array();
        versions.forEach(k -> items.add(item(r.baseUrl(), k)));
        return Route.Response.ok(page(items));
    }

    private Route.Response update(ApiRequest r, String name, String version) {
        KeyEntry k = find(name, version);
        JsonNode b = r.json();
        if (b.has("key_ops") && !b.get("key_ops").isNull()) {
            List<String> ops = Json.strings(b.get("key_ops"));
            ops.forEach(KeysApi::checkKeyOp);
            k.setKeyOps(ops);
        }
        k.attributes().apply(b.get("attributes"), r.now());
        if (b.has("tags") && !b.get("tags").isNull()) {
            k.setTags(Json.tags(b.get("tags")));
        }
        return Route.Response.ok(bundle(r.baseUrl(), k));
    }

    private Route.Response delete(ApiRequest r, String name) {
        if (vault.keys.find(name, null) != null && vault.keys.find(name, null).managed()) {
            throw new ApiException(
                    403,
                    "Forbidden",
                    "Key " + name + " is managed by a certificate; delete the" + " certificate instead.",
                    "KeyManagedByCertificate");
        }
        VersionedStore.Deleted<KeyEntry> d = vault.keys.delete(name, r.now());
        if (d == null) {
            throw ErrorResponses.keyNotFound(name, null);
        }
        return Route.Response.ok(deletedBundle(r.baseUrl(), d));
    }

    private Route.Response sign(ApiRequest r, String name, String version) {
        KeyEntry k = find(name, version);
        JsonNode b = r.json();
        String alg = Json.text(b, "alg");
        byte[] digest = base64Url(b, "value");
        KeyCrypto.check(k.type(), alg, digest, "value");
        k.checkCanSign(r.now());
        byte[] signature = KeyCrypto.sign(k.type(), k.keyPair().getPrivate(), alg, digest);
        ObjectNode out = Json.object().put("kid", kid(r.baseUrl(), k)).put("value", Json.b64url(signature));
        return Route.Response.ok(out);
    }

    private Route.Response verify(ApiRequest r, String name, String version) {
        KeyEntry k = find(name, version);
        JsonNode b = r.json();
        String alg = Json.text(b, "alg");
        byte[] digest = base64Url(b, "digest");
        byte[] signature = base64Url(b, "value");
        KeyCrypto.check(k.type(), alg, digest, "digest");
        k.checkOperationPermitted("verify");
        boolean valid = KeyCrypto.verify(k.type(), k.keyPair().getPublic(), alg, digest, signature);
        return Route.Response.ok(Json.object().put("value", valid));
    }

    private static byte[] base64Url(JsonNode body, String field) {
        String v = Json.text(body, field);
        if (v == null) {
            throw ErrorResponses.badParameter("Property '" + field + "' is required.");
        }
        try {
            return Json.fromB64url(v);
        } catch (IllegalArgumentException e) {
            throw ErrorResponses.badParameter("Property '" + field + "' is not valid base64url.");
        }
    }

    static void checkName(String name) {
        if (!NAME.matcher(name).matches()) {
            throw ErrorResponses.badParameter("The request URI contains an invalid name: " + name);
        }
    }

    private static void checkKeyOp(String op) {
        if (!KEY_OPS.contains(op)) {
            throw ErrorResponses.badParameter("Invalid key operation '" + op + "'.");
        }
    }

    static String kid(String baseUrl, KeyEntry k) {
        return baseUrl + "/keys/" + k.name() + "/" + k.version();
    }

    static ObjectNode page(ArrayNode items) {
        ObjectNode page = Json.object();
        page.set("value", items);
        page.putNull("nextLink");
        return page;
    }

    private ObjectNode attributes(KeyEntry k) {
        ObjectNode a = k.attributes().toJson();
        a.put("exportable", false);
        if (vault.managedHsm()) {
            a.put("recoveryLevel", "Recoverable+Purgeable");
            a.put("hsmPlatform", "2");
        }
        return a;
    }

    ObjectNode bundle(String baseUrl, KeyEntry k) {
        ObjectNode jwk = Json.object();
        jwk.put("kid", kid(baseUrl, k));
        jwk.put("kty", k.type().kty());
        ArrayNode ops = jwk.putArray("key_ops");
        k.keyOps().forEach(ops::add);
        KeyCrypto.putPublicJwk(jwk, k.type(), k.keyPair().getPublic());
        ObjectNode out = Json.object();
        out.set("key", jwk);
        out.set("attributes", attributes(k));
        out.set("tags", Json.tagsNode(k.tags()));
        if (k.managed()) {
            out.put("managed", true);
        }
        return out;
    }

    private ObjectNode item(String baseUrl, KeyEntry k) {
        ObjectNode out = Json.object();
        out.put("kid", kid(baseUrl, k));
        out.set("attributes", attributes(k));
        out.set("tags", Json.tagsNode(k.tags()));
        if (k.managed()) {
            out.put("managed", true);
        }
        return out;
    }

    private ObjectNode deletedBundle(String baseUrl, VersionedStore.Deleted<KeyEntry> d) {
        ObjectNode out = bundle(baseUrl, d.latest());
        addDeletion(out, baseUrl + "/deletedkeys/" + d.name(), d.deletedDate());
        return out;
    }

    private ObjectNode deletedItem(String baseUrl, VersionedStore.Deleted<KeyEntry> d) {
        ObjectNode out = item(baseUrl, d.latest());
        addDeletion(out, baseUrl + "/deletedkeys/" + d.name(), d.deletedDate());
        return out;
    }

    static void addDeletion(ObjectNode out, String recoveryId, Instant deletedDate) {
        out.put("recoveryId", recoveryId);
        out.put("deletedDate", deletedDate.getEpochSecond());
        out.put("scheduledPurgeDate", deletedDate.plus(Duration.ofDays(90)).getEpochSecond());
    }
}
