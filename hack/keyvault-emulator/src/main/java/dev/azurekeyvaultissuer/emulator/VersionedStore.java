package dev.azurekeyvaultissuer.emulator;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Named objects with versions (keys, secrets or certificates of one vault), the newest version being current, and a
 * soft-deleted area as in a vault with soft delete on (recoverable, purgeable). Thread-safe.
 */
final class VersionedStore<T extends VersionedStore.Item> {
    interface Item {
        String name();

        String version();
    }

    record Deleted<T>(String name, List<T> versions, Instant deletedDate) {
        T latest() {
            return versions.get(versions.size() - 1);
        }
    }

    private final String kind;
    private final Map<String, List<T>> live = new LinkedHashMap<>();
    private final Map<String, Deleted<T>> deleted = new LinkedHashMap<>();

    VersionedStore(String kind) {
        this.kind = kind;
    }

    /** Adds a new current version; refused with 409 while the name is soft-deleted, as the service does. */
    synchronized void add(T item) {
        if (deleted.containsKey(item.name())) {
            throw ErrorResponses.conflict(capitalized() + " " + item.name() + " is currently in a deleted but"
                    + " recoverable state, and its name cannot be reused; in this state, the " + kind
                    + " can only be recovered or purged.");
        }
        live.computeIfAbsent(item.name(), n -> new ArrayList<>()).add(item);
    }

    /** The version asked for, or the current one when version is null or empty; null when absent. */
    synchronized T find(String name, String version) {
        List<T> versions = live.get(name);
        if (versions == null || versions.isEmpty()) {
            return null;
        }
        if (version == null || version.isEmpty()) {
            return versions.get(versions.size() - 1);
        }
        for (T v : versions) {
            if (v.version().equals(version)) {
                return v;
            }
        }
        return null;
    }

    synchronized List<T> currentOfEach() {
        List<T> out = new ArrayList<>();
        live.values().forEach(v -> out.add(v.get(v.size() - 1)));
        return out;
    }

    synchronized List<T> versions(String name) {
        List<T> v = live.get(name);
        return v == null ? null : new ArrayList<>(v);
    }

    synchronized Deleted<T> delete(String name, Instant now) {
        List<T> versions = live.remove(name);
        if (versions == null) {
            return null;
        }
        Deleted<T> d = new Deleted<>(name, versions, now);
        deleted.put(name, d);
        return d;
    }

    synchronized Deleted<T> deleted(String name) {
        return deleted.get(name);
    }

    synchronized List<Deleted<T>> deletedAll() {
        return new ArrayList<>(deleted.values());
    }

    synchronized boolean purge(String name) {
        return deleted.remove(name) != null;
    }

    synchronized Deleted<T> recover(String name) {
        Deleted<T> d = deleted.remove(name);
        if (d != null) {
            live.put(name, new ArrayList<>(d.versions()));
        }
        return d;
    }

    synchronized Map<String, List<T>> snapshot() {
        Map<String, List<T>> out = new LinkedHashMap<>();
        live.forEach((k, v) -> out.put(k, new ArrayList<>(v)));
        return out;
    }

    synchronized void restoreDeleted(String name, List<T> versions, Instant deletedDate) {
        deleted.put(name, new Deleted<>(name, new ArrayList<>(versions), deletedDate));
    }

    synchronized <R> List<R> mapDeleted(Function<Deleted<T>, R> f) {
        List<R> out = new ArrayList<>();
        deleted.values().forEach(d -> out.add(f.apply(d)));
        return out;
    }

    private String capitalized() {
        return Character.toUpperCase(kind.charAt(0)) + kind.substring(1);
    }
}
