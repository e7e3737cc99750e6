package dev.azurekeyvaultissuer.keyvault;

import java.time.Duration;
import java.util.Optional;

/**
 * A failed vault call, typed by what the caller can do about it. Messages are for users: they name the object and,
 * for {@link Kind#FORBIDDEN}, the permission that is missing. They never carry tokens or secret values.
 */
public class VaultException extends RuntimeException {

    /** What went wrong, from the caller's side. */
    public enum Kind {
        /** The key, secret, certificate or version does not exist (404). Fix the reference or create it. */
        NOT_FOUND(false),
        /** The identity lacks a permission (403). Grant it. */
        FORBIDDEN(false),
        /** No token could be obtained or the vault refused it (401, credential errors). Fix the identity. */
        UNAUTHENTICATED(false),
        /** The vault rejected the request as invalid (400), e.g. a disabled key or an unsupported algorithm. */
        INVALID(false),
        /** The vault throttled us (429). Wait, at least {@link #retryAfter()} when given. */
        THROTTLED(true),
        /** 5xx, timeouts, connection failures: the vault may answer next time. */
        UNAVAILABLE(true);

        private final boolean retryable;

        Kind(boolean retryable) {
            this.retryable = retryable;
        }

        public boolean isRetryable() {
            return retryable;
        }
    }

    private final Kind kind;
    private final transient Optional<Duration> retryAfter;

    public VaultException(Kind kind, String message) {
        this(kind, message, Optional.empty(), null);
    }

    public VaultException(Kind kind, String message, Throwable cause) {
        this(kind, message, Optional.empty(), cause);
    }

    public VaultException(Kind kind, String message, Optional<Duration> retryAfter, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.retryAfter = retryAfter;
    }

    public Kind kind() {
        return kind;
    }

    public boolean isRetryable() {
        return kind.isRetryable();
    }

    /** The server's Retry-After, when it sent one: Key Vault often throttles without it. */
    public Optional<Duration> retryAfter() {
        return retryAfter;
    }
}
