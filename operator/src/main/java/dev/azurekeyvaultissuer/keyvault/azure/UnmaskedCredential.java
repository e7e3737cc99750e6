package dev.azurekeyvaultissuer.keyvault.azure;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.exception.HttpResponseException;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * Keeps a credential's failures out of the Key Vault SDK's own exception mapping. azure-identity reports some refused
 * token requests (managed identity with an unknown client ID, {@code CredentialUnavailableException}) as a
 * {@code ClientAuthenticationException} without an HTTP response; {@code KeyClient.getKey},
 * {@code SecretClient.getSecret} and others map every {@link HttpResponseException} by reading its response's
 * status, so such a failure became a NullPointerException that lost the cause, and an issuer with a wrong managed
 * identity read "call to vault failed: NullPointerException" (Azure/azure-sdk-for-java#47647). Wrapped in an
 * exception that is no HttpResponseException, it passes the SDK untouched and {@link VaultErrors} finds the original
 * in the cause chain.
 */
final class UnmaskedCredential implements TokenCredential {

    /** A token request that failed without an HTTP response; the cause is azure-identity's exception. */
    static final class TokenRequestFailedException extends RuntimeException {
        TokenRequestFailedException(HttpResponseException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private final TokenCredential delegate;

    UnmaskedCredential(TokenCredential delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public Mono<AccessToken> getToken(TokenRequestContext request) {
        return delegate.getToken(request)
                .onErrorMap(
                        UnmaskedCredential::withoutResponse,
                        e -> new TokenRequestFailedException((HttpResponseException) e));
    }

    @Override
    public AccessToken getTokenSync(TokenRequestContext request) {
        try {
            return delegate.getTokenSync(request);
        } catch (HttpResponseException e) {
            throw withoutResponse(e) ? new TokenRequestFailedException(e) : e;
        }
    }

    private static boolean withoutResponse(Throwable e) {
        return e instanceof HttpResponseException http && http.getResponse() == null;
    }
}
