package dev.azurekeyvaultissuer.emulator;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * An access policy entry: what a client may do with keys, secrets and certificates of a vault.
 *
 * <p>Keys: get, list, create, update, delete, sign, verify. Secrets: get, list, set, delete. Certificates: get, list,
 * create, update, delete. Text form (CLI and config): {@code all}, {@code none}, or
 * {@code keys=get,sign;secrets=get;certificates=get,list}.
 */
public final class Permissions {
    public static final List<String> KEY_PERMISSIONS =
            List.of("get", "list", "create", "update", "delete", "sign", "verify");
    public static final List<String> SECRET_PERMISSIONS = List.of("get", "list", "set", "delete");
    public static final List<String> CERTIFICATE_PERMISSIONS = List.of("get", "list", "create", "update", "delete");

    private final Set<String> keys;
    private final Set<String> secrets;
    private final Set<String> certificates;

    private Permissions(Set<String> keys, Set<String> secrets, Set<String> certificates) {
        this.keys = Collections.unmodifiableSet(validated(keys, KEY_PERMISSIONS, "keys"));
        this.secrets = Collections.unmodifiableSet(validated(secrets, SECRET_PERMISSIONS, "secrets"));
        this.certificates =
                Collections.unmodifiableSet(validated(certificates, CERTIFICATE_PERMISSIONS, "certificates"));
    }

    /** Every permission on keys, secrets and certificates. */
    public static Permissions all() {
        return new Permissions(
                new LinkedHashSet<>(KEY_PERMISSIONS),
                new LinkedHashSet<>(SECRET_PERMISSIONS),
                new LinkedHashSet<>(CERTIFICATE_PERMISSIONS));
    }

    public static Permissions none() {
        return new Permissions(Set.of(), Set.of(), Set.of());
    }

    public static Permissions of(Set<String> keys, Set<String> secrets, Set<String> certificates) {
        return new Permissions(
                new LinkedHashSet<>(keys), new LinkedHashSet<>(secrets), new LinkedHashSet<>(certificates));
    }

    /** Key permissions only, e.g. {@code Permissions.keys("get", "sign")}. */
    public static Permissions keys(String... permissions) {
        return none().withKeys(permissions);
    }

    public Permissions withKeys(String... permissions) {
        return new Permissions(set(permissions), secrets, certificates);
    }

    public Permissions withSecrets(String... permissions) {
        return new Permissions(keys, set(permissions), certificates);
    }

    public Permissions withCertificates(String... permissions) {
        return new Permissions(keys, secrets, set(permissions));
    }

    /** Parses {@code all}, {@code none} or {@code keys=get,sign;secrets=get;certificates=get}. */
    public static Permissions parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (t.isEmpty() || t.equals("all")) {
            return all();
        }
        if (t.equals("none")) {
            return none();
        }
        Set<String> k = new LinkedHashSet<>();
        Set<String> s = new LinkedHashSet<>();
        Set<String> c = new LinkedHashSet<>();
        for (String part : t.split("[;/ ]+")) {
            if (part.isBlank()) {
                continue;
            }
            int eq = part.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("permissions must look like keys=get,sign;secrets=get: " + text);
            }
            String kind = part.substring(0, eq).trim();
            Set<String> values = set(part.substring(eq + 1).split(","));
            switch (kind) {
                case "keys" -> k.addAll(values.contains("all") ? KEY_PERMISSIONS : values);
                case "secrets" -> s.addAll(values.contains("all") ? SECRET_PERMISSIONS : values);
                case "certificates", "certs" -> c.addAll(values.contains("all") ? CERTIFICATE_PERMISSIONS : values);
                default -> throw new IllegalArgumentException("unknown permission kind '" + kind + "' in " + text);
            }
        }
        return new Permissions(k, s, c);
    }

    public Set<String> keys() {
        return keys;
    }

    public Set<String> secrets() {
        return secrets;
    }

    public Set<String> certificates() {
        return certificates;
    }

    boolean allows(String collection, String permission) {
        return switch (collection) {
            case "keys" -> keys.contains(permission);
            case "secrets" -> secrets.contains(permission);
            case "certificates" -> certificates.contains(permission);
            default -> false;
        };
    }

    @Override
    public String toString() {
        return "keys=" + String.join(",", keys) + ";secrets=" + String.join(",", secrets) + ";certificates="
                + String.join(",", certificates);
    }

    private static Set<String> set(String... values) {
        Set<String> out = new LinkedHashSet<>();
        Arrays.stream(values)
                .map(v -> v.trim().toLowerCase(Locale.ROOT))
                .filter(v -> !v.isEmpty())
                .forEach(out::add);
        return out;
    }

    private static Set<String> validated(Set<String> values, List<String> allowed, String kind) {
        for (String v : values) {
            if (!allowed.contains(v)) {
                throw new IllegalArgumentException(
                        "unknown " + kind + " permission '" + v + "', expected one of " + allowed);
            }
        }
        return values;
    }
}
