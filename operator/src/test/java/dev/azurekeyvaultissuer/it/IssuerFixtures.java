package dev.azurekeyvaultissuer.it;

import dev.azurekeyvaultissuer.api.IssuerAuth;
import dev.azurekeyvaultissuer.api.IssuerSpec;
import dev.azurekeyvaultissuer.api.SecretKeySelector;
import dev.azurekeyvaultissuer.api.ServicePrincipalAuth;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;

/** Issuers that authenticate as a service principal whose client secret is in a Kubernetes Secret. */
final class IssuerFixtures {

    static final String CLIENT_SECRET_KEY = "clientSecret";

    private IssuerFixtures() {}

    static IssuerSpec servicePrincipalSpec(
            String vaultUrl, String keyName, String tenantId, String clientId, String secretName) {
        IssuerSpec spec = new IssuerSpec();
        spec.setVaultURL(vaultUrl);
        spec.setKeyName(keyName);
        ServicePrincipalAuth sp = new ServicePrincipalAuth();
        sp.setTenantID(tenantId);
        sp.setClientID(clientId);
        sp.setClientSecretRef(new SecretKeySelector(secretName, CLIENT_SECRET_KEY));
        IssuerAuth auth = new IssuerAuth();
        auth.setServicePrincipal(sp);
        spec.setAuth(auth);
        return spec;
    }

    static void putClientSecret(KubernetesClient admin, String namespace, String name, String secret) {
        admin.resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withNamespace(namespace)
                        .endMetadata()
                        .withStringData(Map.of(CLIENT_SECRET_KEY, secret))
                        .build())
                .serverSideApply();
    }
}
