package dev.azurekeyvaultissuer.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The error answers of the Key Vault data plane, with the codes and message formats the real service uses (as seen in
 * recorded responses). Messages the emulator could not confirm are close approximations and say the same thing.
 */
final class ErrorResponses {
    private static final String NOT_FOUND_HELP = " If you recently deleted this %s you may be able to recover it using"
            + " the correct recovery command. For help resolving this issue, please see"
            + " https://go.microsoft.com/fwlink/?linkid=2125182";
    private static final String FORBIDDEN_HELP =
            " For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287";

    private ErrorResponses() {}

    static ApiException keyNotFound(String name, String version) {
        return notFound("KeyNotFound", "key", name, version);
    }

    static ApiException secretNotFound(String name, String version) {
        return notFound("SecretNotFound", "secret", name, version);
    }

    static ApiException certificateNotFound(String name, String version) {
        return notFound("CertificateNotFound", "certificate", name, version);
    }

    static ApiException pendingCertificateNotFound(String name) {
        return new ApiException(404, "CertificateNotFound", "Pending certificate not found: " + name, null);
    }

    static ApiException deletedNotFound(String code, String kind, String name) {
        return new ApiException(404, code, "Deleted " + kind + " not found: " + name, null);
    }

    private static ApiException notFound(String code, String kind, String name, String version) {
        String id = version == null || version.isEmpty() ? name : name + "/" + version;
        return new ApiException(
                404,
                code,
                "A " + kind + " with (name/id) " + id + " was not found in this key vault."
                        + String.format(NOT_FOUND_HELP, kind),
                null);
    }

    /** Access-policy vault: 403 Forbidden / ForbiddenByPolicy. */
    static ApiException forbiddenByPolicy(Principal principal, String collection, String permission, String vault) {
        return new ApiException(
                403,
                "Forbidden",
                "The user, group or application '" + principal.describe()
                        + "' does not have " + collection + " " + permission + " permission on key vault '" + vault
                        + ";location=local-emulator'." + FORBIDDEN_HELP,
                "ForbiddenByPolicy");
    }

    /** Managed HSM (local RBAC): 403 Forbidden / ForbiddenByRbac. */
    static ApiException forbiddenByRbac(Principal principal, String collection, String permission, String path) {
        String action = "Microsoft.KeyVault/managedHsm/" + collection + "/" + rbacAction(permission);
        return new ApiException(
                403,
                "Forbidden",
                "Caller is not authorized to perform action on resource.\r\n"
                        + "If role assignments, deny assignments or role definitions were changed recently, please observe"
                        + " propagation time.\r\nCaller: " + principal.describe() + "\r\nAction: '" + action
                        + "'\r\nResource: '"
                        + path
                        + "'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: null \r\nVault: "
                        + ";location=local-emulator\r\n",
                "ForbiddenByRbac");
    }

    private static String rbacAction(String permission) {
        switch (permission) {
            case "get":
            case "list":
                return "read/action";
            case "create":
            case "update":
                return "write/action";
            default:
                return permission + "/action";
        }
    }

    static ApiException disabled(String operation, String kind, String innerCode) {
        return new ApiException(
                403, "Forbidden", "Operation " + operation + " is not allowed on a disabled " + kind + ".", innerCode);
    }

    static ApiException expired(String operation, String kind, String innerCode) {
        return new ApiException(
                403, "Forbidden", "Operation " + operation + " is not allowed on an expired " + kind + ".", innerCode);
    }

    static ApiException notYetValid(String operation, String kind, String innerCode) {
        return new ApiException(
                403,
                "Forbidden",
                "Operation " + operation + " is not allowed on a " + kind + " that is not yet valid.",
                innerCode);
    }

    static ApiException keyOperationForbidden(String operation) {
        return new ApiException(
                403, "Forbidden", "Operation " + operation + " is not permitted on this key.", "KeyOperationForbidden");
    }

    static ApiException badParameter(String message) {
        return new ApiException(400, "BadParameter", message, null);
    }

    static ApiException conflict(String message) {
        return new ApiException(409, "Conflict", message, null);
    }

    static ApiException unauthorized(String message) {
        return new ApiException(401, "Unauthorized", message, null);
    }

    static ApiException throttled() {
        return new ApiException(
                429,
                "Throttled",
                "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached",
                null);
    }

    static ApiException injected(int status) {
        String code = status == 503 ? "ServiceUnavailable" : status == 500 ? "InternalServerError" : "InjectedFault";
        return new ApiException(status, code, "Injected fault (keyvault-emulator): HTTP " + status + ".", null);
    }

    static ApiException routeNotFound(String method, String path) {
        return new ApiException(
                404,
                "NotFound",
                "The requested resource '" + method + " " + path
                        + "' is not served by this key vault (keyvault-emulator).",
                null);
    }

    static ApiException methodNotAllowed(String method, String path) {
        return new ApiException(
                405, "MethodNotAllowed", "The requested method " + method + " is not allowed on " + path + ".", null);
    }

    /** Managed HSM stores keys only: secrets and certificates are not part of its data plane. */
    static ApiException notSupportedOnManagedHsm(String collection) {
        return new ApiException(
                400,
                "BadParameter",
                "The request URI contains an unsupported path: Managed HSM does not" + " support " + collection
                        + " (keys only).",
                "NotSupported");
    }

    static byte[] body(ApiException e) {
        ObjectNode error = Json.object();
        error.put("code", e.code());
        error.put("message", e.getMessage());
        if (e.innerCode() != null) {
            error.putObject("innererror").put("code", e.innerCode());
        }
        ObjectNode root = Json.object();
        root.set("error", error);
        return Json.bytes(root);
    }
}
