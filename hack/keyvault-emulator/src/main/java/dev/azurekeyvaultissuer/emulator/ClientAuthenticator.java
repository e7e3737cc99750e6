package dev.azurekeyvaultissuer.emulator;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * Checks the client credential of a token request: client_secret, or client_assertion (a JWT signed with a registered
 * certificate's key: ClientCertificateCredential; or an external token matching a federated identity credential:
 * ClientAssertionCredential, WorkloadIdentityCredential).
 */
final class ClientAuthenticator {
    static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    record Result(ClientConfig client, String appidacr) {}

    private final Directory directory;
    private final Clock clock;

    ClientAuthenticator(Directory directory, Clock clock) {
        this.directory = directory;
        this.clock = clock;
    }

    Result authenticate(Map<String, String> form, String tokenEndpoint, String authorityUrl) {
        String clientId = form.get("client_id");
        String assertion = form.get("client_assertion");
        Jwt jwt = null;
        if (assertion != null) {
            if (!JWT_BEARER.equals(form.get("client_assertion_type"))) {
                throw new OAuthError(
                        400, "invalid_request", 50027, "client_assertion_type must be " + JWT_BEARER + ".");
            }
            try {
                jwt = Jwt.parse(assertion);
            } catch (IllegalArgumentException e) {
                throw new OAuthError(400, "invalid_client", 50027, "Invalid JWT token. " + e.getMessage());
            }
            if (clientId == null) {
                clientId = jwt.claim("sub");
            }
        }
        ClientConfig client = directory.client(clientId);
        if (client == null) {
            throw new OAuthError(
                    400,
                    "unauthorized_client",
                    700016,
                    "Application with identifier '" + clientId
                            + "' was not found in the directory '" + directory.tenantId()
                            + "'. This can happen if the application"
                            + " has not been installed by the administrator of the tenant or consented to by any user in the tenant."
                            + " You may have sent your authentication request to the wrong tenant.");
        }
        String secret = form.get("client_secret");
        if (secret != null) {
            if (client.secret() == null || !client.secret().equals(secret)) {
                throw new OAuthError(
                        401,
                        "invalid_client",
                        7000215,
                        "Invalid client secret provided. Ensure the secret"
                                + " being sent in the request is the client secret value, not the client secret ID, for a secret"
                                + " added to app '" + client.clientId() + "'.");
            }
            return new Result(client, "1");
        }
        if (jwt == null) {
            throw new OAuthError(
                    401,
                    "invalid_client",
                    7000218,
                    "The request body must contain the following parameter:"
                            + " 'client_assertion' or 'client_secret'.");
        }
        if (client.clientId().equals(jwt.claim("iss")) && !client.certificates().isEmpty()) {
            return new Result(certificateAssertion(client, jwt, tokenEndpoint, authorityUrl), "2");
        }
        return new Result(federatedAssertion(client, jwt), "2");
    }

    private ClientConfig certificateAssertion(ClientConfig client, Jwt jwt, String tokenEndpoint, String authorityUrl) {
        if (!client.clientId().equals(jwt.claim("sub"))) {
            throw new OAuthError(401, "invalid_client", 700023, "Client assertion sub claim must be the client id.");
        }
        List<String> aud = jwt.audiences();
        if (!aud.contains(tokenEndpoint) && !aud.contains(authorityUrl) && !aud.contains(authorityUrl + "/v2.0")) {
            throw new OAuthError(
                    401,
                    "invalid_client",
                    700212,
                    "Client assertion audience claim does not match the" + " token endpoint. Expected " + tokenEndpoint
                            + ", found " + aud + ".");
        }
        checkTime(jwt);
        for (X509Certificate c : client.certificates()) {
            if (jwt.verify(c.getPublicKey())) {
                return client;
            }
        }
        throw new OAuthError(
                401,
                "invalid_client",
                700027,
                "Client assertion failed signature validation. [Reason - The"
                        + " key used is not registered on application '" + client.clientId() + "'.]");
    }

    private ClientConfig federatedAssertion(ClientConfig client, Jwt jwt) {
        String iss = jwt.claim("iss");
        String sub = jwt.claim("sub");
        List<String> aud = jwt.audiences();
        for (Federation f : client.federations()) {
            if (f.issuer().equals(iss) && f.subject().equals(sub) && aud.contains(f.audience())) {
                checkTime(jwt);
                if (!f.publicKeys().isEmpty() && f.publicKeys().stream().noneMatch(jwt::verify)) {
                    throw new OAuthError(
                            401,
                            "invalid_client",
                            700213,
                            "Client assertion failed signature validation:" + " no signing key of federated issuer '"
                                    + iss + "' verifies it.");
                }
                return client;
            }
        }
        throw new OAuthError(
                400,
                "invalid_request",
                70021,
                "No matching federated identity record found for presented"
                        + " assertion. Assertion Issuer: '" + iss + "'. Assertion Subject: '" + sub
                        + "'. Assertion Audience: '"
                        + String.join(",", aud) + "'.");
    }

    private void checkTime(Jwt jwt) {
        long now = clock.instant().getEpochSecond();
        long exp = jwt.claims().path("exp").asLong(0);
        long nbf = jwt.claims().path("nbf").asLong(0);
        if (exp <= now || nbf > now + 300) {
            throw new OAuthError(
                    400,
                    "invalid_client",
                    700024,
                    "Client assertion is not within its valid time range." + " Current time: " + now
                            + ", assertion valid from " + nbf + ", expiry time of assertion " + exp + ".");
        }
    }
}
