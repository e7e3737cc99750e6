package dev.azurekeyvaultissuer.keyvault.azure;

import com.azure.core.exception.HttpResponseException;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.keyvault.VaultException.Kind;
import java.net.URI;
import java.util.Locale;

/**
 * {@link VaultErrors} for the writes of {@code create-ca-cert}: a 403 names the grant the write needs, a 400 or 409
 * says what the vault refused; everything else (401, 404, 429, 5xx, credentials, network) reads as the operator's
 * own errors do.
 */
final class AdministrationErrors {

    private AdministrationErrors() {
    }

    static VaultException map(RuntimeException e, AdministrationOperation operation, String object, URI vault,
            String identity) {
        if (e instanceof VaultException ve) {
            return ve;
        }
        if (e instanceof HttpResponseException http && http.getResponse() != null) {
            int status = http.getResponse().getStatusCode();
            VaultErrors.ServiceError error = VaultErrors.ServiceError.of(http);
            if (status == 403) {
                return forbidden(http, error, operation, object, vault);
            }
            if (status == 409) {
                return new VaultException(Kind.INVALID, "vault " + vault + " refused to " + operation.verb() + " "
                        + object + " because of a conflict (" + error + "): an earlier operation on it may still be"
                        + " pending, or it is deleted but not purged (soft delete); recover or purge it, or pick"
                        + " another name", http);
            }
            if (status == 400 || (status > 400 && status < 500 && status != 401 && status != 404 && status != 408
                    && status != 429)) {
                return new VaultException(Kind.INVALID, "vault " + vault + " refused to " + operation.verb() + " "
                        + object + ": " + (status == 400 ? "" : status + " ") + error, http);
            }
        }
        // The remaining cases do not depend on the operation: reuse the operator's mapping.
        return VaultErrors.map(e, VaultOperation.GET_KEY, object, vault, identity);
    }

    private static VaultException forbidden(HttpResponseException e, VaultErrors.ServiceError error,
            AdministrationOperation operation, String object, URI vault) {
        String inner = error.innerCode().toLowerCase(Locale.ROOT);
        if (inner.equals("forbiddenbyfirewall") || inner.equals("forbiddenbyconnection")) {
            return new VaultException(Kind.FORBIDDEN, "vault " + vault + " refused this machine's network connection ("
                    + error.innerCode() + "): allow its address in the vault's firewall or use a private endpoint;"
                    + " vault said: " + error.message(), e);
        }
        StringBuilder grant = new StringBuilder("the identity may not ").append(operation.verb()).append(' ')
                .append(object).append(" in ").append(vault).append(": ");
        if (vault.getHost().contains(".managedhsm.")) {
            grant.append(operation.managedHsmRole() == null
                    ? "a Managed HSM holds no " + operation.objectKind() + "s; use an ordinary vault for them"
                    : "assign it the Managed HSM local RBAC role " + operation.managedHsmRole()
                            + " (az keyvault role assignment create --hsm-name ... --scope /keys)");
        } else if (inner.equals("forbiddenbyrbac")) {
            grant.append("assign it the Azure RBAC role ").append(operation.rbacRole())
                    .append(" on the vault or the ").append(operation.objectKind());
        } else if (inner.equals("forbiddenbypolicy")) {
            grant.append("add the access policy permission ").append(operation.accessPolicyPermission())
                    .append(" for it");
        } else {
            grant.append("assign it the role ").append(operation.rbacRole()).append(" (vaults using Azure RBAC) or ")
                    .append("add the access policy permission ").append(operation.accessPolicyPermission())
                    .append(" (vaults using access policies)");
        }
        grant.append("; vault said: ").append(error);
        return new VaultException(Kind.FORBIDDEN, grant.toString(), e);
    }
}
