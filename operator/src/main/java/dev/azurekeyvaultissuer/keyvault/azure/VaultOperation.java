package dev.azurekeyvaultissuer.keyvault.azure;

/**
 * The vault calls the operator makes, with what each needs from the vault's authorization model, so a 403 can name
 * the missing grant: a vault uses either access policies or Azure RBAC, a Managed HSM its own local RBAC.
 */
enum VaultOperation {
    GET_KEY("read", "key", "keys: Get", "Key Vault Crypto User (or Key Vault Reader)", "Managed HSM Crypto User"),
    SIGN("sign with", "key", "keys: Sign", "Key Vault Crypto User", "Managed HSM Crypto User"),
    GET_SECRET("read", "secret", "secrets: Get", "Key Vault Secrets User", null),
    GET_CERTIFICATE("read", "certificate", "certificates: Get", "Key Vault Reader (or Key Vault Certificate User)",
            null);

    private final String verb;
    private final String objectKind;
    private final String accessPolicyPermission;
    private final String rbacRole;
    private final String managedHsmRole;

    VaultOperation(String verb, String objectKind, String accessPolicyPermission, String rbacRole,
            String managedHsmRole) {
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
