package dev.azurekeyvaultissuer.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x509.GeneralName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** spec.policy: each rule refuses with the policy field's name, before anything is signed. */
class IssuancePolicyTest {

    private final PkiFixtures.TestCa root = PkiFixtures.rootCa("P-256");
    private final KeyPair leafKey = TestKeyPairs.ec("P-256");

    private static IssuancePolicy policy(List<String> dns, List<String> uris, List<String> ips) {
        return new IssuancePolicy(
                false,
                Optional.empty(),
                dns,
                uris,
                ips.stream().map(IssuancePolicy.IpRange::parse).toList(),
                Optional.empty(),
                List.of());
    }

    private static LeafRequest request(String pem, Duration duration, boolean isCA, String... usages) {
        return new LeafRequest(pem, Optional.ofNullable(duration), isCA, List.of(usages));
    }

    private CsrBuilder csr() {
        return CsrBuilder.forKey(leafKey).subject("CN=app");
    }

    private PolicyViolationException refused(LeafRequest request, IssuancePolicy policy, String... mentions) {
        long signedBefore = root.vault().signCalls();
        PolicyViolationException e = assertThrows(PolicyViolationException.class, () -> root.issue(request, policy));
        for (String mention : mentions) {
            assertTrue(e.getMessage().contains(mention), "\"" + mention + "\" in: " + e.getMessage());
        }
        assertEquals(signedBefore, root.vault().signCalls(), "nothing is signed");
        return e;
    }

    // ---- allowCA and maxPathLen

    @Test
    void withoutAPolicyCaRequestsAreRefused() {
        refused(request(csr().pem(), null, true), IssuancePolicy.DEFAULT, "isCA: true", "policy.allowCA");
    }

    @Test
    void allowCaIssuesACaWithPathLenZeroByDefault() {
        IssuancePolicy allow = new IssuancePolicy(
                true, Optional.empty(), List.of(), List.of(), List.of(), Optional.empty(), List.of());

        assertEquals(
                0, root.issue(request(csr().pem(), null, true), allow).leaf().getBasicConstraints());
    }

    @Test
    void maxPathLenIsWhatACaGetsWhenItAsksForNothing() {
        IssuancePolicy two =
                new IssuancePolicy(true, Optional.of(2), List.of(), List.of(), List.of(), Optional.empty(), List.of());

        assertEquals(2, root.issue(request(csr().pem(), null, true), two).leaf().getBasicConstraints());
        refused(request(csr().basicConstraints(3).pem(), null, true), two, "policy.maxPathLen allows at most 2");
    }

    // ---- names

    @Test
    void dnsNamesMustMatchAnExactNameOrAWildcardPattern() {
        IssuancePolicy shop = policy(List.of("*.shop.example.com", "api.example.com"), List.of(), List.of());

        root.issue(
                request(
                        csr().dns(
                                        "web.shop.example.com",
                                        "a.b.shop.example.com",
                                        "*.shop.example.com",
                                        "API.example.com")
                                .pem(),
                        null,
                        false),
                shop);
        refused(
                request(csr().dns("shop.example.com").pem(), null, false),
                shop,
                "DNS name \"shop.example.com\"",
                "policy.allowedDNSNames [*.shop.example.com, api.example.com]");
        refused(
                request(csr().dns("web.shop.example.com.evil.org").pem(), null, false),
                shop,
                "web.shop.example.com.evil.org");
        refused(request(csr().dns("www.api.example.com").pem(), null, false), shop, "www.api.example.com");
    }

    @Test
    void aCommonNameThatIsADnsNameMustMatchToo() {
        IssuancePolicy shop = policy(List.of("*.shop.example.com"), List.of(), List.of());

        root.issue(
                request(
                        CsrBuilder.forKey(leafKey)
                                .subject("CN=Shop frontend")
                                .dns("web.shop.example.com")
                                .pem(),
                        null,
                        false),
                shop);
        refused(
                request(
                        CsrBuilder.forKey(leafKey)
                                .subject("CN=www.example.org")
                                .dns("web.shop.example.com")
                                .pem(),
                        null,
                        false),
                shop,
                "commonName \"www.example.org\"",
                "policy.allowedDNSNames");
    }

    @Test
    void urisMustStartWithAnAllowedPrefix() {
        IssuancePolicy spiffe = policy(List.of(), List.of("spiffe://cluster.local/ns/shop/"), List.of());

        root.issue(request(csr().uri("spiffe://cluster.local/ns/shop/sa/web").pem(), null, false), spiffe);
        refused(
                request(csr().uri("spiffe://cluster.local/ns/bank/sa/web").pem(), null, false),
                spiffe,
                "URI \"spiffe://cluster.local/ns/bank/sa/web\"",
                "policy.allowedURIPrefixes");
    }

    @Test
    void ipAddressesMustLieInAnAllowedRange() {
        IssuancePolicy tenEight = policy(List.of(), List.of(), List.of("10.0.0.0/8", "fd00::/8", "192.168.1.7"));

        root.issue(request(csr().ip("10.1.2.3", "fd00::1", "192.168.1.7").pem(), null, false), tenEight);
        refused(
                request(csr().ip("11.0.0.1").pem(), null, false),
                tenEight,
                "IP address 11.0.0.1",
                "policy.allowedIPRanges [10.0.0.0/8, fd00:0:0:0:0:0:0:0/8, 192.168.1.7/32]");
        refused(request(csr().ip("192.168.1.8").pem(), null, false), tenEight, "192.168.1.8");
    }

    @Test
    void aCaUnderDnsPatternsMustBeConfinedByNameConstraintsWithinThem() {
        IssuancePolicy shop = new IssuancePolicy(
                true,
                Optional.empty(),
                List.of("*.shop.example.com"),
                List.of(),
                List.of(IssuancePolicy.IpRange.parse("10.0.0.0/8")),
                Optional.empty(),
                List.of());
        GeneralName tenOne = new GeneralName(
                GeneralName.iPAddress, new DEROctetString(new byte[] {10, 1, 0, 0, (byte) 255, (byte) 255, 0, 0}));

        root.issue(
                request(
                        csr().nameConstraints(
                                        List.of(new GeneralName(GeneralName.dNSName, "eu.shop.example.com"), tenOne),
                                        null)
                                .pem(),
                        null,
                        true),
                shop);
        refused(
                request(csr().pem(), null, true),
                shop,
                "without permitted DNS name constraints",
                "policy.allowedDNSNames");
        refused(
                request(
                        csr().nameConstraints(
                                        List.of(new GeneralName(GeneralName.dNSName, "example.com"), tenOne), null)
                                .pem(),
                        null,
                        true),
                shop,
                "\"example.com\" is not within",
                "policy.allowedDNSNames");
        refused(
                request(
                        csr().nameConstraints(
                                        List.of(new GeneralName(GeneralName.dNSName, "eu.shop.example.com")), null)
                                .pem(),
                        null,
                        true),
                shop,
                "without permitted IP",
                "policy.allowedIPRanges");
    }

    @Test
    void aCaUnderUriPrefixesIsRefused() {
        IssuancePolicy spiffe = new IssuancePolicy(
                true,
                Optional.empty(),
                List.of(),
                List.of("spiffe://cluster.local/ns/shop/"),
                List.of(),
                Optional.empty(),
                List.of());

        refused(request(csr().pem(), null, true), spiffe, "policy.allowedURIPrefixes");
    }

    // ---- duration and usages

    @Test
    void aDurationLongerThanMaxDurationIsRefused() {
        IssuancePolicy day = new IssuancePolicy(
                false, Optional.empty(), List.of(), List.of(), List.of(), Optional.of(Duration.ofHours(24)), List.of());

        root.issue(request(csr().pem(), Duration.ofHours(24), false), day);
        refused(request(csr().pem(), Duration.ofHours(25), false), day, "PT25H", "policy.maxDuration PT24H");
        refused(request(csr().pem(), null, false), day, "PT2160H", "policy.maxDuration");
    }

    @Test
    void usagesOutsideAllowedUsagesAreRefusedComparedByMeaning() {
        IssuancePolicy serverOnly = new IssuancePolicy(
                false,
                Optional.empty(),
                List.of(),
                List.of(),
                List.of(),
                Optional.empty(),
                List.of("digital signature", "key encipherment", "server auth"));

        root.issue(request(csr().pem(), null, false, "signing", "server auth"), serverOnly);
        root.issue(request(csr().pem(), null, false), serverOnly);
        refused(
                request(csr().pem(), null, false, "digital signature", "client auth"),
                serverOnly,
                "[client auth]",
                "policy.allowedUsages");
        refused(request(csr().pem(), null, false, "cert sign"), serverOnly, "[cert sign]", "policy.allowedUsages");
    }

    // ---- the policy itself

    @ParameterizedTest
    @ValueSource(strings = {"*", "*.", "a.*.example.com", "-bad.example.com", "exa mple.com", "", "**.example.com"})
    void badDnsPatternsAreRefusedNamingTheField(String pattern) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> policy(List.of(pattern), List.of(), List.of()));
        assertTrue(e.getMessage().startsWith("policy.allowedDNSNames"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/33", "10.0.0.1/8", "example.com", "10.0.0/8", "fd00::/129", "10.0.0.0/x", ""})
    void badIpRangesAreRefusedNamingTheField(String range) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> IssuancePolicy.IpRange.parse(range));
        assertTrue(e.getMessage().startsWith("policy.allowedIPRanges"), e.getMessage());
    }

    @Test
    void otherBadPolicyFieldsAreRefusedNamingTheField() {
        assertTrue(
                assertThrows(IllegalArgumentException.class, () -> policy(List.of(), List.of("no scheme"), List.of()))
                        .getMessage()
                        .startsWith("policy.allowedURIPrefixes"));
        assertTrue(assertThrows(
                        IllegalArgumentException.class,
                        () -> new IssuancePolicy(
                                false,
                                Optional.empty(),
                                List.of(),
                                List.of(),
                                List.of(),
                                Optional.empty(),
                                List.of("server auth", "world domination")))
                .getMessage()
                .startsWith("policy.allowedUsages"));
        assertTrue(assertThrows(
                        IllegalArgumentException.class,
                        () -> new IssuancePolicy(
                                true, Optional.of(-1), List.of(), List.of(), List.of(), Optional.empty(), List.of()))
                .getMessage()
                .startsWith("policy.maxPathLen"));
        assertTrue(assertThrows(
                        IllegalArgumentException.class,
                        () -> new IssuancePolicy(
                                false,
                                Optional.empty(),
                                List.of(),
                                List.of(),
                                List.of(),
                                Optional.of(Duration.ZERO),
                                List.of()))
                .getMessage()
                .startsWith("policy.maxDuration"));
    }
}
