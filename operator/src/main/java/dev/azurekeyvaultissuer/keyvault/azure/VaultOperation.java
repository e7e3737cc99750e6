package dev.azurekeyvaultissuer.keyvault.azure;

/**
 * The vault calls the operator and {@code create-ca-cert} make, with what each needs from the vault's authorization
 * model, so a 403 can name the missing grant: a vault uses either access policies or Azure RBAC, a Managed HSM its
 * own local RBAC.
 */
enum VaultOperation {
    GET_KEY("read", "key", "keys: Get", "Key Vault Crypto User (or Key Vault Reader)", "Managed HSM Crypto User"),
    SIGN("sign with", "key", "keys: Sign", "Key Vault Crypto User", "Managed HSM Crypto User"),
    GET_SECRET("read", "secret", "secrets: Get", "Key Vault Secrets User", null),
    LIST_SECRET_VERSIONS("list the versions of", "secret", "secrets: List", "Key Vault Secrets User", null),
    GET_CERTIFICATE(
            "read", "certificate", "certificates: Get", "Key Vault Reader (or Key Vault Certificate User)", null),
    // The writes of create-ca-cert.
    CREATE_KEY("create", "key", "keys: Create", "Key Vault Crypto Officer", "Managed HSM Crypto User"),
    LIST_KEY_VERSIONS(
            "list the versions of",
            "key",
            "keys: List",
            "Key Vault Crypto Officer (or Key Vault Reader)",
            "Managed HSM Crypto User"),
    SET_SECRET("store", "secret", "secrets: Set", "Key Vault Secrets Officer", null),
    CREATE_CERTIFICATE("create", "certificate", "certificates: Create", "Key Vault Certificates Officer", null),
    GET_PENDING_CERTIFICATE(
            "read the pending request of",
            "certificate",
            "certificates: Get",
            "Key Vault Certificates Officer (or Key Vault Reader)",
            null),
    // The REST API documents merge as needing certificates/create.
    MERGE_CERTIFICATE(
            "merge a signed certificate into",
            "certificate",
            "certificates: Create",
            "Key Vault Certificates Officer",
            null);

    private final String verb;
    private final String objectKind;
    private final String accessPolicyPermission;
    private final String rbacRole;
    private final String managedHsmRole;

    VaultOperation(
            String verb, String objectKind, String accessPolicyPermission, String rbacRole, String managedHsmRole) {
        this.verb = verb;
        this.objectKind = objectKind;
        this.accessPolicyPermission = accessPolicyPermission;
        this.rbacRole = rbacRole;
        this.managedHsmRole = managedHsmRole;
    }

    /** E.g. {@code sign with}. */
    String verb() {
        return verb;
    }

    /** {@code key}, {@code secret} or {@code certificate}. */
    String objectKind() {
        return objectKind;
    }

    /** The access policy permission, as the portal shows it: {@code keys: Sign}. */
    String accessPolicyPermission() {
        return accessPolicyPermission;
    }

    /** The built-in Azure RBAC role that grants it with the least else. */
    String rbacRole() {
        return rbacRole;
    }

    /** The Managed HSM local RBAC role; null where Managed HSM has no such object (secrets, certificates). */
    String managedHsmRole() {
        return managedHsmRole;
    }
}
