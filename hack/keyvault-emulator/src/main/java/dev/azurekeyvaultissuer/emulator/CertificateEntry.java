package dev.azurekeyvaultissuer.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One version of a Key Vault certificate: the chain (leaf first), its policy, and the same-named key and secret. */
final class CertificateEntry implements VersionedStore.Item {
    private final String name;
    private final String version;
    private final List<X509Certificate> chain;
    private final ObjectNode policy;
    private final Attributes attributes;
    private Map<String, String> tags;

    CertificateEntry(
            String name,
            String version,
            List<X509Certificate> chain,
            ObjectNode policy,
            Attributes attributes,
            Map<String, String> tags) {
        this.name = name;
        this.version = version;
        this.chain = List.copyOf(chain);
        this.policy = policy;
        this.attributes = attributes;
        this.tags = new LinkedHashMap<>(tags == null ? Map.of() : tags);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String version() {
        return version;
    }

    List<X509Certificate> chain() {
        return new ArrayList<>(chain);
    }

    X509Certificate leaf() {
        return chain.get(0);
    }

    ObjectNode policy() {
        return policy.deepCopy();
    }

    Attributes attributes() {
        return attributes;
    }

    synchronized Map<String, String> tags() {
        return new LinkedHashMap<>(tags);
    }

    synchronized void setTags(Map<String, String> tags) {
        this.tags = new LinkedHashMap<>(tags);
    }
}
