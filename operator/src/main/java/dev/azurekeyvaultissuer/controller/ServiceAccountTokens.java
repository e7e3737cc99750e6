package dev.azurekeyvaultissuer.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.azurekeyvaultissuer.keyvault.ErrorText;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Short-lived ServiceAccount tokens for Azure workload identity, requested through the TokenRequest API
 * ({@code create} on {@code serviceaccounts/token}: the operator never reads or lists ServiceAccounts or their
 * Secrets). One token per ServiceAccount is cached and replaced once half its lifetime has passed, so the assertion
 * azure-identity sends to Entra ID always has minutes left. A refresh that fails while the cached token is still valid
 * hands out the cached one (an API server hiccup must not break signing); once it has expired the failure shows.
 */
final class ServiceAccountTokens {

    /** The audience Entra ID expects in a federated credential's assertion. */
    static final String AUDIENCE = "api://AzureADTokenExchange";
    /** The API server's minimum; cert-manager's Vault issuer asks for the same. */
    static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(10);

    private static final Logger LOG = LoggerFactory.getLogger(ServiceAccountTokens.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The one call to the API server, apart so tests can fake it. */
    @FunctionalInterface
    interface TokenRequester {
        TokenRequest request(String namespace, String serviceAccount, TokenRequest request);
    }

    /** A token and the times that govern its refresh. */
    record Token(String value, Instant issuedAt, Instant expiresAt) {
        boolean dueForRefresh(Instant now) {
            return !now.isBefore(
                    issuedAt.plus(Duration.between(issuedAt, expiresAt).dividedBy(2)));
        }

        boolean expired(Instant now) {
            return !now.isBefore(expiresAt);
        }

        @Override
        public String toString() {
            return "Token[issuedAt=" + issuedAt + ", expiresAt=" + expiresAt + "]";
        }
    }

    private record Key(String namespace, String name) {}

    /** Serializes refreshes per ServiceAccount; holds its current token. */
    private static final class Slot {
        private Token token;
    }

    private final TokenRequester requester;
    private final Clock clock;
    private final Duration lifetime;
    private final ConcurrentMap<Key, Slot> slots = new ConcurrentHashMap<>();

    ServiceAccountTokens(KubernetesClient client) {
        this(
                (ns, name, request) ->
                        client.serviceAccounts().inNamespace(ns).withName(name).tokenRequest(request),
                Clock.systemUTC(),
                DEFAULT_LIFETIME);
    }

    ServiceAccountTokens(TokenRequester requester, Clock clock, Duration lifetime) {
        this.requester = Objects.requireNonNull(requester, "requester");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.lifetime = Objects.requireNonNull(lifetime, "lifetime");
    }

    /**
     * A token for the ServiceAccount, from the cache while less than half its lifetime has passed.
     *
     * @throws CredentialsUnavailableException naming the ServiceAccount when it is missing, the operator may not
     *         request tokens for it, or the API server failed and no valid token is cached
     */
    String token(String namespace, String name) {
        Slot slot = slots.computeIfAbsent(new Key(namespace, name), k -> new Slot());
        synchronized (slot) {
            Instant now = clock.instant();
            if (slot.token != null && !slot.token.dueForRefresh(now)) {
                return slot.token.value();
            }
            try {
                slot.token = request(namespace, name, now);
                return slot.token.value();
            } catch (CredentialsUnavailableException e) {
                if (slot.token != null && !slot.token.expired(now)) {
                    LOG.warn(
                            "ServiceAccount token refresh failed, using the cached token until {}: {}",
                            slot.token.expiresAt(),
                            e.getMessage());
                    return slot.token.value();
                }
                slot.token = null;
                throw e;
            }
        }
    }

    /** Drops the cached token of a ServiceAccount, e.g. when the issuer that named it is deleted. */
    void forget(String namespace, String name) {
        slots.remove(new Key(namespace, name));
    }

    /** The assertion supplier azure-identity calls whenever it needs a new Entra ID token. */
    Assertion assertion(String namespace, String name) {
        return new Assertion(this, namespace, name);
    }

    /** The issuer ({@code iss}) of the cached token, for messages: the one a federated credential must name. */
    Optional<String> issuer(String namespace, String name) {
        Slot slot = slots.get(new Key(namespace, name));
        if (slot == null) {
            return Optional.empty();
        }
        String value;
        synchronized (slot) {
            value = slot.token == null ? null : slot.token.value();
        }
        return value == null ? Optional.empty() : claim(value, "iss");
    }

    /** The subject Kubernetes puts into the tokens of a ServiceAccount, and Entra ID compares. */
    static String subject(String namespace, String name) {
        return "system:serviceaccount:" + namespace + ":" + name;
    }

    private Token request(String namespace, String name, Instant now) {
        TokenRequest request = new TokenRequestBuilder()
                .withNewSpec()
                .withAudiences(AUDIENCE)
                .withExpirationSeconds(lifetime.toSeconds())
                .endSpec()
                .build();
        TokenRequest answer;
        try {
            answer = requester.request(namespace, name, request);
        } catch (KubernetesClientException e) {
            throw new CredentialsUnavailableException(describe(e, namespace, name));
        }
        if (answer == null
                || answer.getStatus() == null
                || answer.getStatus().getToken() == null
                || answer.getStatus().getToken().isBlank()) {
            throw new CredentialsUnavailableException(
                    "the TokenRequest for ServiceAccount " + namespace + "/" + name + " returned no token");
        }
        Instant expires = expiry(answer, now);
        LOG.debug("ServiceAccount token requested serviceAccount=\"{}/{}\" expires={}", namespace, name, expires);
        return new Token(answer.getStatus().getToken(), now, expires);
    }

    /** The API server may shorten or lengthen the lifetime asked for; its answer (or the token's exp) counts. */
    private Instant expiry(TokenRequest answer, Instant now) {
        String stamp = answer.getStatus().getExpirationTimestamp();
        if (stamp != null && !stamp.isBlank()) {
            try {
                return OffsetDateTime.parse(stamp).toInstant();
            } catch (DateTimeParseException e) {
                // fall through to the token's own claim
            }
        }
        return claim(answer.getStatus().getToken(), "exp")
                .map(exp -> {
                    try {
                        return Instant.ofEpochSecond(Long.parseLong(exp));
                    } catch (NumberFormatException e) {
                        return null;
                    }
                })
                .orElse(now.plus(lifetime));
    }

    private static String describe(KubernetesClientException e, String namespace, String name) {
        String sa = "ServiceAccount " + namespace + "/" + name;
        String said = e.getStatus() != null && e.getStatus().getMessage() != null
                ? e.getStatus().getMessage()
                : String.valueOf(e.getMessage());
        said = ErrorText.firstLine(said);
        return switch (e.getCode()) {
            case 404 -> sa + " not found: create it, or fix spec.auth.workloadIdentity.serviceAccountRef.name";
            case 403 ->
                "the operator may not request tokens for " + sa + ": an administrator grants it with a Role "
                        + "allowing create on serviceaccounts/token for this ServiceAccount name and a RoleBinding to the "
                        + "operator's ServiceAccount in " + namespace
                        + " (docs/workload-identity.md); API server said: "
                        + said;
            default -> "the TokenRequest for " + sa + " failed (HTTP " + e.getCode() + "): " + said;
        };
    }

    /** A claim of a JWT's payload as text, without checking anything: for messages and refresh times only. */
    static Optional<String> claim(String jwt, String name) {
        String[] parts = jwt.split("\\.");
        if (parts.length < 2) {
            return Optional.empty();
        }
        try {
            JsonNode payload =
                    JSON.readTree(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
            JsonNode value = payload.get(name);
            return value == null || value.isNull() ? Optional.empty() : Optional.of(value.asText());
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Supplies the token of one ServiceAccount. Equal for the same ServiceAccount, so a vault session stays while an
     * issuer keeps naming it and is replaced when the issuer names another.
     */
    static final class Assertion implements Supplier<String> {
        private final ServiceAccountTokens tokens;
        private final String namespace;
        private final String name;

        private Assertion(ServiceAccountTokens tokens, String namespace, String name) {
            this.tokens = tokens;
            this.namespace = namespace;
            this.name = name;
        }

        @Override
        public String get() {
            return tokens.token(namespace, name);
        }

        String namespace() {
            return namespace;
        }

        String name() {
            return name;
        }

        String subject() {
            return ServiceAccountTokens.subject(namespace, name);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Assertion a
                    && a.tokens == tokens
                    && a.namespace.equals(namespace)
                    && a.name.equals(name);
        }

        @Override
        public int hashCode() {
            return Objects.hash(namespace, name);
        }

        @Override
        public String toString() {
            return "ServiceAccount " + namespace + "/" + name;
        }
    }
}
