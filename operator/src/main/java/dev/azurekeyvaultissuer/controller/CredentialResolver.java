package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.issuer.AuthMethod;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Turns an issuer's auth into credentials by reading the one Secret it names, with a get in the namespace the
 * rules allow (the issuer's own, or the cluster resource namespace for a ClusterIssuer): never a list or watch of
 * Secrets. For workload identity it requests a token of the named ServiceAccount in that same namespace (TokenRequest
 * API) and hands azure-identity a supplier of fresh tokens.
 */
final class CredentialResolver {

    private final KubernetesClient client;
    private final ServiceAccountTokens serviceAccountTokens;

    CredentialResolver(KubernetesClient client) {
        this(client, new ServiceAccountTokens(client));
    }

    CredentialResolver(KubernetesClient client, ServiceAccountTokens serviceAccountTokens) {
        this.client = client;
        this.serviceAccountTokens = serviceAccountTokens;
    }

    VaultCredentials resolve(AuthMethod auth, String namespace) {
        if (auth instanceof AuthMethod.Ambient) {
            return new VaultCredentials.Ambient();
        }
        if (auth instanceof AuthMethod.ManagedIdentity mi) {
            return new VaultCredentials.ManagedIdentity(mi.clientId());
        }
        if (auth instanceof AuthMethod.ClientSecret cs) {
            String secret =
                    new String(secretValue(namespace, cs.secretName(), cs.secretKey()), StandardCharsets.UTF_8).trim();
            return new VaultCredentials.ClientSecret(cs.tenantId(), cs.clientId(), secret);
        }
        if (auth instanceof AuthMethod.ClientCertificate cc) {
            return new VaultCredentials.ClientCertificate(
                    cc.tenantId(), cc.clientId(), secretValue(namespace, cc.secretName(), cc.secretKey()));
        }
        if (auth instanceof AuthMethod.WorkloadIdentity wi) {
            // A token now: a missing ServiceAccount or missing RBAC shows as CredentialsUnavailable on this check,
            // not later inside azure-identity. The supplier reuses it and refreshes it at half its lifetime.
            serviceAccountTokens.token(namespace, wi.serviceAccountName());
            return new VaultCredentials.ClientAssertion(
                    wi.tenantId(), wi.clientId(), serviceAccountTokens.assertion(namespace, wi.serviceAccountName()));
        }
        throw new IllegalArgumentException("unknown auth " + auth);
    }

    /** Forgets what was cached for this auth: the ServiceAccount token of workload identity. */
    void forget(AuthMethod auth, String namespace) {
        if (auth instanceof AuthMethod.WorkloadIdentity wi) {
            serviceAccountTokens.forget(namespace, wi.serviceAccountName());
        }
    }

    /**
     * For an issuer on workload identity, what the operator presented to Entra ID, so that a rejected assertion can
     * be matched against the federated credential: empty for other auth.
     */
    Optional<String> presentedAssertion(AuthMethod auth, String namespace) {
        if (!(auth instanceof AuthMethod.WorkloadIdentity wi)) {
            return Optional.empty();
        }
        String sa = wi.serviceAccountName();
        return Optional.of("the operator presented a token of ServiceAccount " + namespace + "/" + sa
                + " with issuer \"" + serviceAccountTokens.issuer(namespace, sa).orElse("(unknown)")
                + "\", subject \"" + ServiceAccountTokens.subject(namespace, sa) + "\" and audience \""
                + ServiceAccountTokens.AUDIENCE + "\": a federated credential of application " + wi.clientId()
                + " must name exactly these");
    }

    private byte[] secretValue(String namespace, String name, String key) {
        Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
        if (secret == null) {
            throw new CredentialsUnavailableException("Secret " + namespace + "/" + name + " not found");
        }
        if (secret.getData() != null && secret.getData().containsKey(key)) {
            return Base64.getDecoder().decode(secret.getData().get(key));
        }
        if (secret.getStringData() != null && secret.getStringData().containsKey(key)) {
            return secret.getStringData().get(key).getBytes(StandardCharsets.UTF_8);
        }
        throw new CredentialsUnavailableException("Secret " + namespace + "/" + name + " has no key \"" + key + "\"");
    }
}
