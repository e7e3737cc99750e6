package dev.azurekeyvaultissuer.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The optional JSON state file (--state-file): every vault's keys (private keys included, as PKCS#8: this file is the
 * one place key material leaves the emulator, a test tool's convenience), secrets, certificates and pending operations,
 * so a demo survives restarts. Written atomically after each change.
 */
final class StateFile {
    private static final Logger LOG = Logger.getLogger(StateFile.class.getName());

    private final Path file;

    StateFile(Path file) {
        this.file = file;
    }

    Path path() {
        return file;
    }

    synchronized void save(Collection<VaultState> vaults) {
        ObjectNode root = Json.object();
        root.put("format", "keyvault-emulator-state/1");
        root.put("warning", "TEST DATA of keyvault-emulator, a test and demo tool. Holds private keys in clear.");
        ObjectNode vs = root.putObject("vaults");
        for (VaultState v : vaults) {
            vs.set(v.name(), vault(v));
        }
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, Json.pretty(root).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write state file " + file, e);
        }
    }

    /** Loads the vaults the file holds into the matching running vaults; unknown vault names are reported. */
    synchronized void load(Map<String, VaultState> vaults) {
        if (!Files.isRegularFile(file)) {
            return;
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read state file " + file, e);
        }
        root.path("vaults").fields().forEachRemaining(e -> {
            VaultState v = vaults.get(e.getKey());
            if (v == null) {
                LOG.warning("keyvault-emulator: state file has vault '" + e.getKey() + "' that is not configured;"
                        + " its content is ignored");
                return;
            }
            loadVault(v, e.getValue());
        });
    }

    private static ObjectNode vault(VaultState v) {
        ObjectNode n = Json.object();
        n.put("managedHsm", v.managedHsm());
        ArrayNode keys = n.putArray("keys");
        v.keys.snapshot().values().forEach(list -> list.forEach(k -> keys.add(key(k))));
        ArrayNode deletedKeys = n.putArray("deletedKeys");
        v.keys.mapDeleted(d -> deletedKeys.add(deleted(
                d.name(),
                d.deletedDate(),
                d.versions().stream().map(StateFile::key).toList())));
        ArrayNode secrets = n.putArray("secrets");
        v.secrets.snapshot().values().forEach(list -> list.forEach(s -> secrets.add(secret(s))));
        ArrayNode deletedSecrets = n.putArray("deletedSecrets");
        v.secrets.mapDeleted(d -> deletedSecrets.add(deleted(
                d.name(),
                d.deletedDate(),
                d.versions().stream().map(StateFile::secret).toList())));
        ArrayNode certs = n.putArray("certificates");
        v.certificates.snapshot().values().forEach(list -> list.forEach(c -> certs.add(certificate(c))));
        ArrayNode deletedCerts = n.putArray("deletedCertificates");
        v.certificates.mapDeleted(d -> deletedCerts.add(deleted(
                d.name(),
                d.deletedDate(),
                d.versions().stream().map(StateFile::certificate).toList())));
        ArrayNode pending = n.putArray("pendingCertificates");
        v.pending.values().forEach(p -> pending.add(pending(p)));
        return n;
    }

    private static ObjectNode deleted(String name, Instant date, List<ObjectNode> versions) {
        ObjectNode n = Json.object().put("name", name).put("deletedDate", date.getEpochSecond());
        ArrayNode a = n.putArray("versions");
        versions.forEach(a::add);
        return n;
    }

    private static ObjectNode key(KeyEntry k) {
        ObjectNode n = Json.object();
        n.put("name", k.name());
        n.put("version", k.version());
        n.put("type", k.type().name());
        n.put("privateKey", Json.b64(k.keyPair().getPrivate().getEncoded()));
        n.put("publicKey", Json.b64(k.keyPair().getPublic().getEncoded()));
        ArrayNode ops = n.putArray("keyOps");
        k.keyOps().forEach(ops::add);
        n.set("attributes", k.attributes().toState());
        n.set("tags", Json.tagsNode(k.tags()));
        n.put("managed", k.managed());
        return n;
    }

    private static KeyEntry key(JsonNode n) {
        KeyType type = KeyType.valueOf(n.path("type").asText());
        try {
            KeyFactory f = KeyFactory.getInstance(type.isRsa() ? "RSA" : "EC");
            KeyPair kp = new KeyPair(
                    f.generatePublic(new X509EncodedKeySpec(
                            Json.fromB64(n.path("publicKey").asText()))),
                    f.generatePrivate(new PKCS8EncodedKeySpec(
                            Json.fromB64(n.path("privateKey").asText()))));
            return new KeyEntry(
                    n.path("name").asText(),
                    n.path("version").asText(),
                    type,
                    kp,
                    Json.strings(n.get("keyOps")),
                    Attributes.fromState(n.path("attributes")),
                    Json.tags(n.get("tags")),
                    n.path("managed").asBoolean(false));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "state file: invalid key " + n.path("name").asText(), e);
        }
    }

    private static ObjectNode secret(SecretEntry s) {
        ObjectNode n = Json.object();
        n.put("name", s.name());
        n.put("version", s.version());
        n.put("value", s.value());
        n.put("contentType", s.contentType());
        n.set("attributes", s.attributes().toState());
        n.set("tags", Json.tagsNode(s.tags()));
        n.put("keyPath", s.keyPath());
        return n;
    }

    private static SecretEntry secret(JsonNode n) {
        String keyPath = Json.text(n, "keyPath");
        return new SecretEntry(
                n.path("name").asText(),
                n.path("version").asText(),
                n.path("value").asText(),
                Json.text(n, "contentType"),
                Attributes.fromState(n.path("attributes")),
                Json.tags(n.get("tags")),
                keyPath != null,
                keyPath);
    }

    private static ObjectNode certificate(CertificateEntry c) {
        ObjectNode n = Json.object();
        n.put("name", c.name());
        n.put("version", c.version());
        ArrayNode chain = n.putArray("chain");
        for (X509Certificate x : c.chain()) {
            try {
                chain.add(Json.b64(x.getEncoded()));
            } catch (CertificateEncodingException e) {
                throw new IllegalStateException(e);
            }
        }
        n.set("policy", c.policy());
        n.set("attributes", c.attributes().toState());
        n.set("tags", Json.tagsNode(c.tags()));
        return n;
    }

    private static CertificateEntry certificate(JsonNode n) {
        List<X509Certificate> chain = new ArrayList<>();
        Json.strings(n.get("chain")).forEach(b -> chain.add(Pem.certificate(Json.fromB64(b))));
        return new CertificateEntry(
                n.path("name").asText(),
                n.path("version").asText(),
                chain,
                (ObjectNode) n.path("policy"),
                Attributes.fromState(n.path("attributes")),
                Json.tags(n.get("tags")));
    }

    private static ObjectNode pending(PendingCertificate p) {
        ObjectNode n = Json.object();
        n.put("name", p.name());
        n.put("keyVersion", p.keyVersion());
        n.put("csr", Json.b64(p.csr()));
        n.set("policy", p.policy());
        n.put("enabled", p.enabled());
        n.set("tags", Json.tagsNode(p.tags()));
        n.put("requestId", p.requestId());
        n.put("status", p.status());
        n.put("issuer", p.issuerName());
        return n;
    }

    private static void loadVault(VaultState v, JsonNode n) {
        n.path("keys").forEach(k -> v.keys.add(key(k)));
        n.path("secrets").forEach(s -> v.secrets.add(secret(s)));
        n.path("certificates").forEach(c -> v.certificates.add(certificate(c)));
        n.path("deletedKeys")
                .forEach(d -> v.keys.restoreDeleted(
                        d.path("name").asText(),
                        list(d.path("versions"), StateFile::key),
                        Instant.ofEpochSecond(d.path("deletedDate").asLong())));
        n.path("deletedSecrets")
                .forEach(d -> v.secrets.restoreDeleted(
                        d.path("name").asText(),
                        list(d.path("versions"), StateFile::secret),
                        Instant.ofEpochSecond(d.path("deletedDate").asLong())));
        n.path("deletedCertificates")
                .forEach(d -> v.certificates.restoreDeleted(
                        d.path("name").asText(),
                        list(d.path("versions"), StateFile::certificate),
                        Instant.ofEpochSecond(d.path("deletedDate").asLong())));
        n.path("pendingCertificates")
                .forEach(p -> v.pending.put(
                        p.path("name").asText(),
                        new PendingCertificate(
                                p.path("name").asText(),
                                p.path("keyVersion").asText(),
                                Json.fromB64(p.path("csr").asText()),
                                (ObjectNode) p.path("policy"),
                                p.path("enabled").asBoolean(true),
                                Json.tags(p.get("tags")),
                                p.path("requestId").asText(),
                                p.path("status").asText(),
                                p.path("issuer").asText("Unknown"))));
    }

    private static <T> List<T> list(JsonNode array, java.util.function.Function<JsonNode, T> f) {
        List<T> out = new ArrayList<>();
        array.forEach(x -> out.add(f.apply(x)));
        return out;
    }
}
