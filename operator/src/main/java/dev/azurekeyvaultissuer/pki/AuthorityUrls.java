package dev.azurekeyvaultissuer.pki;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;

/**
 * Where relying parties find out about the issuing CA, written into every certificate it signs: the CRL
 * distribution points (RFC 5280 4.2.1.13), the OCSP responders and the URLs of the issuing CA's certificate
 * (Authority Information Access, RFC 5280 4.2.2.1). Each list keeps its order, because clients try the entries in
 * order.
 *
 * <p>Every entry is an absolute {@code http://} or {@code https://} URL with a host, without user information or a
 * fragment, in printable ASCII (a URI general name is an IA5String) and at most {@link #MAX_URL_LENGTH} characters;
 * each list has at most {@link #MAX_URLS} entries and no entry twice. LDAP distribution points are not accepted:
 * the CRLs this issuer will publish are served over HTTP, and most clients outside Windows cannot fetch from LDAP.
 *
 * @param crlDistributionPoints {@code spec.crlDistributionPoints}: the fullName URIs of one distribution point
 * @param ocspServers {@code spec.ocspServers}: AIA id-ad-ocsp
 * @param issuingCertificateUrls {@code spec.issuingCertificateURLs}: AIA id-ad-caIssuers
 */
public record AuthorityUrls(
        List<String> crlDistributionPoints, List<String> ocspServers, List<String> issuingCertificateUrls) {

    /** The most URLs one list may have; the CRD has the same limit. */
    public static final int MAX_URLS = 10;

    /** The longest URL accepted; the CRD has the same limit. */
    public static final int MAX_URL_LENGTH = 1024;

    /**
     * An absolute http(s) URL: a scheme, a host (a name, an IPv4 or a bracketed IPv6 address) and an optional port,
     * then an optional path and query in the characters RFC 3986 allows. The CRD's pattern is the same expression.
     */
    public static final String URL_PATTERN =
            "^https?://[A-Za-z0-9._~%!$&'()*+,;=:\\[\\]-]+(/[A-Za-z0-9._~%!$&'()*+,;=:@/?-]*)?$";

    private static final Pattern URL = Pattern.compile(URL_PATTERN);

    /** No URLs: the certificates get neither extension. */
    public static final AuthorityUrls NONE = new AuthorityUrls(List.of(), List.of(), List.of());

    /**
     * @throws IllegalArgumentException naming the field and the entry that is not a URL this issuer writes
     */
    public AuthorityUrls {
        crlDistributionPoints = checked(crlDistributionPoints, "crlDistributionPoints");
        ocspServers = checked(ocspServers, "ocspServers");
        issuingCertificateUrls = checked(issuingCertificateUrls, "issuingCertificateURLs");
    }

    /**
     * Adds the extensions these URLs call for, both non-critical as RFC 5280 requires for AIA and recommends for
     * CRL DPs: one distribution point whose fullName is the CRL URLs (a client may fetch any of them, each serving
     * the same CRL), and one AIA with the OCSP entries before the caIssuers entries. An empty list adds nothing.
     */
    void addTo(X509v3CertificateBuilder builder) throws CertIOException {
        if (!crlDistributionPoints.isEmpty()) {
            DistributionPoint point = new DistributionPoint(
                    new DistributionPointName(new GeneralNames(uris(crlDistributionPoints))), null, null);
            builder.addExtension(
                    Extension.cRLDistributionPoints, false, new CRLDistPoint(new DistributionPoint[] {point}));
        }
        if (!ocspServers.isEmpty() || !issuingCertificateUrls.isEmpty()) {
            AccessDescription[] access = new AccessDescription[ocspServers.size() + issuingCertificateUrls.size()];
            int i = 0;
            for (String url : ocspServers) {
                access[i++] = new AccessDescription(AccessDescription.id_ad_ocsp, uri(url));
            }
            for (String url : issuingCertificateUrls) {
                access[i++] = new AccessDescription(AccessDescription.id_ad_caIssuers, uri(url));
            }
            builder.addExtension(Extension.authorityInfoAccess, false, new AuthorityInformationAccess(access));
        }
    }

    private static GeneralName[] uris(List<String> urls) {
        return urls.stream().map(AuthorityUrls::uri).toArray(GeneralName[]::new);
    }

    private static GeneralName uri(String url) {
        return new GeneralName(GeneralName.uniformResourceIdentifier, url);
    }

    private static List<String> checked(List<String> urls, String field) {
        if (urls == null) {
            return List.of();
        }
        if (urls.size() > MAX_URLS) {
            throw new IllegalArgumentException(
                    field + " has " + urls.size() + " entries; at most " + MAX_URLS + " are accepted");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < urls.size(); i++) {
            String url = urls.get(i);
            String entry = field + "[" + i + "]";
            check(url, entry);
            if (!seen.add(url)) {
                throw new IllegalArgumentException(entry + ": \"" + url + "\" is listed twice");
            }
        }
        return List.copyOf(urls);
    }

    private static void check(String url, String entry) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException(entry + " is empty");
        }
        if (url.length() > MAX_URL_LENGTH) {
            throw new IllegalArgumentException(
                    entry + " is " + url.length() + " characters long; at most " + MAX_URL_LENGTH + " are accepted");
        }
        if (!URL.matcher(url).matches()) {
            throw new IllegalArgumentException(entry + ": \"" + url + "\" is not an absolute http:// or https:// URL"
                    + " (a host, then an optional path and query in URL characters, no fragment)");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(entry + ": \"" + url + "\" is not a URL: " + e.getReason());
        }
        // A server-based authority is what a client can connect to; URI falls back to a registry-based one (no host)
        // for text such as "http://a b" or "http://:80", and allows user information, which has no place here.
        if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getPort() > 65535) {
            throw new IllegalArgumentException(
                    entry + ": \"" + url + "\" does not name a host (and port) to connect" + " to");
        }
    }
}
