package dev.azurekeyvaultissuer.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.issuer.AuthMethod;
import dev.azurekeyvaultissuer.issuer.IssuerId;
import dev.azurekeyvaultissuer.keyvault.KeyVault;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CredentialResolver and VaultSessions for auth.workloadIdentity, with a fake API server. */
class WorkloadIdentityCredentialsTest {

    private final ServiceAccountTokensTest.FakeClock clock = new ServiceAccountTokensTest.FakeClock();
    private final ServiceAccountTokensTest.FakeApiServer api = new ServiceAccountTokensTest.FakeApiServer(clock);
    private final ServiceAccountTokens tokens = new ServiceAccountTokens(api, clock, Duration.ofMinutes(10));
    private final CredentialResolver resolver = new CredentialResolver(null, tokens);

    @Test
    void resolvesToAClientAssertionOfTheServiceAccountInTheGivenNamespace() {
        VaultCredentials credentials =
                resolver.resolve(new AuthMethod.WorkloadIdentity("issuer", "client-a", "tenant-a"), "team-a");
        VaultCredentials.ClientAssertion assertion =
                assertInstanceOf(VaultCredentials.ClientAssertion.class, credentials);
        assertEquals("tenant-a", assertion.tenantId());
        assertEquals("client-a", assertion.clientId());
        assertEquals(List.of("team-a/issuer"), api.serviceAccounts, "a token is requested at once");
        String token = assertion.assertion().get();
        assertEquals(
                "system:serviceaccount:team-a:issuer",
                ServiceAccountTokens.claim(token, "sub").orElseThrow());
        assertEquals(1, api.requests.size(), "the supplier reuses the fresh token");
    }

    @Test
    void missingServiceAccountFailsTheCheckNotTheEntraCall() {
        api.failWith = 404;
        CredentialsUnavailableException e = assertThrows(
                CredentialsUnavailableException.class,
                () -> resolver.resolve(new AuthMethod.WorkloadIdentity("nope", "c", "t"), "team-a"));
        assertTrue(e.getMessage().contains("team-a/nope"), e.getMessage());
    }

    @Test
    void describesWhatWasPresented() {
        AuthMethod auth = new AuthMethod.WorkloadIdentity("issuer", "client-a", "tenant-a");
        resolver.resolve(auth, "team-a");
        String presented = resolver.presentedAssertion(auth, "team-a").orElseThrow();
        assertTrue(presented.contains("subject \"system:serviceaccount:team-a:issuer\""), presented);
        assertTrue(presented.contains("issuer \"https://kubernetes.default.svc.cluster.local\""), presented);
        assertTrue(presented.contains("api://AzureADTokenExchange") && presented.contains("client-a"), presented);
        assertTrue(resolver.presentedAssertion(new AuthMethod.ManagedIdentity("x"), "team-a")
                .isEmpty());
    }

    @Test
    void sessionStaysForTheSameServiceAccountAndIsReplacedForAnother() {
        List<VaultCredentials> connected = new ArrayList<>();
        VaultSessions sessions = new VaultSessions(credentials -> {
            connected.add(credentials);
            return (KeyVault) Proxy.newProxyInstance(
                    getClass().getClassLoader(),
                    new Class<?>[] {KeyVault.class},
                    (proxy, method, args) -> method.getName().equals("toString") ? "vault" + connected.size() : null);
        });
        IssuerId id = IssuerId.issuer("team-a", "ca");
        KeyVault first = sessions.vaultFor(
                id,
                "uid-1",
                resolver.resolve(new AuthMethod.WorkloadIdentity("issuer", "client-a", "tenant-a"), "team-a"));
        clock.advance(Duration.ofMinutes(7));
        KeyVault again = sessions.vaultFor(
                id,
                "uid-1",
                resolver.resolve(new AuthMethod.WorkloadIdentity("issuer", "client-a", "tenant-a"), "team-a"));
        assertSame(first, again, "a refreshed token keeps the session (and azure-identity's token cache)");
        KeyVault other = sessions.vaultFor(
                id,
                "uid-1",
                resolver.resolve(new AuthMethod.WorkloadIdentity("other", "client-a", "tenant-a"), "team-a"));
        assertNotSame(first, other, "another ServiceAccount with the same application is a new session");
        KeyVault otherClient = sessions.vaultFor(
                id,
                "uid-1",
                resolver.resolve(new AuthMethod.WorkloadIdentity("other", "client-b", "tenant-a"), "team-a"));
        assertNotSame(other, otherClient);
        assertEquals(3, connected.size());
    }
}
