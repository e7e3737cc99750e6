package dev.azurekeyvaultissuer.issuer;

import static dev.azurekeyvaultissuer.testing.Properties.junk;
import static dev.azurekeyvaultissuer.testing.Properties.mutate;
import static dev.azurekeyvaultissuer.testing.Properties.oneOf;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.api.CaCertificateSource;
import dev.azurekeyvaultissuer.api.IssuerAuth;
import dev.azurekeyvaultissuer.api.IssuerPolicy;
import dev.azurekeyvaultissuer.api.IssuerSpec;
import dev.azurekeyvaultissuer.api.LocalObjectReference;
import dev.azurekeyvaultissuer.api.ManagedIdentityAuth;
import dev.azurekeyvaultissuer.api.SecretKeySelector;
import dev.azurekeyvaultissuer.api.ServicePrincipalAuth;
import dev.azurekeyvaultissuer.api.WorkloadIdentityAuth;
import dev.azurekeyvaultissuer.testing.Properties;
import dev.azurekeyvaultissuer.testing.Properties.Case;
import dev.azurekeyvaultissuer.testing.Properties.Outcome;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Issuer specs generated field by field (absent, valid, a valid value mutated, or junk) and read with
 * {@link IssuerSettings#from}: each is accepted or refused with {@link InvalidIssuerSpecException} and a message;
 * nothing else may come out, whatever a user writes into an Issuer.
 */
class IssuerSpecPropertiesTest {

    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    /** Values that are valid on their own, and values that are not (or are only in some combinations). */
    private record Values(List<String> valid, List<String> invalid) {}

    private static final Values VAULTS = new Values(
            List.of(
                    "https://contoso.vault.azure.net",
                    "https://contoso.vault.azure.net/",
                    "https://pool.managedhsm.azure.net",
                    "https://kv.vault.azure.cn",
                    "https://Contoso.Vault.Azure.Net"),
            List.of(
                    "https://127.0.0.1:8443",
                    "http://contoso.vault.azure.net",
                    "https://contoso.vault.azure.net:443/x",
                    "https://user@contoso.vault.azure.net",
                    "contoso.vault.azure.net",
                    "https://",
                    "https://[::1]:8443",
                    "https://contoso.vault.azure.net?x=1",
                    "ftp://contoso"));
    private static final Values KEY_NAMES = new Values(
            List.of("ca", "internal-ca", "a", "A-1-b", "x".repeat(127)),
            List.of("x".repeat(128), "bad_name", "bad.name", "-", "ca/1", "ca%2F1"));
    private static final Values VERSIONS = new Values(
            List.of("", "0123456789abcdef0123456789abcdef"),
            List.of("latest", "0", "v1", "0123456789ABCDEF0123456789ABCDEF"));
    private static final Values KEY_URIS = new Values(
            List.of(
                    "azurekms://contoso.vault.azure.net/ca",
                    "azurekms://contoso/ca",
                    "azurekms://contoso.vault.azure.net/ca/0123456789abcdef0123456789abcdef"),
            List.of(
                    "azurekms://contoso.vault.azure.net/",
                    "azurekms:///ca",
                    "https://contoso.vault.azure.net/keys/ca",
                    "azurekms://contoso.vault.azure.net/ca/1/2"));
    private static final Values ALGORITHMS =
            new Values(List.of("", "RS256", "ES256", "PS384", "ES512"), List.of("rs256", "ES256K", "EdDSA", "none"));
    private static final Values GUIDS = new Values(
            List.of("72f988bf-86f1-41af-91ab-2d7cd011db47", "00000000-0000-0000-0000-0000000000c1"),
            List.of("not-a-guid", "", "72F988BF-86F1-41AF-91AB-2D7CD011DB47"));
    private static final Values SECRET_NAMES = new Values(List.of("sp", "creds", "a.b"), List.of("Bad_Name", "", "-x"));
    private static final Values SECRET_KEYS =
            new Values(List.of("clientSecret", "tls.pem", "password"), List.of("", "a/b", "..", "k e y"));
    private static final Values DNS_PATTERNS = new Values(
            List.of("*.shop.example.com", "web.example.com", "*.svc"),
            List.of("*", "*.*.example.com", "ex*ample.com", "", ".example.com", "*.", "xn--bcher-kva.example"));
    private static final Values URI_PREFIXES =
            new Values(List.of("spiffe://cluster.local/ns/shop/", "https://x/"), List.of("", "spiffe://", "not a uri"));
    private static final Values IP_RANGES = new Values(
            List.of("10.0.0.0/8", "192.168.1.0/24", "::1/128", "2001:db8::/32"),
            List.of("10.0.0.0/33", "10.0.0.1", "300.0.0.0/8", "10.0.0.0/-1", "", "fe80::/129"));
    private static final Values DURATIONS = new Values(
            List.of("2160h", "1h30m", "720h0m0s"),
            List.of("90d", "0s", "-1h", "PT1H", "1e9h", "9999999999999999999h", "", "h", "1.5h"));
    private static final Values USAGES = new Values(
            List.of("digital signature", "key encipherment", "server auth", "client auth"),
            List.of("signing", "cert sign", "crl sign", "any", "Server Auth", "ipsec user", ""));

    /** The share of fields given an absent, junk or mutated value in the spec being made (0 for half the specs). */
    private static double breakage;

    private static boolean broken(Random random) {
        return random.nextDouble() < breakage;
    }

    private static String pick(Random random, Values values) {
        if (!broken(random)) {
            return oneOf(random, values.valid());
        }
        return switch (random.nextInt(4)) {
            case 0 -> null;
            case 1 -> junk(random, 40);
            case 2 -> oneOf(random, values.invalid());
            default -> mutate(random, oneOf(random, values.valid()));
        };
    }

    private static List<String> list(Random random, Values values) {
        if (random.nextInt(4) == 0) {
            return null;
        }
        List<String> out = new ArrayList<>();
        int n = random.nextInt(5);
        for (int i = 0; i < n; i++) {
            out.add(broken(random) && random.nextInt(4) == 0 ? null : pick(random, values));
        }
        return out;
    }

    private static SecretKeySelector selector(Random random) {
        return broken(random) && random.nextBoolean()
                ? null
                : new SecretKeySelector(pick(random, SECRET_NAMES), pick(random, SECRET_KEYS));
    }

    private static IssuerAuth auth(Random random) {
        if (random.nextInt(4) == 0) {
            return null;
        }
        IssuerAuth auth = new IssuerAuth();
        int kinds = broken(random) ? 7 : 1 << random.nextInt(3);
        if ((kinds & 1) != 0) {
            ServicePrincipalAuth sp = new ServicePrincipalAuth();
            sp.setTenantID(pick(random, GUIDS));
            sp.setClientID(pick(random, GUIDS));
            boolean certificate = random.nextBoolean();
            sp.setClientSecretRef(certificate && !broken(random) ? null : selector(random));
            sp.setClientCertificateRef(certificate || broken(random) ? selector(random) : null);
            auth.setServicePrincipal(sp);
        }
        if ((kinds & 2) != 0) {
            ManagedIdentityAuth mi = new ManagedIdentityAuth();
            mi.setClientID(pick(random, GUIDS));
            auth.setManagedIdentity(mi);
        }
        if ((kinds & 4) != 0) {
            WorkloadIdentityAuth wi = new WorkloadIdentityAuth();
            wi.setServiceAccountRef(
                    broken(random) && random.nextBoolean()
                            ? null
                            : new LocalObjectReference(pick(random, SECRET_NAMES)));
            wi.setClientID(pick(random, GUIDS));
            wi.setTenantID(pick(random, GUIDS));
            auth.setWorkloadIdentity(wi);
        }
        return auth;
    }

    private static IssuerPolicy policy(Random random) {
        if (random.nextInt(3) == 0) {
            return null;
        }
        IssuerPolicy policy = new IssuerPolicy();
        policy.setAllowCA(oneOf(random, null, true, false));
        policy.setMaxPathLen(
                broken(random)
                        ? oneOf(random, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 256)
                        : oneOf(random, null, 0, 1, 5));
        policy.setAllowedDNSNames(list(random, DNS_PATTERNS));
        policy.setAllowedURIPrefixes(list(random, URI_PREFIXES));
        policy.setAllowedIPRanges(list(random, IP_RANGES));
        policy.setMaxDuration(pick(random, DURATIONS));
        policy.setAllowedUsages(list(random, USAGES));
        return policy;
    }

    static Case<IssuerSpec> spec(Random random) {
        if (random.nextInt(200) == 0) {
            return new Case<>("null", null);
        }
        breakage = random.nextBoolean() ? 0 : random.nextDouble() * 0.6;
        IssuerSpec spec = new IssuerSpec();
        boolean byUri = random.nextInt(4) == 0;
        if (byUri || broken(random)) {
            spec.setKeyURI(pick(random, KEY_URIS));
            if (broken(random)) {
                spec.setKeyVersion(pick(random, VERSIONS));
            }
        }
        if (!byUri || broken(random)) {
            spec.setVaultURL(pick(random, VAULTS));
            spec.setKeyName(pick(random, KEY_NAMES));
            spec.setKeyVersion(pick(random, VERSIONS));
        }
        if (random.nextBoolean()) {
            CaCertificateSource ca = new CaCertificateSource();
            ca.setSecretName(pick(random, KEY_NAMES));
            ca.setCertificateName(broken(random) ? pick(random, KEY_NAMES) : null);
            ca.setVaultURL(random.nextBoolean() ? pick(random, VAULTS) : null);
            spec.setCaCertificate(ca);
        }
        spec.setSignatureAlgorithm(random.nextBoolean() ? pick(random, ALGORITHMS) : null);
        spec.setAuth(auth(random));
        spec.setPolicy(policy(random));
        return new Case<>(JSON.asJson(spec), spec);
    }

    @Test
    void everyGeneratedSpecIsReadOrRefusedWithAReason() {
        Properties.Report report =
                Properties.run("IssuerSettings.from", 0x15_0001L, 12_000, IssuerSpecPropertiesTest::spec, spec -> {
                    try {
                        IssuerSettings settings = IssuerSettings.from(spec);
                        assertNotNull(settings.key());
                        assertNotNull(settings.caCertificate());
                        assertNotNull(settings.auth());
                        return Outcome.accepted("spec");
                    } catch (InvalidIssuerSpecException e) {
                        assertNotNull(e.getMessage());
                        assertFalse(e.getMessage().isBlank());
                        return Outcome.refused(e.getMessage());
                    }
                });
        assertTrue(
                report.outcomes().getOrDefault("accepted: spec", 0) > 2000,
                "the generator reaches valid specs too: " + report);
        assertTrue(report.outcomes().getOrDefault("refused", 0) > 2000, "and invalid ones: " + report);
    }
}
