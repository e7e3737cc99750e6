package dev.azurekeyvaultissuer.keyvault.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.exception.ResourceNotFoundException;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.identity.CredentialUnavailableException;
import dev.azurekeyvaultissuer.keyvault.VaultException;
import dev.azurekeyvaultissuer.keyvault.VaultException.Kind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The messages users read in Ready conditions, from the error bodies a real vault sends. */
class VaultErrorsTest {

    private static final URI VAULT = URI.create("https://contoso.vault.azure.net");
    private static final URI HSM = URI.create("https://contoso.managedhsm.azure.net");
    private static final String IDENTITY = "client secret of application 1234 in tenant 5678";

    /** A response as the JDK HTTP client hands it to azure-core. */
    static final class Response extends HttpResponse {
        private final int status;
        private final HttpHeaders headers = new HttpHeaders();

        Response(int status, Map<String, String> headers) {
            super(new HttpRequest(HttpMethod.GET, "https://contoso.vault.azure.net/keys/ca"));
            this.status = status;
            headers.forEach((k, v) -> this.headers.set(HttpHeaderName.fromString(k), v));
        }

        @Override
        public int getStatusCode() {
            return status;
        }

        @Override
        @SuppressWarnings("deprecation")
        public String getHeaderValue(String name) {
            return headers.getValue(HttpHeaderName.fromString(name));
        }

        @Override
        public HttpHeaders getHeaders() {
            return headers;
        }

        @Override
        public Flux<ByteBuffer> getBody() {
            return Flux.empty();
        }

        @Override
        public Mono<byte[]> getBodyAsByteArray() {
            return Mono.empty();
        }

        @Override
        public Mono<String> getBodyAsString() {
            return Mono.empty();
        }

        @Override
        public Mono<String> getBodyAsString(Charset charset) {
            return Mono.empty();
        }
    }

    /** What azure-core's RestProxy builds: the body quoted into the message, the value undecoded. */
    private static HttpResponseException http(int status, String body, Map<String, String> headers) {
        String message = "Status code " + status + ", " + (body == null ? "(empty body)" : "\"" + body + "\"");
        Response response = new Response(status, headers);
        return switch (status) {
            case 401 -> new ClientAuthenticationException(message, response, null);
            case 404 -> new ResourceNotFoundException(message, response, null);
            default -> new HttpResponseException(message, response, null);
        };
    }

    private static VaultException map(RuntimeException e, VaultOperation operation, URI vault) {
        return VaultErrors.map(e, operation, "key 'ca'", vault, IDENTITY);
    }

    @Test
    void forbiddenByRbacNamesTheRole() {
        var e = map(
                http(
                        403,
                        "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Caller is not authorized to perform "
                                + "action on resource.\\r\\nCaller: appid=1234;oid=abcd\\r\\nAction: 'Microsoft.KeyVault/vaults/keys/"
                                + "sign/action'\",\"innererror\":{\"code\":\"ForbiddenByRbac\"}}}",
                        Map.of()),
                VaultOperation.SIGN,
                VAULT);

        assertEquals(Kind.FORBIDDEN, e.kind());
        assertEquals(
                "the identity may not sign with key 'ca' in https://contoso.vault.azure.net: assign it the "
                        + "Azure RBAC role Key Vault Crypto User on the vault or the key; vault said: Forbidden/ForbiddenByRbac:"
                        + " Caller is not authorized to perform action on resource.; Caller: appid=1234;oid=abcd; Action: "
                        + "'Microsoft.KeyVault/vaults/keys/sign/action'",
                e.getMessage());
    }

    @Test
    void forbiddenByPolicyNamesThePermission() {
        var e = map(
                http(
                        403,
                        "{\"error\":{\"code\":\"Forbidden\",\"message\":\"The user, group or application "
                                + "does not have secrets get permission\",\"innererror\":{\"code\":\"ForbiddenByPolicy\"}}}",
                        Map.of()),
                VaultOperation.GET_SECRET,
                VAULT);

        assertEquals(Kind.FORBIDDEN, e.kind());
        assertTrue(e.getMessage().contains("add the access policy permission secrets: Get"), e.getMessage());
        assertFalse(e.getMessage().contains("RBAC"), e.getMessage());
    }

    @Test
    void forbiddenWithoutDetailsNamesBothModels() {
        var e = map(http(403, null, Map.of()), VaultOperation.GET_KEY, VAULT);

        assertEquals(Kind.FORBIDDEN, e.kind());
        assertTrue(e.getMessage().contains("Key Vault Crypto User"), e.getMessage());
        assertTrue(e.getMessage().contains("keys: Get"), e.getMessage());
    }

    @Test
    void managedHsmNamesItsLocalRole() {
        var e = map(
                http(403, "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Caller is not authorized\"}}", Map.of()),
                VaultOperation.SIGN,
                HSM);

        assertTrue(e.getMessage().contains("Managed HSM local RBAC role Managed HSM Crypto User"), e.getMessage());
    }

    @Test
    void firewallIsNotAPermission() {
        var e = map(
                http(
                        403,
                        "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Client address is not authorized "
                                + "and caller is not a trusted service.\",\"innererror\":{\"code\":\"ForbiddenByFirewall\"}}}",
                        Map.of()),
                VaultOperation.SIGN,
                VAULT);

        assertEquals(Kind.FORBIDDEN, e.kind());
        assertTrue(e.getMessage().contains("firewall"), e.getMessage());
    }

    @Test
    void aDisabledKeyIsInvalidNotForbidden() {
        // What Key Vault really answers: 403 with innererror KeyDisabled.
        var e = map(
                http(
                        403,
                        "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Operation sign is not allowed on a "
                                + "disabled key.\",\"innererror\":{\"code\":\"KeyDisabled\"}}}",
                        Map.of()),
                VaultOperation.SIGN,
                VAULT);

        assertEquals(Kind.INVALID, e.kind());
        assertEquals(
                "key 'ca' in https://contoso.vault.azure.net is disabled (enable it in the vault): Operation "
                        + "sign is not allowed on a disabled key.",
                e.getMessage());
    }

    @Test
    void keyAttributesThatForbidSigningAreInvalid() {
        var expired = map(
                http(
                        403,
                        "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Operation sign is not "
                                + "allowed on an expired key.\",\"innererror\":{\"code\":\"KeyExpired\"}}}",
                        Map.of()),
                VaultOperation.SIGN,
                VAULT);
        var noSign = map(
                http(
                        403,
                        "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Operation sign is not "
                                + "permitted on this key.\",\"innererror\":{\"code\":\"KeyOperationForbidden\"}}}",
                        Map.of()),
                VaultOperation.SIGN,
                VAULT);

        assertEquals(Kind.INVALID, expired.kind());
        assertEquals(
                "key 'ca' in https://contoso.vault.azure.net may not be used for this: Operation sign is not "
                        + "allowed on an expired key.",
                expired.getMessage());
        assertEquals(Kind.INVALID, noSign.kind());
    }

    @Test
    void badRequestQuotesTheService() {
        var e = map(
                http(400, "{\"error\":{\"code\":\"BadParameter\",\"message\":\"Invalid digest length\"}}", Map.of()),
                VaultOperation.SIGN,
                VAULT);

        assertEquals(Kind.INVALID, e.kind());
        assertTrue(e.getMessage().endsWith("BadParameter: Invalid digest length"), e.getMessage());
    }

    @Test
    void notFound() {
        var e = map(
                http(
                        404,
                        "{\"error\":{\"code\":\"KeyNotFound\",\"message\":\"A key with (name/id) ca was not "
                                + "found in this key vault.\"}}",
                        Map.of()),
                VaultOperation.GET_KEY,
                VAULT);

        assertEquals(Kind.NOT_FOUND, e.kind());
        assertEquals(
                "key 'ca' not found in https://contoso.vault.azure.net; vault said: KeyNotFound: A key with "
                        + "(name/id) ca was not found in this key vault.",
                e.getMessage());
    }

    @Test
    void aNotFoundAboutADisabledEntityIsDisabledAndQuotesTheVault() {
        var e = map(
                http(
                        404,
                        "{\"error\":{\"code\":\"SecretNotFound\",\"message\":\"Operation get is not allowed "
                                + "on a disabled entity.\"}}",
                        Map.of()),
                VaultOperation.GET_SECRET,
                VAULT);

        assertEquals(Kind.INVALID, e.kind());
        assertTrue(
                e.getMessage()
                        .contains("is disabled (enable it in the vault): Operation get is not allowed on a "
                                + "disabled entity."),
                e.getMessage());
    }

    @Test
    void theVaultsTextIsCappedInEveryRefusal() {
        String longText = "x".repeat(5000);
        var e = map(
                http(404, "{\"error\":{\"code\":\"KeyNotFound\",\"message\":\"" + longText + "\"}}", Map.of()),
                VaultOperation.GET_KEY,
                VAULT);

        assertTrue(e.getMessage().contains("vault said: KeyNotFound: xxx"), e.getMessage());
        assertTrue(e.getMessage().length() < 600, e.getMessage());
    }

    @Test
    void unauthorizedAfterTheChallenge() {
        var e = map(
                http(
                        401,
                        "{\"error\":{\"code\":\"Unauthorized\",\"message\":\"AKV10032: Invalid issuer.\"}}",
                        Map.of()),
                VaultOperation.GET_KEY,
                VAULT);

        assertEquals(Kind.UNAUTHENTICATED, e.kind());
        assertEquals(
                "vault https://contoso.vault.azure.net did not accept the token of " + IDENTITY
                        + ": Unauthorized: AKV10032: Invalid issuer.",
                e.getMessage());
    }

    @Test
    void throttledWithAndWithoutRetryAfter() {
        var without = map(
                http(
                        429,
                        "{\"error\":{\"code\":\"Throttled\",\"message\":\"Request was not processed "
                                + "because too many requests were received.\"}}",
                        Map.of()),
                VaultOperation.SIGN,
                VAULT);
        var with = map(
                http(429, "{\"error\":{\"code\":\"Throttled\"}}", Map.of("Retry-After", "12")),
                VaultOperation.SIGN,
                VAULT);

        assertEquals(Kind.THROTTLED, without.kind());
        assertEquals(Optional.empty(), without.retryAfter());
        assertTrue(without.getMessage().contains("no Retry-After"), without.getMessage());
        assertEquals(Optional.of(Duration.ofSeconds(12)), with.retryAfter());
    }

    @Test
    void serverErrorsAreUnavailable() {
        var e = map(
                http(503, "{\"error\":{\"code\":\"ServiceUnavailable\",\"message\":\"try later\"}}", Map.of()),
                VaultOperation.SIGN,
                VAULT);

        assertEquals(Kind.UNAVAILABLE, e.kind());
        assertTrue(e.isRetryable());
        assertEquals(
                "vault https://contoso.vault.azure.net unavailable: 503 ServiceUnavailable: try later", e.getMessage());
    }

    @Test
    void networkFailuresAreUnavailable() {
        var e = map(new UncheckedIOException(new SocketException("Connection reset")), VaultOperation.SIGN, VAULT);

        assertEquals(Kind.UNAVAILABLE, e.kind());
        assertEquals(
                "vault https://contoso.vault.azure.net unreachable: SocketException: Connection reset", e.getMessage());
    }

    @Test
    void credentialFailuresAreUnauthenticatedInOneLine() {
        var e = map(
                new ClientAuthenticationException(
                        "ClientSecretCredential authentication failed. Error Details: "
                                + "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 1\r\nCorrelation ID: 2",
                        null,
                        new RuntimeException("inner")),
                VaultOperation.GET_KEY,
                VAULT);
        var unavailable = map(
                new CredentialUnavailableException("WorkloadIdentityCredential authentication "
                        + "unavailable. The workload options are not fully configured."),
                VaultOperation.GET_KEY,
                VAULT);

        assertEquals(Kind.UNAUTHENTICATED, e.kind());
        // Entra's per-request trace and correlation ids are cut: the same problem gives the same message.
        assertEquals(
                "no Azure token for " + IDENTITY + ": AADSTS7000215: Invalid client secret provided.", e.getMessage());
        assertEquals(Kind.UNAUTHENTICATED, unavailable.kind());
        assertTrue(unavailable.getMessage().contains("not fully configured"), unavailable.getMessage());
    }

    @Test
    void anUnreachableTokenEndpointIsUnavailable() {
        var e = map(
                new ClientAuthenticationException("failed", null, new IOException("Connection refused")),
                VaultOperation.GET_KEY,
                VAULT);

        assertEquals(Kind.UNAVAILABLE, e.kind());
    }

    @Test
    void vaultExceptionsPassThroughAndCausesAreKept() {
        var original = new VaultException(Kind.INVALID, "x");
        assertSame(original, map(original, VaultOperation.SIGN, VAULT));

        var cause = http(503, null, Map.of());
        assertSame(cause, map(cause, VaultOperation.SIGN, VAULT).getCause());
    }

    @Test
    void entraTraceIdsAreCutSoTheMessageIsStable() {
        String entra = "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 984f8c2d\r\n"
                + "Correlation ID: eb173b5c\r\nTimestamp: 2026-11-23 17:24:58Z";
        org.junit.jupiter.api.Assertions.assertEquals(
                "AADSTS7000215: Invalid client secret provided.", VaultErrors.withoutTraceIds(entra));
        org.junit.jupiter.api.Assertions.assertEquals("no trace here", VaultErrors.withoutTraceIds("no trace here"));
    }
}
