package dev.azurekeyvaultissuer.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;

/**
 * The --config file: vaults, clients with secrets, certificates, federations and permissions, faults.
 *
 * <pre>{@code
 * {
 *   "tenantId": "7e57e57e-0000-4000-8000-00000000e001",
 *   "tokenLifetimeSeconds": 3600,
 *   "vaults": ["demo", {"name": "hsm", "managedHsm": true, "faults": {"latency": {"*": {"baseMs": 20}}}}],
 *   "clients": [
 *     {"clientId": "issuer", "secret": "s3cret", "permissions": "keys=get,sign;secrets=get"},
 *     {"clientId": "cert-app", "certificates": ["path/to/cert.pem"], "permissions": "all",
 *      "vaultPermissions": {"hsm": "keys=get,sign"}},
 *     {"clientId": "workload", "federations": [{"issuer": "https://kubernetes.default.svc.cluster.local",
 *        "subject": "system:serviceaccount:ns:sa", "audience": "api://AzureADTokenExchange",
 *        "jwksFile": "path/to/jwks.json", "publicKeys": ["path/or/inline PEM"]}]},
 *     {"clientId": "mi", "managedIdentity": true}
 *   ],
 *   "faults": {"throttling": {"enabled": true, "retryAfterSeconds": 0}}
 * }
 * }</pre>
 * Relative paths are resolved against the config file's directory; PEM and JWKS may also be given inline.
 */
final class ConfigFile {
    private ConfigFile() {}

    static void apply(Path file, KeyVaultEmulator.Builder b) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read config file " + file, e);
        }
        Path base = file.toAbsolutePath().getParent();
        if (root.hasNonNull("tenantId")) {
            b.tenantId(root.get("tenantId").asText());
        }
        if (root.hasNonNull("tokenLifetimeSeconds")) {
            b.tokenLifetime(Duration.ofSeconds(root.get("tokenLifetimeSeconds").asLong()));
        }
        if (root.hasNonNull("portBase")) {
            b.portBase(root.get("portBase").asInt());
        }
        for (JsonNode v : root.path("vaults")) {
            String name = v.isTextual() ? v.asText() : v.path("name").asText();
            if (v.path("managedHsm").asBoolean(false)) {
                b.managedHsm(name);
            } else {
                b.vault(name);
            }
            if (v.has("faults")) {
                b.faults(name, v.get("faults").toString());
            }
        }
        for (JsonNode v : root.path("managedHsms")) {
            b.managedHsm(v.isTextual() ? v.asText() : v.path("name").asText());
        }
        for (JsonNode c : root.path("clients")) {
            ClientConfig client = client(c, base);
            b.client(client);
            c.path("vaultPermissions")
                    .fields()
                    .forEachRemaining(e -> b.permissions(e.getKey(), client.clientId(), permissions(e.getValue())));
        }
        if (root.has("faults")) {
            b.faults(root.get("faults").toString());
        }
    }

    private static ClientConfig client(JsonNode c, Path base) {
        ClientConfig.Builder cb = ClientConfig.builder(c.path("clientId").asText());
        if (c.hasNonNull("objectId")) {
            cb.objectId(c.get("objectId").asText());
        }
        if (c.hasNonNull("secret")) {
            cb.secret(c.get("secret").asText());
        }
        for (JsonNode cert : c.path("certificates")) {
            Pem.certificates(textOrFile(cert.asText(), base)).forEach(cb::certificate);
        }
        for (JsonNode f : c.path("federations")) {
            Federation fed =
                    Federation.of(f.path("issuer").asText(), f.path("subject").asText(), Json.text(f, "audience"));
            for (JsonNode pk : f.path("publicKeys")) {
                fed = fed.withPublicKeys(Pem.publicKeys(textOrFile(pk.asText(), base)));
            }
            if (f.has("jwks")) {
                fed = fed.withJwks(
                        f.get("jwks").isTextual()
                                ? f.get("jwks").asText()
                                : f.get("jwks").toString());
            }
            if (f.hasNonNull("jwksFile")) {
                fed = fed.withJwks(textOrFile(f.get("jwksFile").asText(), base));
            }
            cb.federation(fed);
        }
        if (c.path("managedIdentity").asBoolean(false)) {
            cb.managedIdentity();
        }
        if (c.has("permissions")) {
            cb.permissions(permissions(c.get("permissions")));
        }
        return cb.build();
    }

    static Permissions permissions(JsonNode p) {
        if (p.isTextual()) {
            return Permissions.parse(p.asText());
        }
        return Permissions.of(
                new HashSet<>(Json.strings(p.get("keys"))),
                new HashSet<>(Json.strings(p.get("secrets"))),
                new HashSet<>(Json.strings(p.get("certificates"))));
    }

    /** Inline PEM/JSON text, or the content of a file (relative to base). */
    private static String textOrFile(String value, Path base) {
        String v = value.trim();
        if (v.startsWith("-----BEGIN") || v.startsWith("{")) {
            return v;
        }
        try {
            return Files.readString(base.resolve(v), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + v, e);
        }
    }
}
