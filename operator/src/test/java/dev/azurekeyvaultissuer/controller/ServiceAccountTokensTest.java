package dev.azurekeyvaultissuer.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceAccountTokensTest {

    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private static final String ISSUER = "https://kubernetes.default.svc.cluster.local";

    /** A clock the test moves. */
    static final class FakeClock extends Clock {
        Instant now = T0;

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    /** An API server that issues numbered tokens, or fails with the status set. */
    static final class FakeApiServer implements ServiceAccountTokens.TokenRequester {
        final FakeClock clock;
        final List<TokenRequest> requests = new ArrayList<>();
        final List<String> serviceAccounts = new ArrayList<>();
        int failWith;
        boolean omitExpirationTimestamp;

        FakeApiServer(FakeClock clock) {
            this.clock = clock;
        }

        @Override
        public TokenRequest request(String namespace, String serviceAccount, TokenRequest request) {
            requests.add(request);
            serviceAccounts.add(namespace + "/" + serviceAccount);
            if (failWith != 0) {
                throw new KubernetesClientException(new StatusBuilder()
                        .withCode(failWith)
                        .withMessage("serviceaccounts \"" + serviceAccount + "\" is " + failWith)
                        .build());
            }
            long seconds = request.getSpec().getExpirationSeconds();
            Instant exp = clock.instant().plusSeconds(seconds);
            String token = jwt(namespace, serviceAccount, requests.size(), exp);
            return new TokenRequestBuilder(request)
                    .withNewStatus()
                    .withToken(token)
                    .withExpirationTimestamp(omitExpirationTimestamp ? null : exp.toString())
                    .endStatus()
                    .build();
        }
    }

    static String jwt(String namespace, String serviceAccount, int serial, Instant exp) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String payload = "{\"iss\":\"" + ISSUER + "\",\"sub\":\"system:serviceaccount:" + namespace + ":"
                + serviceAccount + "\",\"aud\":[\"api://AzureADTokenExchange\"],\"exp\":" + exp.getEpochSecond()
                + ",\"serial\":" + serial + "}";
        return b64.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + ".c2ln";
    }

    private final FakeClock clock = new FakeClock();
    private final FakeApiServer api = new FakeApiServer(clock);
    private final ServiceAccountTokens tokens = new ServiceAccountTokens(api, clock, Duration.ofMinutes(10));

    @Test
    void asksForTheEntraAudienceAndAShortLifetime() {
        String token = tokens.token("team-a", "issuer");
        assertEquals(1, api.requests.size());
        assertEquals(
                List.of("api://AzureADTokenExchange"),
                api.requests.get(0).getSpec().getAudiences());
        assertEquals(600L, api.requests.get(0).getSpec().getExpirationSeconds());
        assertEquals(List.of("team-a/issuer"), api.serviceAccounts);
        assertEquals(
                "system:serviceaccount:team-a:issuer",
                ServiceAccountTokens.claim(token, "sub").orElseThrow());
        assertEquals(ISSUER, tokens.issuer("team-a", "issuer").orElseThrow());
    }

    @Test
    void cachedUntilHalfItsLifetimeThenRefreshed() {
        String first = tokens.token("ns", "sa");
        clock.advance(Duration.ofMinutes(4).plusSeconds(59));
        assertEquals(first, tokens.token("ns", "sa"));
        assertEquals(first, tokens.assertion("ns", "sa").get(), "the supplier reads the same cache");
        assertEquals(1, api.requests.size());
        clock.advance(Duration.ofSeconds(1));
        String second = tokens.token("ns", "sa");
        assertNotEquals(first, second);
        assertEquals(2, api.requests.size());
        clock.advance(Duration.ofMinutes(5));
        assertNotEquals(second, tokens.assertion("ns", "sa").get());
        assertEquals(3, api.requests.size());
    }

    @Test
    void refreshFollowsTheLifetimeTheApiServerGranted() {
        api.omitExpirationTimestamp = true; // then the token's exp claim counts
        ServiceAccountTokens hourly = new ServiceAccountTokens(api, clock, Duration.ofHours(1));
        hourly.token("ns", "sa");
        clock.advance(Duration.ofMinutes(29));
        hourly.token("ns", "sa");
        assertEquals(1, api.requests.size());
        clock.advance(Duration.ofMinutes(1));
        hourly.token("ns", "sa");
        assertEquals(2, api.requests.size());
    }

    @Test
    void eachServiceAccountHasItsOwnToken() {
        String a = tokens.token("ns", "a");
        String b = tokens.token("ns", "b");
        String c = tokens.token("other", "a");
        assertNotEquals(a, b);
        assertNotEquals(a, c);
        assertEquals(
                "system:serviceaccount:other:a",
                ServiceAccountTokens.claim(c, "sub").orElseThrow());
        assertEquals(3, api.requests.size());
    }

    @Test
    void missingServiceAccountIsNamed() {
        api.failWith = 404;
        CredentialsUnavailableException e =
                assertThrows(CredentialsUnavailableException.class, () -> tokens.token("team-a", "gone"));
        assertTrue(e.getMessage().contains("ServiceAccount team-a/gone not found"), e.getMessage());
    }

    @Test
    void forbiddenTokenRequestNamesTheRbac() {
        api.failWith = 403;
        CredentialsUnavailableException e =
                assertThrows(CredentialsUnavailableException.class, () -> tokens.token("team-a", "issuer"));
        assertTrue(
                e.getMessage().contains("team-a/issuer")
                        && e.getMessage().contains("serviceaccounts/token")
                        && e.getMessage().contains("create"),
                e.getMessage());
    }

    @Test
    void aFailedRefreshKeepsTheValidTokenUntilItExpires() {
        String first = tokens.token("ns", "sa");
        clock.advance(Duration.ofMinutes(6));
        api.failWith = 500;
        assertEquals(first, tokens.token("ns", "sa"));
        clock.advance(Duration.ofMinutes(4));
        CredentialsUnavailableException e =
                assertThrows(CredentialsUnavailableException.class, () -> tokens.token("ns", "sa"));
        assertTrue(e.getMessage().contains("HTTP 500"), e.getMessage());
        api.failWith = 0;
        assertNotEquals(first, tokens.token("ns", "sa"));
    }

    @Test
    void assertionsAreEqualPerServiceAccount() {
        assertEquals(tokens.assertion("ns", "sa"), tokens.assertion("ns", "sa"));
        assertNotEquals(tokens.assertion("ns", "sa"), tokens.assertion("ns", "other"));
        assertEquals("ServiceAccount ns/sa", tokens.assertion("ns", "sa").toString());
    }
}
