package dev.azurekeyvaultissuer.controller;

import dev.azurekeyvaultissuer.issuer.AuthMethod;
import dev.azurekeyvaultissuer.keyvault.VaultCredentials;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Turns an issuer's auth into credentials by reading the one Secret it names, with a get in the namespace the
 * rules allow (the issuer's own, or the cluster resource namespace for a ClusterIssuer): never a list or watch of
 * Secrets.
 */
final class CredentialResolver {

    private final KubernetesClient client;

    CredentialResolver(KubernetesClient client) {
        this.client = client;
    }

    VaultCredentials resolve(AuthMethod auth, String namespace) {
        if (auth instanceof AuthMethod.Ambient) {
            return new VaultCredentials.Ambient();
        }
        if (auth instanceof AuthMethod.ManagedIdentity mi) {
            return new VaultCredentials.ManagedIdentity(mi.clientId());
        }
        if (auth instanceof AuthMethod.ClientSecret cs) {
            String secret = new String(secretValue(namespace, cs.secretName(), cs.secretKey()), StandardCharsets.UTF_8)
                    .trim();
            return new VaultCredentials.ClientSecret(cs.tenantId(), cs.clientId(), secret);
        }
        if (auth instanceof AuthMethod.ClientCertificate cc) {
            return new VaultCredentials.ClientCertificate(cc.tenantId(), cc.clientId(),
                    secretValue(namespace, cc.secretName(), cc.secretKey()));
        }
        // Per-tenant workload identity (TokenRequest for a ServiceAccount) is not built yet: say so plainly.
        throw new CredentialsUnavailableException("auth.workloadIdentity is not supported by this version of the "
                + "operator yet; use servicePrincipal or the operator's own identity");
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
