package dev.azurekeyvaultissuer.keyvault.azure;

import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpResponse;
import com.azure.json.JsonProviders;
import com.azure.json.JsonReader;
import dev.azurekeyvaultissuer.keyvault.ErrorText;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.keyvault.VaultException.Kind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * Turns what Azure's SDK throws into {@link VaultException}s whose messages a user can act on: they end up in an
 * Issuer's or CertificateRequest's Ready condition. They name the vault, the object and, for a 403, the grant that is
 * missing; they quote the vault's own error text, never a token or secret; stack traces stay in the cause.
 */
final class VaultErrors {

    private static final int MAX_SERVICE_TEXT = 400;

    private VaultErrors() {}

    /**
     * @param object how the object is named in messages, e.g. {@code key 'ca'} or {@code key 'ca' version '0123'}
     * @param identity how the identity is named in messages, e.g. {@code client secret of application 1234}
     */
    static VaultException map(RuntimeException e, VaultOperation operation, String object, URI vault, String identity) {
        if (e instanceof VaultException ve) {
            return ve;
        }
        VaultCallLimitException limit = VaultCallLimitException.in(e);
        if (limit != null) {
            return new VaultException(
                    limit.kind(),
                    "trying to " + operation.verb() + " " + object + " in " + vault + " stopped: " + limit.getMessage(),
                    e);
        }
        if (e instanceof HttpResponseException http && http.getResponse() != null) {
            return fromResponse(http, operation, object, vault, identity);
        }
        if (isCredentialFailure(e)) {
            // No response: the credential failed before the vault was asked (CredentialUnavailableException too).
            Throwable io = ioCause(e);
            if (io != null) {
                return new VaultException(
                        Kind.UNAVAILABLE,
                        "could not reach Entra ID for a token (" + identity + "): " + describe(io),
                        e);
            }
            return new VaultException(
                    Kind.UNAUTHENTICATED, "no Azure token for " + identity + ": " + credentialProblem(e), e);
        }
        Throwable io = ioCause(e);
        if (io != null) {
            return new VaultException(Kind.UNAVAILABLE, "vault " + vault + " unreachable: " + describe(io), e);
        }
        String message = String.valueOf(e.getMessage());
        if (message.contains("challenge resource")) {
            // KeyVaultCredentialPolicy: the host answered with a challenge for a resource it does not belong to.
            return new VaultException(
                    Kind.INVALID,
                    vault + " does not look like a Key Vault or Managed HSM: its "
                            + "authentication challenge names another resource (" + oneLine(message) + ")",
                    e);
        }
        return new VaultException(Kind.UNAVAILABLE, "call to vault " + vault + " failed: " + describe(e), e);
    }

    private static VaultException fromResponse(
            HttpResponseException e, VaultOperation operation, String object, URI vault, String identity) {
        HttpResponse response = e.getResponse();
        int status = response.getStatusCode();
        ServiceError error = ServiceError.of(e);
        return switch (status) {
            case 400 ->
                new VaultException(
                        Kind.INVALID,
                        "vault " + vault + " refused to " + operation.verb() + " " + object + ": " + error,
                        e);
            case 401 ->
                new VaultException(
                        Kind.UNAUTHENTICATED,
                        "vault " + vault + " did not accept the token of " + identity + ": " + error,
                        e);
            case 403 -> forbidden(e, error, operation, object, vault);
            case 404 -> notFound(e, error, object, vault);
            case 409 ->
                new VaultException(
                        Kind.INVALID,
                        "vault " + vault + " refused to " + operation.verb() + " "
                                + object + " because of a conflict (" + error
                                + "): an earlier operation on it may still be"
                                + " pending, or it is deleted but not purged (soft delete); recover or purge it, or pick"
                                + " another name",
                        e);
            case 429 -> {
                Optional<Duration> retryAfter = retryAfter(response);
                yield new VaultException(
                        Kind.THROTTLED,
                        "vault " + vault + " is throttling requests (429 "
                                + error.code() + ") and retries did not get through; "
                                + retryAfter
                                        .map(d -> "it asks to retry after " + d.toMillis() + "ms")
                                        .orElse("it gave no Retry-After"),
                        retryAfter,
                        e);
            }
            default -> {
                if (status == 408 || status >= 500) {
                    yield new VaultException(
                            Kind.UNAVAILABLE,
                            "vault " + vault + " unavailable: " + status + " " + error,
                            retryAfter(response),
                            e);
                }
                yield new VaultException(
                        Kind.INVALID,
                        "vault " + vault + " refused to " + operation.verb() + " " + object + ": " + status + " "
                                + error,
                        e);
            }
        };
    }

    /**
     * Some vaults answer a disabled secret or certificate with 404 and "Operation get is not allowed on a disabled
     * entity": that object exists and has to be enabled, which a bare "not found" would hide.
     */
    private static VaultException notFound(HttpResponseException e, ServiceError error, String object, URI vault) {
        if (isDisabled(error)) {
            return disabled(e, error, object, vault);
        }
        return new VaultException(Kind.NOT_FOUND, object + " not found in " + vault + "; vault said: " + error, e);
    }

    private static boolean isDisabled(ServiceError error) {
        return error.innerCode().toLowerCase(Locale.ROOT).endsWith("disabled")
                || error.message().contains("not allowed on a disabled");
    }

    /** Key Vault refuses a disabled object; no grant would help: it has to be enabled. */
    private static VaultException disabled(HttpResponseException e, ServiceError error, String object, URI vault) {
        return new VaultException(
                Kind.INVALID, object + " in " + vault + " is disabled (enable it in the vault): " + error.message(), e);
    }

    private static VaultException forbidden(
            HttpResponseException e, ServiceError error, VaultOperation operation, String object, URI vault) {
        String inner = error.innerCode().toLowerCase(Locale.ROOT);
        if (isDisabled(error)) {
            // Key Vault answers 403 for a disabled object, but no grant would help: it has to be enabled.
            return disabled(e, error, object, vault);
        }
        if (inner.endsWith("expired")
                || inner.endsWith("notyetvalid")
                || inner.equals("keyoperationforbidden")
                || error.message().contains("is not permitted on this key")) {
            // The object's own attributes (exp, nbf, key_ops) forbid the operation: the object must change.
            return new VaultException(
                    Kind.INVALID, object + " in " + vault + " may not be used for this: " + error.message(), e);
        }
        if (inner.equals("forbiddenbyfirewall") || inner.equals("forbiddenbyconnection")) {
            return new VaultException(
                    Kind.FORBIDDEN,
                    "vault " + vault + " refused this client's network "
                            + "connection (" + error.innerCode()
                            + "): allow its egress address (the cluster's, for the "
                            + "operator) in the vault's firewall or reach it through a private endpoint; vault said: "
                            + error.message(),
                    e);
        }
        StringBuilder grant = new StringBuilder("the identity may not ")
                .append(operation.verb())
                .append(' ')
                .append(object)
                .append(" in ")
                .append(vault)
                .append(": ");
        // A Managed HSM is known by its host, or (behind a private endpoint or an alias) by the action it names.
        boolean managedHsm =
                vault.getHost().contains(".managedhsm.") || error.message().contains("Microsoft.KeyVault/managedHsm/");
        if (managedHsm) {
            grant.append(
                    operation.managedHsmRole() == null
                            ? "a Managed HSM holds no " + operation.objectKind() + "s; use an ordinary vault for them"
                            : "assign it the Managed HSM local RBAC role " + operation.managedHsmRole()
                                    + " (az keyvault role assignment create --hsm-name ... --scope /keys)");
        } else if (inner.equals("forbiddenbyrbac")) {
            grant.append("assign it the Azure RBAC role ")
                    .append(operation.rbacRole())
                    .append(" on the vault or the ")
                    .append(operation.objectKind());
        } else if (inner.equals("forbiddenbypolicy")) {
            grant.append("add the access policy permission ")
                    .append(operation.accessPolicyPermission())
                    .append(" for it");
        } else {
            grant.append("assign it the role ")
                    .append(operation.rbacRole())
                    .append(" (vaults using Azure RBAC) or ")
                    .append("add the access policy permission ")
                    .append(operation.accessPolicyPermission())
                    .append(" (vaults using access policies)");
        }
        grant.append("; vault said: ").append(error);
        return new VaultException(Kind.FORBIDDEN, grant.toString(), e);
    }

    /** What the vault said in a refusal, capped, for messages built outside {@link #map}. */
    static String vaultSaid(HttpResponseException e) {
        return e.getResponse() == null ? "" : "; vault said: " + ServiceError.of(e);
    }

    /*
     * azure-identity reports a refused token request as ClientAuthenticationException on some paths, and on its
     * synchronous path as the RuntimeException(ExecutionException(MsalServiceException)) that MSAL's future threw.
     */
    private static boolean isCredentialFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ClientAuthenticationException c && c.getResponse() == null) {
                return true;
            }
            if (t.getClass().getName().startsWith("com.microsoft.aad.msal4j.")) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    static Optional<Duration> retryAfter(HttpResponse response) {
        return RetryAfter.parse(response::getHeaderValue, Instant.now());
    }

    /** The first IOException or timeout in the cause chain: the network, not the service, failed. */
    static Throwable ioCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException || t instanceof TimeoutException) {
                return t;
            }
            if (t instanceof UncheckedIOException u && u.getCause() != null) {
                return u.getCause();
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    /** What identity libraries said, without their boilerplate: the AADSTS line when there is one. */
    private static String credentialProblem(Throwable e) {
        String first = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m == null || m.isBlank()) {
                continue;
            }
            int aadsts = m.indexOf("AADSTS");
            if (aadsts >= 0) {
                return oneLine(withoutTraceIds(m.substring(aadsts)));
            }
            if (first == null && !m.contains("inner exception")) {
                first = m;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return first == null ? e.getClass().getSimpleName() : oneLine(first);
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        String name = t.getClass().getSimpleName();
        return m == null || m.isBlank() ? name : name + ": " + oneLine(m);
    }

    /**
     * Entra ID appends a fresh trace id, correlation id and timestamp to each error: cut them, so the same problem
     * gives the same condition message and the issuer's status is not rewritten on every check.
     */
    static String withoutTraceIds(String text) {
        int trace = text.indexOf("Trace ID:");
        return trace < 0 ? text : text.substring(0, trace).replaceAll("[\\s;.]+$", ".");
    }

    static String oneLine(String text) {
        return ErrorText.oneLine(text, MAX_SERVICE_TEXT);
    }

    /** The {@code error} object of a Key Vault error body: code, message and innererror code. */
    record ServiceError(String code, String message, String innerCode) {

        static ServiceError of(HttpResponseException e) {
            Map<?, ?> error = errorObject(e);
            if (error == null) {
                return new ServiceError(reason(e.getResponse().getStatusCode()), "(no error details)", "");
            }
            String code = string(error, "code");
            String message = string(error, "message");
            Object inner = get(error, "innererror");
            String innerCode = inner instanceof Map<?, ?> m ? string(m, "code") : "";
            return new ServiceError(
                    code.isEmpty() ? reason(e.getResponse().getStatusCode()) : code,
                    message.isEmpty() ? "(no message)" : oneLine(message),
                    innerCode);
        }

        @Override
        public String toString() {
            return code + (innerCode.isEmpty() ? "" : "/" + innerCode) + ": " + message;
        }

        private static Map<?, ?> errorObject(HttpResponseException e) {
            Object body = e.getValue();
            if (!(body instanceof Map)) {
                body = parse(body instanceof String s ? s : jsonInMessage(e.getMessage()));
            }
            if (body instanceof Map<?, ?> map) {
                Object error = get(map, "error");
                return error instanceof Map<?, ?> m ? m : null;
            }
            return null;
        }

        // azure-core puts the body into the message: Status code 404, "{...}".
        private static String jsonInMessage(String message) {
            if (message == null) {
                return null;
            }
            int start = message.indexOf('{');
            int end = message.lastIndexOf('}');
            return start >= 0 && end > start ? message.substring(start, end + 1) : null;
        }

        private static Object parse(String json) {
            if (json == null) {
                return null;
            }
            try (JsonReader reader = JsonProviders.createReader(json)) {
                reader.nextToken();
                return reader.readUntyped();
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        private static Object get(Map<?, ?> map, String key) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (key.equalsIgnoreCase(String.valueOf(entry.getKey()))) {
                    return entry.getValue();
                }
            }
            return null;
        }

        private static String string(Map<?, ?> map, String key) {
            Object value = get(map, key);
            return value == null ? "" : String.valueOf(value);
        }

        private static String reason(int status) {
            return switch (status) {
                case 400 -> "BadRequest";
                case 401 -> "Unauthorized";
                case 403 -> "Forbidden";
                case 404 -> "NotFound";
                case 429 -> "Throttled";
                case 500 -> "InternalServerError";
                case 502 -> "BadGateway";
                case 503 -> "ServiceUnavailable";
                case 504 -> "GatewayTimeout";
                default -> "HTTP" + status;
            };
        }
    }
}
