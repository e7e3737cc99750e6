package dev.azurekeyvaultissuer.pki;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;

/**
 * cert-manager's {@code spec.usages} strings mapped to X.509, exactly as cert-manager maps them
 * ({@code pkg/api/util/usages.go} and {@code KeyUsagesForCertificateOrCertificateRequest} in {@code pkg/util/pki}):
 * no usages means "digital signature" and "key encipherment"; {@code isCA} adds keyCertSign; "signing" is an alias
 * of "digital signature" and "s/mime" of "email protection". keyUsage is a bit mask, extendedKeyUsage a set of
 * purposes (duplicates removed, first mention first).
 *
 * @param keyUsageBits BouncyCastle {@link KeyUsage} bits; 0 means no keyUsage extension
 * @param extendedKeyUsages purposes in order; empty means no extendedKeyUsage extension
 */
public record KeyUsages(int keyUsageBits, List<ASN1ObjectIdentifier> extendedKeyUsages) {

    /** cert-manager's {@code DefaultKeyUsages()}: applied when a request lists none. */
    public static final List<String> DEFAULT = List.of("digital signature", "key encipherment");

    private static final Map<String, Integer> KEY_USAGES = new LinkedHashMap<>();
    private static final Map<String, ASN1ObjectIdentifier> EXTENDED_KEY_USAGES = new LinkedHashMap<>();
    // Names for messages, one per bit and purpose (the first of the aliases).
    private static final Map<Integer, String> BIT_NAMES = new LinkedHashMap<>();
    private static final Map<ASN1ObjectIdentifier, String> PURPOSE_NAMES = new LinkedHashMap<>();

    static {
        keyUsage("digital signature", KeyUsage.digitalSignature);
        keyUsage("signing", KeyUsage.digitalSignature);
        keyUsage("content commitment", KeyUsage.nonRepudiation);
        keyUsage("key encipherment", KeyUsage.keyEncipherment);
        keyUsage("key agreement", KeyUsage.keyAgreement);
        keyUsage("data encipherment", KeyUsage.dataEncipherment);
        keyUsage("cert sign", KeyUsage.keyCertSign);
        keyUsage("crl sign", KeyUsage.cRLSign);
        keyUsage("encipher only", KeyUsage.encipherOnly);
        keyUsage("decipher only", KeyUsage.decipherOnly);
        purpose("any", KeyPurposeId.anyExtendedKeyUsage.toOID());
        purpose("server auth", KeyPurposeId.id_kp_serverAuth.toOID());
        purpose("client auth", KeyPurposeId.id_kp_clientAuth.toOID());
        purpose("code signing", KeyPurposeId.id_kp_codeSigning.toOID());
        purpose("email protection", KeyPurposeId.id_kp_emailProtection.toOID());
        purpose("s/mime", KeyPurposeId.id_kp_emailProtection.toOID());
        purpose("ipsec end system", KeyPurposeId.id_kp_ipsecEndSystem.toOID());
        purpose("ipsec tunnel", KeyPurposeId.id_kp_ipsecTunnel.toOID());
        purpose("ipsec user", KeyPurposeId.id_kp_ipsecUser.toOID());
        purpose("timestamping", KeyPurposeId.id_kp_timeStamping.toOID());
        purpose("ocsp signing", KeyPurposeId.id_kp_OCSPSigning.toOID());
        purpose("microsoft sgc", new ASN1ObjectIdentifier("1.3.6.1.4.1.311.10.3.3"));
        purpose("netscape sgc", new ASN1ObjectIdentifier("2.16.840.1.113730.4.1"));
    }

    public KeyUsages {
        extendedKeyUsages = List.copyOf(new LinkedHashSet<>(extendedKeyUsages));
    }

    /**
     * Maps a CertificateRequest's usages and isCA.
     *
     * @throws CsrRejectedException naming every unknown usage
     */
    public static KeyUsages of(List<String> usages, boolean isCA) {
        List<String> effective = usages == null || usages.isEmpty() ? DEFAULT : usages;
        int bits = isCA ? KeyUsage.keyCertSign : 0;
        List<ASN1ObjectIdentifier> purposes = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String usage : effective) {
            Integer bit = usage == null ? null : KEY_USAGES.get(usage);
            ASN1ObjectIdentifier purpose = usage == null ? null : EXTENDED_KEY_USAGES.get(usage);
            if (bit != null) {
                bits |= bit;
            } else if (purpose != null) {
                purposes.add(purpose);
            } else {
                unknown.add("\"" + abbreviate(usage) + "\"");
            }
        }
        if (!unknown.isEmpty()) {
            throw new CsrRejectedException("unknown key usages " + String.join(", ", unknown) + "; cert-manager's"
                    + " usages are: " + String.join(", ", KEY_USAGES.keySet()) + ", "
                    + String.join(", ", EXTENDED_KEY_USAGES.keySet()));
        }
        return new KeyUsages(bits, purposes);
    }

    /** Names of the set bits in cert-manager's words, e.g. {@code [digital signature, key encipherment]}. */
    public static String describeBits(int bits) {
        StringJoiner names = new StringJoiner(", ", "[", "]");
        BIT_NAMES.forEach((bit, name) -> {
            if ((bits & bit) != 0) {
                names.add(name);
            }
        });
        return names.toString();
    }

    /** Names of purposes in cert-manager's words; unknown ones by OID. */
    public static String describePurposes(Iterable<ASN1ObjectIdentifier> purposes) {
        StringJoiner names = new StringJoiner(", ", "[", "]");
        for (ASN1ObjectIdentifier purpose : purposes) {
            names.add(PURPOSE_NAMES.getOrDefault(purpose, purpose.getId()));
        }
        return names.toString();
    }

    public Set<ASN1ObjectIdentifier> extendedKeyUsageSet() {
        return Set.copyOf(extendedKeyUsages);
    }

    private static void keyUsage(String name, int bit) {
        KEY_USAGES.put(name, bit);
        BIT_NAMES.putIfAbsent(bit, name);
    }

    private static void purpose(String name, ASN1ObjectIdentifier oid) {
        EXTENDED_KEY_USAGES.put(name, oid);
        PURPOSE_NAMES.putIfAbsent(oid, name);
    }

    private static String abbreviate(String usage) {
        if (usage == null) {
            return "null";
        }
        return usage.length() <= 40 ? usage : usage.substring(0, 40) + "...";
    }
}
