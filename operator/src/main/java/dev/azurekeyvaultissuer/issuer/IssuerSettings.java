package dev.azurekeyvaultissuer.issuer;

import dev.azurekeyvaultissuer.api.CaCertificateSource;
import dev.azurekeyvaultissuer.api.IssuerAuth;
import dev.azurekeyvaultissuer.api.IssuerPolicy;
import dev.azurekeyvaultissuer.api.IssuerRevocation;
import dev.azurekeyvaultissuer.api.IssuerSpec;
import dev.azurekeyvaultissuer.api.SecretKeySelector;
import dev.azurekeyvaultissuer.keyvault.CertificateReference;
import dev.azurekeyvaultissuer.keyvault.KeyReference;
import dev.azurekeyvaultissuer.keyvault.SecretReference;
import dev.azurekeyvaultissuer.keyvault.SignatureAlgorithm;
import dev.azurekeyvaultissuer.pki.AuthorityUrls;
import dev.azurekeyvaultissuer.pki.IssuancePolicy;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An issuer's spec, checked and put into the domain's terms. The CRD's validation catches most mistakes before they
 * get here; this class repeats the checks that matter so a spec that slipped past (an old CRD, a direct write to
 * etcd) still gets a clear message instead of an exception.
 */
public record IssuerSettings(
        KeyReference key,
        CaCertificateLocation caCertificate,
        Optional<SignatureAlgorithm> signatureAlgorithm,
        AuthMethod auth,
        IssuancePolicy policy,
        AuthorityUrls urls,
        Optional<CrlSettings> revocation) {

    /** Settings without {@code spec.revocation}. */
    public IssuerSettings(
            KeyReference key,
            CaCertificateLocation caCertificate,
            Optional<SignatureAlgorithm> signatureAlgorithm,
            AuthMethod auth,
            IssuancePolicy policy,
            AuthorityUrls urls) {
        this(key, caCertificate, signatureAlgorithm, auth, policy, urls, Optional.empty());
    }

    /** Settings without {@code spec.policy} and URLs: the default policy (no CA certificates), no URLs. */
    public IssuerSettings(
            KeyReference key,
            CaCertificateLocation caCertificate,
            Optional<SignatureAlgorithm> signatureAlgorithm,
            AuthMethod auth) {
        this(
                key,
                caCertificate,
                signatureAlgorithm,
                auth,
                IssuancePolicy.DEFAULT,
                AuthorityUrls.NONE,
                Optional.empty());
    }

    /** The Go-style durations cert-manager writes, in whole hours, minutes and seconds: 2160h, 1h30m, 90s. */
    private static final Pattern DURATION = Pattern.compile("([0-9]+(h|m|s))+");

    private static final Pattern DURATION_PART = Pattern.compile("([0-9]+)(h|m|s)");

    public static IssuerSettings from(IssuerSpec spec) {
        if (spec == null) {
            throw new InvalidIssuerSpecException("spec is missing: set vaultURL and keyName, or keyURI");
        }
        try {
            KeyReference key = keyOf(spec);
            CaCertificateLocation caLocation = caLocationOf(spec.getCaCertificate(), key);
            return new IssuerSettings(
                    key,
                    caLocation,
                    SignatureAlgorithm.parse(spec.getSignatureAlgorithm()),
                    authOf(spec.getAuth()),
                    policyOf(spec.getPolicy()),
                    urlsOf(spec),
                    revocationOf(spec.getRevocation(), key, caLocation));
        } catch (IllegalArgumentException e) {
            throw new InvalidIssuerSpecException(e.getMessage());
        }
    }

    private static KeyReference keyOf(IssuerSpec spec) {
        boolean hasUri = notBlank(spec.getKeyURI());
        boolean hasParts = notBlank(spec.getVaultURL()) || notBlank(spec.getKeyName());
        if (hasUri && hasParts) {
            throw new InvalidIssuerSpecException("name the key either by keyURI or by vaultURL and keyName, not both");
        }
        if (hasUri) {
            if (notBlank(spec.getKeyVersion())) {
                throw new InvalidIssuerSpecException(
                        "with keyURI, put the version in the URI (azurekms://<vault-host>/<key>/<version>)");
            }
            return KeyReference.parseAzureKms(spec.getKeyURI());
        }
        if (!notBlank(spec.getVaultURL()) || !notBlank(spec.getKeyName())) {
            throw new InvalidIssuerSpecException("vaultURL and keyName are required unless keyURI is set");
        }
        return KeyReference.of(spec.getVaultURL(), spec.getKeyName(), spec.getKeyVersion());
    }

    private static CaCertificateLocation caLocationOf(CaCertificateSource source, KeyReference key) {
        String secretName = source == null ? null : source.getSecretName();
        String certificateName = source == null ? null : source.getCertificateName();
        String vaultUrl = source == null ? null : source.getVaultURL();
        if (notBlank(secretName) && notBlank(certificateName)) {
            throw new InvalidIssuerSpecException("caCertificate: set secretName or certificateName, not both");
        }
        URI vault =
                notBlank(vaultUrl) ? KeyReference.of(vaultUrl, key.name(), null).vaultUrl() : key.vaultUrl();
        if (!notBlank(vaultUrl) && key.isManagedHsm()) {
            throw new InvalidIssuerSpecException("a Managed HSM stores keys only: set caCertificate.vaultURL to the "
                    + "vault that holds the CA certificate");
        }
        if (notBlank(certificateName)) {
            return new CaCertificateLocation.VaultCertificate(new CertificateReference(vault, certificateName));
        }
        String name = notBlank(secretName) ? secretName : key.name();
        return new CaCertificateLocation.VaultSecret(new SecretReference(vault, name, Optional.empty()));
    }

    private static AuthMethod authOf(IssuerAuth auth) {
        if (auth == null) {
            return new AuthMethod.Ambient();
        }
        int chosen = (auth.getWorkloadIdentity() != null ? 1 : 0)
                + (auth.getManagedIdentity() != null ? 1 : 0)
                + (auth.getServicePrincipal() != null ? 1 : 0);
        if (chosen > 1) {
            throw new InvalidIssuerSpecException(
                    "auth: choose one of workloadIdentity, managedIdentity or servicePrincipal");
        }
        if (auth.getManagedIdentity() != null) {
            return new AuthMethod.ManagedIdentity(
                    required(auth.getManagedIdentity().getClientID(), "auth.managedIdentity.clientID"));
        }
        if (auth.getWorkloadIdentity() != null) {
            var wi = auth.getWorkloadIdentity();
            String sa = wi.getServiceAccountRef() == null
                    ? null
                    : wi.getServiceAccountRef().getName();
            return new AuthMethod.WorkloadIdentity(
                    required(sa, "auth.workloadIdentity.serviceAccountRef.name"),
                    required(wi.getClientID(), "auth.workloadIdentity.clientID"),
                    required(wi.getTenantID(), "auth.workloadIdentity.tenantID"));
        }
        if (auth.getServicePrincipal() != null) {
            var sp = auth.getServicePrincipal();
            String tenant = required(sp.getTenantID(), "auth.servicePrincipal.tenantID");
            String client = required(sp.getClientID(), "auth.servicePrincipal.clientID");
            if ((sp.getClientSecretRef() == null) == (sp.getClientCertificateRef() == null)) {
                throw new InvalidIssuerSpecException(
                        "auth.servicePrincipal: set exactly one of clientSecretRef or clientCertificateRef");
            }
            if (sp.getClientSecretRef() != null) {
                SecretKeySelector ref = sp.getClientSecretRef();
                return new AuthMethod.ClientSecret(
                        tenant,
                        client,
                        required(ref.getName(), "auth.servicePrincipal.clientSecretRef.name"),
                        required(ref.getKey(), "auth.servicePrincipal.clientSecretRef.key"));
            }
            SecretKeySelector ref = sp.getClientCertificateRef();
            return new AuthMethod.ClientCertificate(
                    tenant,
                    client,
                    required(ref.getName(), "auth.servicePrincipal.clientCertificateRef.name"),
                    required(ref.getKey(), "auth.servicePrincipal.clientCertificateRef.key"));
        }
        return new AuthMethod.Ambient();
    }

    /**
     * {@code spec.policy}; absent means {@link IssuancePolicy#DEFAULT}.
     *
     * @throws IllegalArgumentException naming the invalid {@code policy.*} field
     */
    static IssuancePolicy policyOf(IssuerPolicy policy) {
        if (policy == null) {
            return IssuancePolicy.DEFAULT;
        }
        List<IssuancePolicy.IpRange> ranges = new ArrayList<>();
        if (policy.getAllowedIPRanges() != null) {
            for (String range : policy.getAllowedIPRanges()) {
                ranges.add(IssuancePolicy.IpRange.parse(range));
            }
        }
        return new IssuancePolicy(
                Boolean.TRUE.equals(policy.getAllowCA()),
                Optional.ofNullable(policy.getMaxPathLen()),
                orEmpty(policy.getAllowedDNSNames()),
                orEmpty(policy.getAllowedURIPrefixes()),
                ranges,
                Optional.ofNullable(policy.getMaxDuration()).map(d -> duration(d, "policy.maxDuration")),
                orEmpty(policy.getAllowedUsages()));
    }

    /**
     * {@code spec.revocation}; absent means no CRL. The CRL secret lives in the vault of the CA certificate, which is
     * a Key Vault even when the key is in a Managed HSM (an HSM holds no secrets).
     */
    static Optional<CrlSettings> revocationOf(
            IssuerRevocation revocation, KeyReference key, CaCertificateLocation caLocation) {
        if (revocation == null) {
            return Optional.empty();
        }
        String name = notBlank(revocation.getSecretName())
                ? revocation.getSecretName().trim()
                : key.name() + "-crl";
        Duration validity = notBlank(revocation.getCrlValidity())
                ? duration(revocation.getCrlValidity(), "revocation.crlValidity")
                : CrlSettings.DEFAULT_VALIDITY;
        Duration refreshBefore = notBlank(revocation.getCrlRefreshBefore())
                ? duration(revocation.getCrlRefreshBefore(), "revocation.crlRefreshBefore")
                : CrlSettings.defaultRefreshBefore(validity);
        if (caLocation instanceof CaCertificateLocation.VaultSecret s
                && s.secret().name().equals(name)) {
            throw new IllegalArgumentException(
                    "revocation.secretName: \"" + name + "\" is the CA certificate's secret; name another");
        }
        return Optional.of(new CrlSettings(
                new SecretReference(caLocation.vaultUrl(), name, Optional.empty()), validity, refreshBefore));
    }

    /**
     * {@code spec.crlDistributionPoints}, {@code spec.ocspServers} and {@code spec.issuingCertificateURLs}, checked
     * again by {@link AuthorityUrls} as the CRD checks them; absent lists add no extension.
     *
     * @throws IllegalArgumentException naming the field and the entry that is not an http(s) URL
     */
    static AuthorityUrls urlsOf(IssuerSpec spec) {
        return new AuthorityUrls(
                orEmpty(spec.getCrlDistributionPoints()),
                orEmpty(spec.getOcspServers()),
                orEmpty(spec.getIssuingCertificateURLs()));
    }

    private static Duration duration(String text, String field) {
        String t = text.trim();
        if (!DURATION.matcher(t).matches()) {
            throw new IllegalArgumentException(field + ": \"" + text + "\" is not a duration such as"
                    + " 2160h or 1h30m (hours, minutes and seconds)");
        }
        Duration total = Duration.ZERO;
        Matcher part = DURATION_PART.matcher(t);
        try {
            while (part.find()) {
                long n = Long.parseLong(part.group(1));
                total = total.plus(
                        switch (part.group(2)) {
                            case "h" -> Duration.ofHours(n);
                            case "m" -> Duration.ofMinutes(n);
                            default -> Duration.ofSeconds(n);
                        });
            }
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException(field + ": \"" + text + "\" is too large");
        }
        return total;
    }

    private static List<String> orEmpty(List<String> list) {
        return list == null ? List.of() : list;
    }

    private static String required(String value, String field) {
        if (!notBlank(value)) {
            throw new InvalidIssuerSpecException(field + " is required");
        }
        return value.trim();
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }
}
