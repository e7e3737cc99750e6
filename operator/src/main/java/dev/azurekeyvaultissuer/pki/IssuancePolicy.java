package dev.azurekeyvaultissuer.pki;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.util.IPAddress;

/**
 * What an issuer lets its requesters have, beyond the certificate profile ({@code spec.policy}). Each rule that a
 * request breaks is a {@link PolicyViolationException} naming the policy field.
 *
 * <p>The constructor's arguments:
 * <ul>
 * <li>allowCA whether {@code isCA: true} requests are signed at all
 * <li>maxPathLength the largest pathLenConstraint an issued CA may get; empty means 0 when CAs are allowed
 *     (never unlimited), see {@link #pathLengthLimit()}
 * <li>allowedDnsNames DNS name patterns; empty allows any DNS name. {@code web.example.com} allows that name;
 *     {@code *.shop.example.com} allows every name below {@code shop.example.com}, at any depth, including
 *     wildcard names such as {@code *.shop.example.com} itself, but not {@code shop.example.com}
 * <li>allowedUriPrefixes URI prefixes; empty allows any URI. A URI SAN must start with one of them, compared as
 *     text, so {@code spiffe://cluster.local/ns/shop/} allows that namespace's identities only
 * <li>allowedIpRanges IP ranges; empty allows any IP address
 * <li>maxDuration the longest certificate lifetime that may be requested (the default 90 days counts when none
 *     is requested)
 * <li>allowedUsages cert-manager usage strings; empty allows all. Compared by what they put into the
 *     certificate, so aliases ({@code signing}, {@code digital signature}) are the same
 * </ul>
 */
public final class IssuancePolicy {

    /** The most entries each pattern list may have. */
    public static final int MAX_PATTERNS = 256;

    private static final java.util.regex.Pattern DNS_PATTERN = java.util.regex.Pattern.compile(
            "^(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$");

    /** No issuer policy: the profile and the CA chain's own constraints only. For tests and the pki layer. */
    public static final IssuancePolicy NONE = new IssuancePolicy(
            true, Optional.empty(), List.of(), List.of(), List.of(), Optional.empty(), List.of(), true);

    /** An issuer without {@code spec.policy}: everything the profile allows, except CA certificates. */
    public static final IssuancePolicy DEFAULT =
            new IssuancePolicy(false, Optional.empty(), List.of(), List.of(), List.of(), Optional.empty(), List.of());

    private final boolean allowCA;
    private final Optional<Integer> maxPathLength;
    private final List<String> allowedDnsNames;
    private final List<String> allowedUriPrefixes;
    private final List<IpRange> allowedIpRanges;
    private final Optional<Duration> maxDuration;
    private final List<String> allowedUsages;
    private final boolean unlimitedPathLength;

    /**
     * @throws IllegalArgumentException naming the {@code policy.*} field that is invalid
     */
    public IssuancePolicy(
            boolean allowCA,
            Optional<Integer> maxPathLength,
            List<String> allowedDnsNames,
            List<String> allowedUriPrefixes,
            List<IpRange> allowedIpRanges,
            Optional<Duration> maxDuration,
            List<String> allowedUsages) {
        this(
                allowCA,
                maxPathLength,
                allowedDnsNames,
                allowedUriPrefixes,
                allowedIpRanges,
                maxDuration,
                allowedUsages,
                false);
    }

    private IssuancePolicy(
            boolean allowCA,
            Optional<Integer> maxPathLength,
            List<String> allowedDnsNames,
            List<String> allowedUriPrefixes,
            List<IpRange> allowedIpRanges,
            Optional<Duration> maxDuration,
            List<String> allowedUsages,
            boolean unlimitedPathLength) {
        this.allowCA = allowCA;
        this.maxPathLength = Objects.requireNonNullElse(maxPathLength, Optional.empty());
        this.allowedDnsNames = normalizedDnsPatterns(allowedDnsNames);
        this.allowedUriPrefixes = checkedUriPrefixes(allowedUriPrefixes);
        this.allowedIpRanges = bounded(allowedIpRanges, "allowedIPRanges");
        this.maxDuration = Objects.requireNonNullElse(maxDuration, Optional.empty());
        this.allowedUsages = checkedUsages(allowedUsages);
        this.unlimitedPathLength = unlimitedPathLength;
        this.maxPathLength.ifPresent(n -> {
            if (n < 0) {
                throw new IllegalArgumentException("policy.maxPathLen must not be negative, got " + n);
            }
        });
        this.maxDuration.ifPresent(d -> {
            if (d.isNegative() || d.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("policy.maxDuration must be at least one second, got " + d);
            }
        });
    }

    public boolean allowCA() {
        return allowCA;
    }

    public Optional<Integer> maxPathLength() {
        return maxPathLength;
    }

    public List<String> allowedDnsNames() {
        return allowedDnsNames;
    }

    public List<String> allowedUriPrefixes() {
        return allowedUriPrefixes;
    }

    public List<IpRange> allowedIpRanges() {
        return allowedIpRanges;
    }

    public Optional<Duration> maxDuration() {
        return maxDuration;
    }

    public List<String> allowedUsages() {
        return allowedUsages;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IssuancePolicy p
                && p.allowCA == allowCA
                && p.maxPathLength.equals(maxPathLength)
                && p.allowedDnsNames.equals(allowedDnsNames)
                && p.allowedUriPrefixes.equals(allowedUriPrefixes)
                && p.allowedIpRanges.equals(allowedIpRanges)
                && p.maxDuration.equals(maxDuration)
                && p.allowedUsages.equals(allowedUsages)
                && p.unlimitedPathLength == unlimitedPathLength;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                allowCA,
                maxPathLength,
                allowedDnsNames,
                allowedUriPrefixes,
                allowedIpRanges,
                maxDuration,
                allowedUsages,
                unlimitedPathLength);
    }

    @Override
    public String toString() {
        return "IssuancePolicy[allowCA=" + allowCA + ", maxPathLen=" + maxPathLength + ", allowedDNSNames="
                + allowedDnsNames + ", allowedURIPrefixes=" + allowedUriPrefixes + ", allowedIPRanges="
                + allowedIpRanges + ", maxDuration=" + maxDuration + ", allowedUsages=" + allowedUsages + "]";
    }

    /** The largest pathLenConstraint this policy lets an issued CA have; empty only for {@link #NONE}. */
    public Optional<Integer> pathLengthLimit() {
        return unlimitedPathLength ? maxPathLength : Optional.of(maxPathLength.orElse(0));
    }

    /**
     * Checks a request against the policy.
     *
     * @param duration the lifetime asked for (the default when none is requested)
     * @throws PolicyViolationException naming the policy field
     */
    void check(VerifiedCsr csr, LeafRequest request, Duration duration) {
        if (request.isCA() && !allowCA) {
            throw new PolicyViolationException("the request asks for a CA certificate (isCA: true), but the"
                    + " issuer's policy.allowCA is not true");
        }
        maxDuration.ifPresent(max -> {
            if (duration.compareTo(max) > 0) {
                throw new PolicyViolationException("the requested duration " + duration + " is longer than the"
                        + " issuer's policy.maxDuration " + max);
            }
        });
        if (!allowedUsages.isEmpty()) {
            KeyUsages allowed = KeyUsages.of(allowedUsages, false);
            KeyUsages requested = KeyUsages.of(request.usages(), false);
            int extraBits = requested.keyUsageBits() & ~allowed.keyUsageBits();
            List<ASN1ObjectIdentifier> extraPurposes = requested.extendedKeyUsages().stream()
                    .filter(p -> !allowed.extendedKeyUsageSet().contains(p))
                    .toList();
            if (extraBits != 0 || !extraPurposes.isEmpty()) {
                throw new PolicyViolationException(
                        "the usages " + (extraBits != 0 ? KeyUsages.describeBits(extraBits) : "")
                                + (extraBits != 0 && !extraPurposes.isEmpty() ? " and " : "")
                                + (extraPurposes.isEmpty() ? "" : KeyUsages.describePurposes(extraPurposes))
                                + " are not in the issuer's policy.allowedUsages " + allowedUsages
                                + (request.usages().isEmpty()
                                        ? " (no spec.usages means digital signature and key" + " encipherment)"
                                        : ""));
            }
        }
        List<GeneralName> names =
                csr.subjectAltNames().map(n -> List.of(n.getNames())).orElse(List.of());
        for (GeneralName name : names) {
            switch (name.getTagNo()) {
                case GeneralName.dNSName -> requireDnsAllowed(name.getName().toString(), "DNS name");
                case GeneralName.uniformResourceIdentifier ->
                    requireUriAllowed(name.getName().toString());
                case GeneralName.iPAddress ->
                    requireIpAllowed(ASN1OctetString.getInstance(name.getName()).getOctets());
                default -> {
                    // email and otherName SANs are not restricted by the policy
                }
            }
        }
        if (!request.isCA()) {
            for (String cn : ChainConstraints.dnsLikeCommonNames(csr.subject())) {
                requireDnsAllowed(cn, "commonName");
            }
        } else {
            requireCaConfined(csr.nameConstraints());
        }
    }

    /**
     * A CA could issue any name it likes, so under a policy that restricts DNS names, IP addresses or URIs, a CA
     * request must carry name constraints that keep it inside: permitted DNS subtrees within the wildcard patterns,
     * permitted IP subtrees within the ranges. URI prefixes cannot be expressed as name constraints (those name
     * hosts, not paths), so a policy with allowedURIPrefixes issues no CA.
     */
    private void requireCaConfined(Optional<NameConstraints> constraints) {
        if (!allowedUriPrefixes.isEmpty()) {
            throw new PolicyViolationException("the request asks for a CA certificate, but the issuer's"
                    + " policy.allowedURIPrefixes restricts URIs, which name constraints cannot express: such an"
                    + " issuer signs no CA certificates");
        }
        if (allowedDnsNames.isEmpty() && allowedIpRanges.isEmpty()) {
            return;
        }
        GeneralSubtree[] permitted =
                constraints.map(NameConstraints::getPermittedSubtrees).orElse(null);
        if (!allowedDnsNames.isEmpty()) {
            List<String> subtrees = bases(permitted, GeneralName.dNSName).stream()
                    .map(b -> b.getName().toString())
                    .toList();
            if (subtrees.isEmpty()) {
                throw new PolicyViolationException("the request asks for a CA certificate without permitted DNS"
                        + " name constraints, but the issuer's policy.allowedDNSNames " + allowedDnsNames
                        + " restricts DNS names: add spec.nameConstraints.permitted.dnsDomains within it");
            }
            for (String subtree : subtrees) {
                if (!dnsSubtreeAllowed(subtree)) {
                    throw new PolicyViolationException("the requested permitted DNS name constraint \"" + subtree
                            + "\" is not within the issuer's policy.allowedDNSNames " + allowedDnsNames);
                }
            }
        }
        if (!allowedIpRanges.isEmpty()) {
            List<GeneralName> subtrees = bases(permitted, GeneralName.iPAddress);
            if (subtrees.isEmpty()) {
                throw new PolicyViolationException("the request asks for a CA certificate without permitted IP"
                        + " address name constraints, but the issuer's policy.allowedIPRanges " + allowedIpRanges
                        + " restricts IP addresses: add spec.nameConstraints.permitted.ipRanges within it");
            }
            for (GeneralName subtree : subtrees) {
                byte[] octets = ASN1OctetString.getInstance(subtree.getName()).getOctets();
                IpRange range = IpRange.fromAddressAndMask(octets);
                if (allowedIpRanges.stream().noneMatch(r -> r.containsRange(range))) {
                    throw new PolicyViolationException("the requested permitted IP name constraint " + range
                            + " is not within the issuer's policy.allowedIPRanges " + allowedIpRanges);
                }
            }
        }
    }

    private static List<GeneralName> bases(GeneralSubtree[] subtrees, int kind) {
        List<GeneralName> bases = new ArrayList<>();
        if (subtrees != null) {
            for (GeneralSubtree subtree : subtrees) {
                if (subtree.getBase().getTagNo() == kind) {
                    bases.add(subtree.getBase());
                }
            }
        }
        return bases;
    }

    /** A DNS subtree ({@code shop.example.com} or {@code .shop.example.com}) lies within a wildcard pattern. */
    private boolean dnsSubtreeAllowed(String subtree) {
        String s = subtree.toLowerCase(Locale.ROOT);
        for (String pattern : allowedDnsNames) {
            if (pattern.startsWith("*.")) {
                String suffix = pattern.substring(1);
                if (s.endsWith(suffix) && s.length() > suffix.length() || s.equals(suffix)) {
                    return true;
                }
            }
        }
        return false;
    }

    private void requireDnsAllowed(String name, String what) {
        if (allowedDnsNames.isEmpty() || dnsAllowed(name)) {
            return;
        }
        throw new PolicyViolationException("the " + what + " \"" + name + "\" is not allowed by the issuer's"
                + " policy.allowedDNSNames " + allowedDnsNames);
    }

    boolean dnsAllowed(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".")) {
            n = n.substring(0, n.length() - 1);
        }
        for (String pattern : allowedDnsNames) {
            if (pattern.startsWith("*.")
                    ? n.endsWith(pattern.substring(1)) && n.length() > pattern.length() - 1
                    : n.equals(pattern)) {
                return true;
            }
        }
        return false;
    }

    private void requireUriAllowed(String uri) {
        if (allowedUriPrefixes.isEmpty() || allowedUriPrefixes.stream().anyMatch(uri::startsWith)) {
            return;
        }
        throw new PolicyViolationException("the URI \"" + uri + "\" does not start with any of the issuer's"
                + " policy.allowedURIPrefixes " + allowedUriPrefixes);
    }

    private void requireIpAllowed(byte[] address) {
        if (allowedIpRanges.isEmpty() || allowedIpRanges.stream().anyMatch(r -> r.contains(address))) {
            return;
        }
        String text;
        try {
            text = InetAddress.getByAddress(address).getHostAddress();
        } catch (UnknownHostException e) {
            text = address.length + " bytes";
        }
        throw new PolicyViolationException(
                "the IP address " + text + " is not in the issuer's" + " policy.allowedIPRanges " + allowedIpRanges);
    }

    private static List<String> normalizedDnsPatterns(List<String> patterns) {
        List<String> normalized = new ArrayList<>();
        for (String pattern : bounded(patterns, "allowedDNSNames")) {
            String p = pattern == null ? "" : pattern.trim().toLowerCase(Locale.ROOT);
            if (p.length() > 253 || !DNS_PATTERN.matcher(p).matches()) {
                throw new IllegalArgumentException("policy.allowedDNSNames: \"" + pattern + "\" is not a DNS name"
                        + " or a pattern like *.shop.example.com (a wildcard is allowed only as the whole first"
                        + " label)");
            }
            normalized.add(p);
        }
        return List.copyOf(normalized);
    }

    private static List<String> checkedUriPrefixes(List<String> prefixes) {
        for (String prefix : bounded(prefixes, "allowedURIPrefixes")) {
            try {
                if (prefix == null || prefix.isBlank() || new URI(prefix).getScheme() == null) {
                    throw new URISyntaxException(String.valueOf(prefix), "no scheme");
                }
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("policy.allowedURIPrefixes: \"" + prefix + "\" is not the start"
                        + " of an absolute URI such as spiffe://cluster.local/ns/shop/");
            }
        }
        return List.copyOf(prefixes == null ? List.of() : prefixes);
    }

    private static List<String> checkedUsages(List<String> usages) {
        List<String> list = bounded(usages, "allowedUsages");
        if (!list.isEmpty()) {
            try {
                KeyUsages.of(list, false);
            } catch (CsrRejectedException e) {
                throw new IllegalArgumentException("policy.allowedUsages: " + e.getMessage());
            }
        }
        return List.copyOf(list);
    }

    private static <T> List<T> bounded(List<T> list, String field) {
        if (list == null) {
            return List.of();
        }
        if (list.size() > MAX_PATTERNS) {
            throw new IllegalArgumentException(
                    "policy." + field + " has " + list.size() + " entries; at most " + MAX_PATTERNS + " are accepted");
        }
        if (list.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException("policy." + field + " has an empty entry");
        }
        return List.copyOf(list);
    }

    /**
     * An IPv4 or IPv6 range in CIDR notation ({@code 10.0.0.0/8}, {@code fd00::/8}); a bare address is the range
     * of that address alone. Host bits must be zero, so the written range is the range meant.
     */
    public record IpRange(byte[] network, int prefixLength) {

        public IpRange {
            network = network.clone();
        }

        /**
         * @throws IllegalArgumentException for anything but an IP literal with an optional prefix length
         */
        public static IpRange parse(String cidr) {
            String text = cidr == null ? "" : cidr.trim();
            int slash = text.indexOf('/');
            String address = slash < 0 ? text : text.substring(0, slash);
            if (!IPAddress.isValid(address)) {
                throw new IllegalArgumentException("policy.allowedIPRanges: \"" + cidr + "\" is not an IP address"
                        + " or CIDR range such as 10.0.0.0/8 or fd00::/8");
            }
            byte[] octets;
            try {
                octets = InetAddress.getByName(address).getAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("policy.allowedIPRanges: \"" + cidr + "\" is not an IP address");
            }
            int bits = octets.length * 8;
            int prefix = bits;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(text.substring(slash + 1));
                } catch (NumberFormatException e) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > bits) {
                    throw new IllegalArgumentException(
                            "policy.allowedIPRanges: \"" + cidr + "\" has a prefix" + " length outside 0-" + bits);
                }
            }
            IpRange range = new IpRange(octets, prefix);
            if (!java.util.Arrays.equals(range.masked(octets), octets)) {
                throw new IllegalArgumentException("policy.allowedIPRanges: \"" + cidr + "\" has host bits set;"
                        + " write the network address, e.g. " + range);
            }
            return range;
        }

        /** A name constraint's IP subtree: address then mask, 8 or 32 bytes. */
        static IpRange fromAddressAndMask(byte[] addressAndMask) {
            int half = addressAndMask.length / 2;
            byte[] address = java.util.Arrays.copyOf(addressAndMask, half);
            int prefix = 0;
            for (int i = half; i < addressAndMask.length; i++) {
                prefix += Integer.bitCount(addressAndMask[i] & 0xff);
            }
            IpRange range = new IpRange(address, prefix);
            return new IpRange(range.masked(address), prefix);
        }

        boolean contains(byte[] address) {
            return address.length == network.length && java.util.Arrays.equals(masked(address), network);
        }

        boolean containsRange(IpRange other) {
            return other.network.length == network.length
                    && other.prefixLength >= prefixLength
                    && contains(other.network);
        }

        private byte[] masked(byte[] address) {
            byte[] result = address.clone();
            for (int i = 0; i < result.length; i++) {
                int keep = Math.max(0, Math.min(8, prefixLength - i * 8));
                result[i] &= (byte) (keep == 0 ? 0 : 0xff << (8 - keep));
            }
            return result;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof IpRange r
                    && r.prefixLength == prefixLength
                    && java.util.Arrays.equals(r.network, network);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(network) * 31 + prefixLength;
        }

        @Override
        public String toString() {
            try {
                return InetAddress.getByAddress(network).getHostAddress() + "/" + prefixLength;
            } catch (UnknownHostException e) {
                return "(invalid)";
            }
        }
    }
}
