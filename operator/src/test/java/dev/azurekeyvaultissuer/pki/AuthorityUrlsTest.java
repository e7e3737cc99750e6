package dev.azurekeyvaultissuer.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which URLs an issuer may write into its certificates, and how a refusal names the field and entry. */
class AuthorityUrlsTest {

    private static AuthorityUrls crl(String... urls) {
        return new AuthorityUrls(Arrays.asList(urls), List.of(), List.of());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "http://pki.example.com/ca.crl",
                "https://pki.example.com:8443/crl/ca.crl",
                "http://azure-keyvault-issuer.cert-manager.svc/crl/issuer/shop/ca",
                "http://10.0.0.1/ca.crl",
                "http://[fd00::1]:8080/ca.crl",
                "http://pki.example.com",
                "http://pki.example.com/crl?issuer=ca&v=2",
                "http://pki.example.com/a%20b.crl"
            })
    void absoluteHttpUrlsAreKeptAsGiven(String url) {
        assertEquals(List.of(url), crl(url).crlDistributionPoints());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "ldap://ldap.example.com/cn=CA,dc=example,dc=com?certificateRevocationList",
                "ftp://pki.example.com/ca.crl",
                "HTTP://pki.example.com/ca.crl",
                "pki.example.com/ca.crl",
                "/ca.crl",
                "http:///ca.crl",
                "http://user:secret@pki.example.com/ca.crl",
                "http://pki.example.com/ca.crl#latest",
                "http://pki.example.com/a b.crl",
                "http://pki.exämple.com/ca.crl",
                " http://pki.example.com/ca.crl",
                "http://pki.example.com:99999/ca.crl",
                "http://pki.example.com:port/ca.crl",
                "http://pki.example.com/%zz"
            })
    void otherTextIsRefusedNamingTheFieldAndEntry(String url) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> crl("http://pki.example.com/ca.crl", url));

        assertTrue(e.getMessage().startsWith("crlDistributionPoints[1]"), e.getMessage());
    }

    @Test
    void eachFieldIsNamedInItsOwnRefusal() {
        IllegalArgumentException ocsp = assertThrows(
                IllegalArgumentException.class,
                () -> new AuthorityUrls(List.of(), List.of("ocsp.example.com"), List.of()));
        IllegalArgumentException caIssuers = assertThrows(
                IllegalArgumentException.class,
                () -> new AuthorityUrls(List.of(), List.of(), List.of("file:///etc/ca.crt")));

        assertTrue(ocsp.getMessage().startsWith("ocspServers[0]: \"ocsp.example.com\""), ocsp.getMessage());
        assertTrue(
                caIssuers.getMessage().startsWith("issuingCertificateURLs[0]: \"file:///etc/ca.crt\""),
                caIssuers.getMessage());
    }

    @Test
    void emptyAndBlankEntriesAreRefused() {
        assertEquals(
                "crlDistributionPoints[0] is empty",
                assertThrows(IllegalArgumentException.class, () -> crl("  ")).getMessage());
        assertEquals(
                "crlDistributionPoints[0] is empty",
                assertThrows(IllegalArgumentException.class, () -> crl((String) null))
                        .getMessage());
    }

    @Test
    void aUrlListedTwiceIsRefused() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> crl("http://a.example.com/ca.crl", "http://b.example.com/ca.crl", "http://a.example.com/ca.crl"));

        assertEquals("crlDistributionPoints[2]: \"http://a.example.com/ca.crl\" is listed twice", e.getMessage());
    }

    @Test
    void theSameUrlMayServeTwoPurposes() {
        String url = "http://pki.example.com/ca";

        AuthorityUrls urls = new AuthorityUrls(List.of(url), List.of(url), List.of(url));

        assertEquals(List.of(url), urls.issuingCertificateUrls());
    }

    @Test
    void listsAndUrlsAreBounded() {
        List<String> eleven = new ArrayList<>();
        for (int i = 0; i <= AuthorityUrls.MAX_URLS; i++) {
            eleven.add("http://pki" + i + ".example.com/ca.crl");
        }
        String longest = "http://pki.example.com/" + "a".repeat(AuthorityUrls.MAX_URL_LENGTH - 23);

        assertEquals(
                "ocspServers has 11 entries; at most 10 are accepted",
                assertThrows(IllegalArgumentException.class, () -> new AuthorityUrls(List.of(), eleven, List.of()))
                        .getMessage());
        assertEquals(List.of(longest), crl(longest).crlDistributionPoints());
        assertEquals(
                "crlDistributionPoints[0] is 1025 characters long; at most 1024 are accepted",
                assertThrows(IllegalArgumentException.class, () -> crl(longest + "a"))
                        .getMessage());
        assertEquals(
                10,
                new AuthorityUrls(List.of(), eleven.subList(0, 10), List.of())
                        .ocspServers()
                        .size());
    }

    @Test
    void absentListsAreEmptyAndTheListsAreCopies() {
        List<String> given = new ArrayList<>(List.of("http://pki.example.com/ca.crl"));

        AuthorityUrls urls = new AuthorityUrls(given, null, null);
        given.add("http://other.example.com/ca.crl");

        assertEquals(List.of("http://pki.example.com/ca.crl"), urls.crlDistributionPoints());
        assertEquals(List.of(), urls.ocspServers());
        assertEquals(List.of(), urls.issuingCertificateUrls());
    }
}
