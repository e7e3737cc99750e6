package dev.azurekeyvaultissuer.keyvault.azure;

/**
 * The vault writes {@code create-ca-cert} makes, with the grant each needs in each authorization model, so a 403 can
 * name it: access policies, Azure RBAC, or a Managed HSM's local RBAC. The reads it makes besides are the operator's
 * own {@link VaultOperation}s.
 */
enum AdministrationOperation {
    CREATE_KEY("create", "key", "keys: Create", "Key Vault Crypto Officer", "Managed HSM Crypto User"),
    LIST_KEY_VERSIONS("list the versions of", "key", "keys: List", "Key Vault Crypto Officer (or Key Vault Reader)",
            "Managed HSM Crypto User"),
    SET_SECRET("store", "secret", "secrets: Set", "Key Vault Secrets Officer", null),
    CREATE_CERTIFICATE("create", "certificate", "certificates: Create", "Key Vault Certificates Officer", null),
    GET_PENDING_CERTIFICATE("read the pending request of", "certificate", "certificates: Get",
            "Key Vault Certificates Officer (or Key Vault Reader)", null),
    // The REST API documents merge as needing certificates/create.
    MERGE_CERTIFICATE("merge a signed certificate into", "certificate", "certificates: Create",
            "Key Vault Certificates Officer", null);

    private final String verb;
    private final String objectKind;
    private final String accessPolicyPermission;
    private final String rbacRole;
    private final String managedHsmRole;

    AdministrationOperation(String verb, String objectKind, String accessPolicyPermission, String rbacRole,
            String managedHsmRole) {
        this.verb = verb;
        this.objectKind = objectKind;
        this.accessPolicyPermission = accessPolicyPermission;
        this.rbacRole = rbacRole;
        this.managedHsmRole = managedHsmRole;
    }

    String verb() {
        return verb;
    }

    String objectKind() {
        return objectKind;
    }

    String accessPolicyPermission() {
        return accessPolicyPermission;
    }

    String rbacRole() {
        return rbacRole;
    }

    /** Null where a Managed HSM has no such object (secrets, certificates). */
    String managedHsmRole() {
        return managedHsmRole;
    }
}
