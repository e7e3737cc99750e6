package dev.azurekeyvaultissuer.pki;

import static dev.azurekeyvaultissuer.testing.Properties.junk;
import static dev.azurekeyvaultissuer.testing.Properties.oneOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.azurekeyvaultissuer.testing.CsrBuilder;
import dev.azurekeyvaultissuer.testing.Properties;
import dev.azurekeyvaultissuer.testing.Properties.Case;
import dev.azurekeyvaultissuer.testing.Properties.Outcome;
import dev.azurekeyvaultissuer.testing.TestKeyPairs;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.bouncycastle.asn1.x509.GeneralName;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CSRs generated (keys of every kind, subjects, SANs, usages, isCA, durations) and mutated (bytes of the DER
 * flipped, cut, repeated, lengths changed; the PEM layer broken; nesting and size bombs), each taken through the
 * whole leaf path: {@link VerifiedCsr#parse} and {@link LeafCertificateIssuer#issue} with an issuer policy. Every
 * input ends issued or refused with {@link CsrRejectedException} (or its policy and chain subclasses) and a message;
 * no other exception, and no input takes absurdly long.
 */
class CsrPropertiesTest {

    private static final int GENERATED = 2_000;
    private static final int MUTATED = 8_000;
    private static final List<String> KEY_KINDS = List.of(
            "P-256", "P-384", "P-521", "RSA-2048", "RSA-3072", "Ed25519", "RSA-1024", "DSA", "Ed448", "secp256k1");
    private static final List<String> USAGES = List.of(
            "digital signature",
            "key encipherment",
            "server auth",
            "client auth",
            "cert sign",
            "crl sign",
            "code signing",
            "email protection",
            "signing",
            "any",
            "bogus");
    private static final List<String> LABELS = List.of(
            "app", "web", "*", "xn--bcher-kva", "a-b", "-bad", "ü", "x".repeat(63), "x".repeat(64), "", "under_score");

    private static PkiFixtures.TestCa ca;
    private static IssuancePolicy policy;
    private static List<KeyPair> keys;
    private static final List<byte[]> seeds = new ArrayList<>();

    @BeforeAll
    static void caAndKeys() {
        ca = PkiFixtures.rootCa("P-256");
        policy = new IssuancePolicy(
                true, Optional.of(2), List.of(), List.of(), List.of(), Optional.of(Duration.ofDays(365)), List.of());
        keys = KEY_KINDS.stream().map(CsrPropertiesTest::key).toList();
    }

    private static KeyPair key(String kind) {
        return switch (kind) {
            case "DSA" -> TestKeyPairs.dsa();
            case "Ed448" -> TestKeyPairs.ed448();
            case "secp256k1" -> TestKeyPairs.bcEc("secp256k1");
            default -> PkiFixtures.keyPair(kind);
        };
    }

    private static String dnsName(Random random) {
        int labels = 1 + random.nextInt(4);
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < labels; i++) {
            parts.add(random.nextInt(5) == 0 ? oneOf(random, LABELS) : "l" + random.nextInt(1000));
        }
        return String.join(".", parts) + (random.nextBoolean() ? ".example.com" : "");
    }

    private static LeafRequest leafRequest(Random random, String pem) {
        boolean isCA = random.nextInt(6) == 0;
        List<String> usages = new ArrayList<>();
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
            usages.add(oneOf(random, USAGES));
        }
        Optional<Duration> duration = random.nextInt(3) == 0
                ? Optional.empty()
                : Optional.of(oneOf(
                        random,
                        Duration.ofHours(1),
                        Duration.ofDays(90),
                        Duration.ofDays(800),
                        Duration.ofSeconds(1),
                        Duration.ZERO,
                        Duration.ofSeconds(-5),
                        Duration.ofDays(365 * 200)));
        return new LeafRequest(pem, duration, isCA, usages);
    }

    /** A CSR made from parts; some parts are ones a careful client would not send. */
    private static String generatedCsr(Random random) {
        KeyPair key = random.nextInt(10) < 7 ? keys.get(random.nextInt(3)) : oneOf(random, keys);
        CsrBuilder b = CsrBuilder.forKey(key);
        switch (random.nextInt(5)) {
            case 0 -> b.subject("");
            case 1 -> b.subject("CN=" + dnsName(random) + ",O=Contoso,C=NL");
            case 2 -> b.subject("CN=" + junk(random, 20).replaceAll("[,+=\"\\\\<>;#]", "") + ",OU=x");
            default -> b.subject("CN=" + dnsName(random));
        }
        int sans = random.nextInt(5);
        for (int i = 0; i < sans; i++) {
            switch (random.nextInt(6)) {
                case 0 -> b.ip(oneOf(random, "10.0.0.1", "2001:db8::1", "192.168.0.255", "::"));
                case 1 -> b.uri(oneOf(random, "spiffe://cluster.local/ns/a/sa/b", "https://x.example/", "urn:x"));
                case 2 -> b.email(oneOf(random, "ops@example.com", "a@b", "not-an-address"));
                case 3 -> b.otherName(VerifiedCsr.UPN.getId(), "user" + random.nextInt(9) + "@example.com");
                case 4 ->
                    b.san(new GeneralName(GeneralName.dNSName, junk(random, 12).replaceAll("[^\\x20-\\x7e]", "")));
                default -> b.dns(dnsName(random));
            }
        }
        if (random.nextInt(4) == 0) {
            b.usages(List.of("digital signature", "key encipherment"), random.nextInt(4) == 0);
        }
        if (random.nextInt(8) == 0) {
            b.basicConstraints(random.nextInt(4) == 0 ? random.nextInt(5) : -1);
        }
        if (random.nextInt(20) == 0) {
            b.signWith(keys.get(random.nextInt(3)));
        }
        return b.pem();
    }

    static Case<LeafRequest> generated(Random random) {
        String pem;
        try {
            pem = generatedCsr(random);
        } catch (RuntimeException e) {
            // A part the test's own CSR builder cannot encode: the simplest CSR instead.
            pem = CsrBuilder.forKey(keys.get(0))
                    .subject("CN=fallback")
                    .dns("fallback.example.com")
                    .pem();
        }
        LeafRequest request = leafRequest(random, pem);
        return new Case<>(describe(request), request);
    }

    private static String describe(LeafRequest request) {
        return "isCA=" + request.isCA() + " usages=" + request.usages() + " duration=" + request.duration() + " csr="
                + request.csrPem().replace("\n", "\\n");
    }

    private static byte[] der(String pem) {
        return Pem.decode(pem, VerifiedCsr.MAX_PEM_CHARS).get(0).der();
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der) + "\n-----END " + label + "-----\n";
    }

    /** DER of SEQUENCEs nested {@code depth} deep, in a CERTIFICATE REQUEST block. */
    private static byte[] nestingBomb(int depth, boolean indefinite) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < depth; i++) {
            out.write(0x30);
            out.write(0x80);
        }
        if (!indefinite) {
            return out.toByteArray();
        }
        for (int i = 0; i < depth; i++) {
            out.write(0);
            out.write(0);
        }
        return out.toByteArray();
    }

    /** A valid CSR's DER with bytes changed, or its PEM layer broken. */
    static Case<LeafRequest> mutated(Random random) {
        byte[] base = seeds.get(random.nextInt(seeds.size()));
        byte[] der = Arrays.copyOf(base, base.length);
        String how;
        switch (random.nextInt(12)) {
            case 0, 1, 2 -> {
                int flips = 1 + random.nextInt(4);
                for (int i = 0; i < flips; i++) {
                    der[random.nextInt(der.length)] ^= (byte) (1 << random.nextInt(8));
                }
                how = flips + " bits flipped";
            }
            case 3 -> {
                int at = random.nextInt(der.length);
                der[at] = (byte) (int) oneOf(random, 0x00, 0x7f, 0x80, 0x81, 0x82, 0x84, 0xff);
                how = "byte " + at + " set to a length-like value";
            }
            case 4 -> {
                der = Arrays.copyOf(der, random.nextInt(der.length));
                how = "cut";
            }
            case 5 -> {
                int from = random.nextInt(der.length);
                int to = Math.min(der.length, from + 1 + random.nextInt(64));
                byte[] slice = Arrays.copyOfRange(der, from, to);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.write(der, 0, to);
                out.writeBytes(slice);
                out.write(der, to, der.length - to);
                der = out.toByteArray();
                how = "slice repeated";
            }
            case 6 -> {
                byte[] extra = new byte[1 + random.nextInt(32)];
                random.nextBytes(extra);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.writeBytes(der);
                out.writeBytes(extra);
                der = out.toByteArray();
                how = "junk appended";
            }
            case 7 -> {
                der = nestingBomb(1 + random.nextInt(20_000), random.nextBoolean());
                how = "nested SEQUENCEs";
            }
            case 8 -> {
                String pem = pem("CERTIFICATE REQUEST", der);
                String broken = switch (random.nextInt(7)) {
                    case 0 -> pem.replace("REQUEST", "REQUEST X");
                    case 1 -> pem + pem;
                    case 2 -> pem.replace("\n", "");
                    case 3 -> pem.substring(0, random.nextInt(pem.length()));
                    case 4 -> pem.replace("A", "*");
                    case 5 ->
                        pem.replace("-----BEGIN CERTIFICATE REQUEST-----", "-----BEGIN CERTIFICATE-----")
                                .replace("-----END CERTIFICATE REQUEST-----", "-----END CERTIFICATE-----");
                    default -> "garbage before\n" + pem.replace("\n", "\r\n") + junk(random, 30);
                };
                LeafRequest request = leafRequest(random, broken);
                return new Case<>("PEM broken: " + describe(request), request);
            }
            case 9 -> {
                LeafRequest request = leafRequest(
                        random,
                        random.nextBoolean()
                                ? junk(random, 300)
                                : "-----BEGIN CERTIFICATE REQUEST-----\n" + "QUFB".repeat(random.nextInt(20_000))
                                        + "\n-----END CERTIFICATE REQUEST-----\n");
                return new Case<>(
                        "junk or oversized: "
                                + describe(request)
                                        .substring(
                                                0,
                                                Math.min(300, describe(request).length())),
                        request);
            }
            default -> {
                int at = random.nextInt(der.length);
                int len = Math.min(der.length - at, 1 + random.nextInt(16));
                byte[] noise = new byte[len];
                random.nextBytes(noise);
                System.arraycopy(noise, 0, der, at, len);
                how = len + " bytes overwritten at " + at;
            }
        }
        LeafRequest request = leafRequest(
                random, pem(random.nextInt(10) == 0 ? "NEW CERTIFICATE REQUEST" : "CERTIFICATE REQUEST", der));
        return new Case<>(
                how + ": der=" + HexFormat.of().formatHex(der, 0, Math.min(der.length, 2048)) + " "
                        + describe(request).replaceAll("csr=.*", ""),
                request);
    }

    /** The leaf path: parse and check the CSR, then issue under the policy; issued or refused with a message. */
    private static Outcome leafPath(LeafRequest request) {
        try {
            VerifiedCsr.parse(request.csrPem());
        } catch (CsrRejectedException e) {
            return refused(e);
        }
        try {
            IssuedCertificate issued = ca.issue(request, policy);
            assertNotNull(issued.leaf());
            assertEquals(request.isCA(), issued.leaf().getBasicConstraints() >= 0, "isCA is what was asked");
            return Outcome.accepted("issued");
        } catch (CsrRejectedException e) {
            return refused(e);
        }
    }

    private static Outcome refused(CsrRejectedException e) {
        assertNotNull(e.getMessage(), "a refusal says why");
        assertTrue(!e.getMessage().isBlank(), "a refusal says why");
        assertTrue(
                e.getMessage().length() < 2048,
                "a refusal's message is short: " + e.getMessage().length());
        return Outcome.refused(e.getMessage());
    }

    @Test
    void generatedCsrsAreIssuedOrRefusedWithAReason() {
        Properties.Report report = Properties.run(
                "leaf path, generated CSRs",
                0x15_1000L,
                GENERATED,
                random -> {
                    Case<LeafRequest> c = generated(random);
                    if (seeds.size() < 200 && c.value().csrPem().startsWith("-----BEGIN")) {
                        seeds.add(der(c.value().csrPem()));
                    }
                    return c;
                },
                CsrPropertiesTest::leafPath);
        assertTrue(report.outcomes().getOrDefault("accepted: issued", 0) > GENERATED / 4, report.toString());
        assertTrue(report.outcomes().getOrDefault("refused", 0) > GENERATED / 20, report.toString());
    }

    @Test
    void mutatedCsrsAreIssuedOrRefusedWithAReason() {
        if (seeds.isEmpty()) {
            Random random = new Random(0x15_2000L);
            for (int i = 0; i < 200; i++) {
                seeds.add(der(generated(random).value().csrPem()));
            }
        }
        Properties.Report report = Properties.run(
                "leaf path, mutated CSRs",
                0x15_3000L,
                MUTATED,
                CsrPropertiesTest::mutated,
                CsrPropertiesTest::leafPath);
        assertTrue(report.outcomes().getOrDefault("refused", 0) > MUTATED / 2, report.toString());
    }

    @Test
    void base64AndPemLayersOfTheRequestNeverThrowAnythingElse() {
        Properties.run(
                "PEM layer, random text",
                0x15_4000L,
                2_000,
                random -> {
                    String text = switch (random.nextInt(3)) {
                        case 0 -> junk(random, 200);
                        case 1 ->
                            "-----BEGIN CERTIFICATE REQUEST-----\n" + junk(random, 200)
                                    + "\n-----END CERTIFICATE REQUEST-----";
                        default ->
                            new String(
                                    Base64.getDecoder()
                                            .decode(Base64.getEncoder()
                                                    .encodeToString(
                                                            junk(random, 100).getBytes(StandardCharsets.UTF_8))),
                                    StandardCharsets.UTF_8);
                    };
                    return new Case<>(text, text);
                },
                text -> {
                    try {
                        VerifiedCsr.parse(text);
                        return Outcome.accepted("parsed");
                    } catch (CsrRejectedException e) {
                        return refused(e);
                    }
                });
    }
}
