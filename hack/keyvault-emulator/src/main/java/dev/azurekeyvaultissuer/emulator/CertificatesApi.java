package dev.azurekeyvaultissuer.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The certificates endpoints: create with issuer "Unknown" (a pending operation holding a CSR made from a new key
 * version, completed by a merge) or "Self" (self-signed at once); get the operation; merge; get, list, versions, policy,
 * update, delete. The key and secret of a certificate share its name and version, as in the service.
 */
final class CertificatesApi {
    private final VaultState vault;
    private final KeysApi keys;

    CertificatesApi(VaultState vault, KeysApi keys) {
        this.vault = vault;
        this.keys = keys;
    }

    Route route(String method, List<String> s) {
        String collection = s.get(0);
        int n = s.size();
        if (collection.equals("certificates")) {
            if (n == 1) {
                return method.equals("GET") ? Route.of("listCertificates", "certificates", "list", this::list) : null;
            }
            String name = s.get(1);
            String third = n > 2 ? s.get(2) : "";
            if (n == 3 && method.equals("POST") && third.equals("create")) {
                return Route.of("createCertificate", "certificates", "create", r -> create(r, name));
            }
            if (third.equals("pending")) {
                if (n == 3 && method.equals("GET")) {
                    return Route.of(
                            "getCertificateOperation",
                            "certificates",
                            "get",
                            r -> Route.Response.ok(operation(r.baseUrl(), pending(name))));
                }
                if (n == 3 && method.equals("PATCH")) {
                    return Route.of("updateCertificateOperation", "certificates", "update", r -> cancel(r, name));
                }
                if (n == 3 && method.equals("DELETE")) {
                    return Route.of("deleteCertificateOperation", "certificates", "delete", r -> {
                        PendingCertificate p = vault.pending.remove(name);
                        if (p == null) {
                            throw ErrorResponses.pendingCertificateNotFound(name);
                        }
                        return Route.Response.ok(operation(r.baseUrl(), p));
                    });
                }
                if (n == 4 && method.equals("POST") && s.get(3).equals("merge")) {
                    return Route.of("mergeCertificate", "certificates", "create", r -> merge(r, name));
                }
                return null;
            }
            if (n > 3) {
                return null;
            }
            if (method.equals("GET") && third.equals("versions")) {
                return Route.of("listCertificateVersions", "certificates", "list", r -> versions(r, name));
            }
            if (method.equals("GET") && third.equals("policy")) {
                return Route.of(
                        "getCertificatePolicy",
                        "certificates",
                        "get",
                        r -> Route.Response.ok(
                                policyJson(r.baseUrl(), name, find(name, "").policy())));
            }
            if (method.equals("GET")) {
                return Route.of(
                        "getCertificate",
                        "certificates",
                        "get",
                        r -> Route.Response.ok(bundle(r.baseUrl(), find(name, third), true)));
            }
            if (method.equals("PATCH")) {
                return Route.of("updateCertificate", "certificates", "update", r -> update(r, name, third));
            }
            if (method.equals("DELETE") && n == 2) {
                return Route.of("deleteCertificate", "certificates", "delete", r -> delete(r, name));
            }
            return null;
        }
        if (collection.equals("deletedcertificates") && n == 2) {
            String name = s.get(1);
            if (method.equals("GET")) {
                return Route.of("getDeletedCertificate", "certificates", "get", r -> {
                    VersionedStore.Deleted<CertificateEntry> d = vault.certificates.deleted(name);
                    if (d == null) {
                        throw ErrorResponses.deletedNotFound("CertificateNotFound", "certificate", name);
                    }
                    return Route.Response.ok(deleted(r.baseUrl(), d));
                });
            }
            if (method.equals("DELETE")) {
                return Route.of("purgeDeletedCertificate", "certificates", "delete", r -> {
                    if (!vault.certificates.purge(name)) {
                        throw ErrorResponses.deletedNotFound("CertificateNotFound", "certificate", name);
                    }
                    vault.keys.purge(name);
                    vault.secrets.purge(name);
                    return new Route.Response(204, null);
                });
            }
        }
        return null;
    }

    private CertificateEntry find(String name, String version) {
        CertificateEntry e = vault.certificates.find(name, version);
        if (e == null) {
            throw ErrorResponses.certificateNotFound(name, version);
        }
        return e;
    }

    private PendingCertificate pending(String name) {
        PendingCertificate p = vault.pending.get(name);
        if (p == null) {
            throw ErrorResponses.pendingCertificateNotFound(name);
        }
        return p;
    }

    private Route.Response create(ApiRequest r, String name) {
        KeysApi.checkName(name);
        JsonNode b = r.json();
        ObjectNode policy = normalizedPolicy(b.get("policy"), r.now());
        String issuer = policy.path("issuer").path("name").asText("Unknown");
        String issuerKind = issuer.toLowerCase(Locale.ROOT);
        if (!issuerKind.equals("unknown") && !issuerKind.equals("self")) {
            throw ErrorResponses.badParameter(
                    "Issuer '" + issuer + "' is not supported by keyvault-emulator (Unknown," + " Self).");
        }
        JsonNode kp = policy.path("key_props");
        KeyType type = KeyType.of(
                kp.path("kty").asText("RSA"),
                kp.hasNonNull("key_size") ? kp.get("key_size").asInt() : null,
                Json.text(kp, "crv"));
        boolean enabled = enabledOr(b, true);
        Map<String, String> tags = Json.tags(b.get("tags"));
        KeyEntry key = keys.createKey(name, type, null, Attributes.fresh(r.now()), tags, true);
        byte[] csr = CertificateFactoryHelper.csr(key, policy);
        PendingCertificate p = new PendingCertificate(
                name,
                key.version(),
                csr,
                policy,
                enabled,
                tags,
                UUID.randomUUID().toString().replace("-", ""),
                "inProgress",
                issuer);
        if (issuerKind.equals("self")) {
            X509Certificate cert = CertificateFactoryHelper.selfSigned(key, policy, r.now());
            complete(p, key, List.of(cert), r.now());
            p = p.completed();
        }
        vault.pending.put(name, p);
        return new Route.Response(202, operation(r.baseUrl(), p));
    }

    private Route.Response cancel(ApiRequest r, String name) {
        PendingCertificate p = pending(name);
        if (r.json().path("cancellation_requested").asBoolean(false)
                && p.status().equals("inProgress")) {
            p = new PendingCertificate(
                    p.name(),
                    p.keyVersion(),
                    p.csr(),
                    p.policy(),
                    p.enabled(),
                    p.tags(),
                    p.requestId(),
                    "cancelled",
                    p.issuerName());
            vault.pending.put(name, p);
        }
        return Route.Response.ok(operation(r.baseUrl(), p));
    }

    private Route.Response merge(ApiRequest r, String name) {
        PendingCertificate p = vault.pending.get(name);
        if (p == null || !p.status().equals("inProgress")) {
            throw ErrorResponses.pendingCertificateNotFound(name);
        }
        JsonNode b = r.json();
        List<X509Certificate> chain = new ArrayList<>();
        for (String entry : Json.strings(b.get("x5c"))) {
            chain.addAll(parseCertificates(entry));
        }
        if (chain.isEmpty()) {
            throw ErrorResponses.badParameter("Property 'x5c' must hold the signed certificate (and its chain).");
        }
        KeyEntry key = vault.keys.find(name, p.keyVersion());
        if (key == null) {
            throw ErrorResponses.keyNotFound(name, p.keyVersion());
        }
        if (!CertificateFactoryHelper.samePublicKey(chain.get(0), key.keyPair())) {
            throw ErrorResponses.badParameter(
                    "Public key from x509 certificate and key of this instance doesn't match");
        }
        Map<String, String> tags = b.has("tags") ? Json.tags(b.get("tags")) : p.tags();
        PendingCertificate withTags = new PendingCertificate(
                p.name(),
                p.keyVersion(),
                p.csr(),
                p.policy(),
                enabledOr(b, p.enabled()),
                tags,
                p.requestId(),
                p.status(),
                p.issuerName());
        CertificateEntry cert = complete(withTags, key, chain, r.now());
        vault.pending.put(name, withTags.completed());
        return new Route.Response(201, bundle(r.baseUrl(), cert, true));
    }

    private static boolean enabledOr(JsonNode body, boolean fallback) {
        JsonNode e = body.path("attributes").get("enabled");
        return e != null && e.isBoolean() ? e.asBoolean() : fallback;
    }

    private static List<X509Certificate> parseCertificates(String entry) {
        byte[] bytes;
        try {
            bytes = Json.fromB64(entry);
        } catch (IllegalArgumentException e) {
            throw ErrorResponses.badParameter("Property 'x5c' holds invalid base64.");
        }
        String text = new String(bytes, StandardCharsets.US_ASCII);
        try {
            if (text.contains("-----BEGIN")) {
                return Pem.certificates(text);
            }
            return List.of(Pem.certificate(bytes));
        } catch (IllegalArgumentException e) {
            throw ErrorResponses.badParameter("Property 'x5c' holds something that is not an X.509 certificate.");
        }
    }

    /** Stores the certificate version (same version as its key) and the managed secret; key validity follows it. */
    private CertificateEntry complete(PendingCertificate p, KeyEntry key, List<X509Certificate> chain, Instant now) {
        X509Certificate leaf = chain.get(0);
        Instant nbf = leaf.getNotBefore().toInstant();
        Instant exp = leaf.getNotAfter().toInstant();
        key.attributes().setValidity(nbf, exp, now);
        CertificateEntry cert = new CertificateEntry(
                p.name(), key.version(), chain, p.policy(), new Attributes(p.enabled(), nbf, exp, now, now), p.tags());
        vault.certificates.add(cert);
        String contentType = p.policy().path("secret_props").path("contentType").asText("application/x-pkcs12");
        SecretEntry secret = new SecretEntry(
                p.name(),
                key.version(),
                secretValue(chain, contentType),
                contentType,
                new Attributes(p.enabled(), nbf, exp, now, now),
                p.tags(),
                true,
                "keys/" + p.name() + "/" + key.version());
        vault.secrets.add(secret);
        return cert;
    }

    /** The certificate's secret holds the chain only: the key is not exportable and never leaves the emulator. */
    private static String secretValue(List<X509Certificate> chain, String contentType) {
        if (contentType.equals("application/x-pem-file")) {
            return Pem.write(chain.toArray());
        }
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            for (int i = 0; i < chain.size(); i++) {
                ks.setCertificateEntry("certificate-" + i, chain.get(i));
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ks.store(out, new char[0]);
            return Json.b64(out.toByteArray());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private Route.Response list(ApiRequest r) {
        ArrayNode items = Json.array();
        vault.certificates.currentOfEach().forEach(c -> items.add(bundle(r.baseUrl(), c, false)));
        return Route.Response.ok(KeysApi.page(items));
    }

    private Route.Response versions(ApiRequest r, String name) {
        List<CertificateEntry> versions = vault.certificates.versions(name);
        if (versions == null) {
            throw ErrorResponses.certificateNotFound(name, null);
        }
        ArrayNode items = Json.array();
        versions.forEach(c -> items.add(bundle(r.baseUrl(), c, false)));
        return Route.Response.ok(KeysApi.page(items));
    }

    private Route.Response update(ApiRequest r, String name, String version) {
        CertificateEntry c = find(name, version);
        JsonNode b = r.json();
        c.attributes().apply(b.get("attributes"), r.now());
        if (b.has("tags") && !b.get("tags").isNull()) {
            c.setTags(Json.tags(b.get("tags")));
        }
        return Route.Response.ok(bundle(r.baseUrl(), c, true));
    }

    private Route.Response delete(ApiRequest r, String name) {
        VersionedStore.Deleted<CertificateEntry> d = vault.certificates.delete(name, r.now());
        if (d == null) {
            throw ErrorResponses.certificateNotFound(name, null);
        }
        vault.pending.remove(name);
        vault.keys.delete(name, r.now());
        vault.secrets.delete(name, r.now());
        return Route.Response.ok(deleted(r.baseUrl(), d));
    }

    private ObjectNode normalizedPolicy(JsonNode requested, Instant now) {
        ObjectNode policy =
                requested != null && requested.isObject() ? (ObjectNode) requested.deepCopy() : Json.object();
        policy.remove("id");
        ObjectNode kp = policy.has("key_props") && policy.get("key_props").isObject()
                ? (ObjectNode) policy.get("key_props")
                : policy.putObject("key_props");
        if (kp.path("exportable").asBoolean(false)) {
            throw ErrorResponses.badParameter(
                    "Exportable keys are not supported by keyvault-emulator: keys never leave" + " the vault.");
        }
        kp.put("exportable", false);
        if (!kp.hasNonNull("kty")) {
            kp.put("kty", "RSA");
        }
        if (kp.get("kty").asText().startsWith("RSA") && !kp.hasNonNull("key_size")) {
            kp.put("key_size", 2048);
        }
        if (kp.get("kty").asText().startsWith("EC") && !kp.hasNonNull("crv")) {
            kp.put("crv", "P-256");
        }
        if (!kp.has("reuse_key")) {
            kp.put("reuse_key", false);
        }
        ObjectNode sp = policy.has("secret_props") && policy.get("secret_props").isObject()
                ? (ObjectNode) policy.get("secret_props")
                : policy.putObject("secret_props");
        if (!sp.hasNonNull("contentType")) {
            sp.put("contentType", "application/x-pkcs12");
        }
        ObjectNode x509 = policy.has("x509_props") && policy.get("x509_props").isObject()
                ? (ObjectNode) policy.get("x509_props")
                : policy.putObject("x509_props");
        if (!x509.has("validity_months")) {
            x509.put("validity_months", 12);
        }
        if (!policy.has("issuer") || !policy.get("issuer").isObject()) {
            policy.putObject("issuer").put("name", "Unknown");
        }
        ObjectNode attrs = policy.putObject("attributes");
        attrs.put("enabled", true);
        attrs.put("created", now.getEpochSecond());
        attrs.put("updated", now.getEpochSecond());
        return policy;
    }

    private static ObjectNode policyJson(String baseUrl, String name, ObjectNode policy) {
        ObjectNode out = Json.object();
        out.put("id", baseUrl + "/certificates/" + name + "/policy");
        out.setAll(policy);
        return out;
    }

    ObjectNode operation(String baseUrl, PendingCertificate p) {
        ObjectNode out = Json.object();
        out.put("id", baseUrl + "/certificates/" + p.name() + "/pending");
        out.putObject("issuer").put("name", p.issuerName());
        out.put("csr", Json.b64(p.csr()));
        out.put("cancellation_requested", p.status().equals("cancelled"));
        out.put("status", p.status());
        out.put(
                "status_details",
                switch (p.status()) {
                    case "inProgress" -> "Pending certificate created. Please Perform Merge to complete the request.";
                    case "cancelled" -> "Certificate request cancelled.";
                    default -> "";
                });
        if (p.status().equals("completed")) {
            out.put("target", baseUrl + "/certificates/" + p.name());
        }
        out.put("request_id", p.requestId());
        return out;
    }

    ObjectNode bundle(String baseUrl, CertificateEntry c, boolean full) {
        ObjectNode out = Json.object();
        out.put("id", baseUrl + "/certificates/" + c.name() + "/" + c.version());
        try {
            out.put("x5t", Json.b64url(TokenService.sha1(c.leaf())));
            if (full) {
                out.put("kid", baseUrl + "/keys/" + c.name() + "/" + c.version());
                out.put("sid", baseUrl + "/secrets/" + c.name() + "/" + c.version());
                out.put("cer", Json.b64(c.leaf().getEncoded()));
                out.put(
                        "contentType",
                        c.policy().path("secret_props").path("contentType").asText("application/x-pkcs12"));
            }
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
        out.set("attributes", c.attributes().toJson());
        out.set("tags", Json.tagsNode(c.tags()));
        if (full) {
            out.set("policy", policyJson(baseUrl, c.name(), c.policy()));
            out.put("preserveCertOrder", false);
        }
        return out;
    }

    private ObjectNode deleted(String baseUrl, VersionedStore.Deleted<CertificateEntry> d) {
        ObjectNode out = bundle(baseUrl, d.latest(), true);
        KeysApi.addDeletion(out, baseUrl + "/deletedcertificates/" + d.name(), d.deletedDate());
        return out;
    }
}
