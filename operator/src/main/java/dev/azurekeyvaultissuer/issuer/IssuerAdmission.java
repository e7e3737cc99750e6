package dev.azurekeyvaultissuer.issuer;

import dev.azurekeyvaultissuer.keyvault.VaultHosts;
import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What an issuer may use before anything is read or any vault is called, as decided by the administrator's flags.
 * Whoever may create an Issuer in a namespace must not reach an identity or a vault that is not theirs:
 *
 * <ul>
 *   <li>Ambient identities are the operator's own (no {@code auth}) and every managed identity on the node
 *       ({@code auth.managedIdentity}: the operator's, the kubelet's, another team's). A namespaced Issuer may use
 *       them only with {@code --issuer-ambient-credentials}, or a managed identity on the
 *       {@code --issuer-managed-identities} allow-list. ClusterIssuers, made by administrators, may.</li>
 *   <li>Vault hosts must be Azure's or allowed by {@link VaultHosts}, for both kinds.</li>
 * </ul>
 */
public record IssuerAdmission(boolean ambientCredentials, Set<String> allowedManagedIdentities, VaultHosts vaultHosts) {

    public static final String AMBIENT_FLAG = "--issuer-ambient-credentials";
    public static final String MANAGED_IDENTITIES_FLAG = "--issuer-managed-identities";

    public IssuerAdmission {
        allowedManagedIdentities = allowedManagedIdentities.stream()
                .map(s -> s.trim().toLowerCase(Locale.ROOT))
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
        Objects.requireNonNull(vaultHosts, "vaultHosts");
    }

    /** The strict defaults: no ambient identity for namespaced Issuers, Azure's vault hosts only. */
    public static IssuerAdmission strict() {
        return new IssuerAdmission(false, Set.of(), VaultHosts.azureOnly());
    }

    /** Why this issuer may not be used as it stands, or empty when it may be checked against its vault. */
    public Optional<IssuerHealth.NotReady> refusal(IssuerId issuer, IssuerSettings settings) {
        Optional<IssuerHealth.NotReady> auth = issuer.isClusterIssuer() ? Optional.empty() : authRefusal(settings);
        if (auth.isPresent()) {
            return auth;
        }
        return Stream.of(settings.key().vaultUrl(), settings.caCertificate().vaultUrl())
                .distinct()
                .map(this::hostRefusal)
                .flatMap(Optional::stream)
                .findFirst();
    }

    private Optional<IssuerHealth.NotReady> authRefusal(IssuerSettings settings) {
        if (ambientCredentials) {
            return Optional.empty();
        }
        if (settings.auth() instanceof AuthMethod.Ambient) {
            return Optional.of(new IssuerHealth.NotReady(
                    IssuerReasons.AMBIENT_CREDENTIALS_NOT_ALLOWED,
                    "a namespaced Issuer without spec.auth would sign with the operator's own Azure identity; set "
                            + "spec.auth, use a ClusterIssuer, or run the operator with " + AMBIENT_FLAG));
        }
        if (settings.auth() instanceof AuthMethod.ManagedIdentity mi
                && !allowedManagedIdentities.contains(mi.clientId().toLowerCase(Locale.ROOT))) {
            return Optional.of(new IssuerHealth.NotReady(
                    IssuerReasons.AMBIENT_CREDENTIALS_NOT_ALLOWED,
                    "managed identity " + mi.clientId() + " belongs to the node, not to this namespace: a "
                            + "namespaced Issuer may use it only when the operator runs with "
                            + MANAGED_IDENTITIES_FLAG + " naming it (or " + AMBIENT_FLAG + "); use workload "
                            + "identity or a service principal, or a ClusterIssuer"));
        }
        return Optional.empty();
    }

    private Optional<IssuerHealth.NotReady> hostRefusal(URI vaultUrl) {
        return vaultHosts.refusal(vaultUrl).map(why -> new IssuerHealth.NotReady(IssuerReasons.INVALID_SPEC, why));
    }
}
