package dev.azurekeyvaultissuer.emulator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The emulated Entra ID tenant's applications and managed identities, and their access policies per vault. */
final class Directory {
    private final String tenantId;
    private final Map<String, ClientConfig> clients = new LinkedHashMap<>();
    private final Map<String, Permissions> overrides = new LinkedHashMap<>();
    private final Map<String, Map<String, Permissions>> vaultOverrides = new LinkedHashMap<>();

    Directory(String tenantId) {
        this.tenantId = tenantId;
    }

    String tenantId() {
        return tenantId;
    }

    synchronized void register(ClientConfig client) {
        clients.put(client.clientId(), client);
    }

    synchronized ClientConfig client(String clientId) {
        return clientId == null ? null : clients.get(clientId);
    }

    synchronized List<ClientConfig> clients() {
        return new ArrayList<>(clients.values());
    }

    synchronized ClientConfig byObjectId(String objectId) {
        return clients.values().stream()
                .filter(c -> c.objectId().equals(objectId))
                .findFirst()
                .orElse(null);
    }

    /** The first registered managed identity, used when a managed-identity request names none (system-assigned). */
    synchronized ClientConfig defaultManagedIdentity() {
        return clients.values().stream()
                .filter(ClientConfig::managedIdentity)
                .findFirst()
                .orElse(null);
    }

    /** Replaces the client's permissions on every vault (a per-vault setting still wins). */
    synchronized void setPermissions(String clientId, Permissions permissions) {
        overrides.put(clientId, permissions);
    }

    /** Sets the client's permissions on one vault. */
    synchronized void setPermissions(String vault, String clientId, Permissions permissions) {
        vaultOverrides.computeIfAbsent(vault, v -> new LinkedHashMap<>()).put(clientId, permissions);
    }

    /** The effective permissions of the principal (by client id, else object id) on the vault. */
    synchronized Permissions permissions(String vault, Principal principal) {
        ClientConfig client = clients.get(principal.appId());
        if (client == null) {
            client = byObjectId(principal.objectId());
        }
        if (client == null) {
            return Permissions.none();
        }
        Map<String, Permissions> perVault = vaultOverrides.get(vault);
        if (perVault != null && perVault.containsKey(client.clientId())) {
            return perVault.get(client.clientId());
        }
        return overrides.getOrDefault(client.clientId(), client.permissions());
    }
}
