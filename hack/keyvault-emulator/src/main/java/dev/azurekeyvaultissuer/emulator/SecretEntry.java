package dev.azurekeyvaultissuer.emulator;

import java.util.LinkedHashMap;
import java.util.Map;

/** One version of a vault secret. */
final class SecretEntry implements VersionedStore.Item {
    private final String name;
    private final String version;
    private final String value;
    private final Attributes attributes;
    private final boolean managed;
    private final String keyId;
    private String contentType;
    private Map<String, String> tags;

    SecretEntry(
            String name,
            String version,
            String value,
            String contentType,
            Attributes attributes,
            Map<String, String> tags,
            boolean managed,
            String keyId) {
        this.name = name;
        this.version = version;
        this.value = value;
        this.contentType = contentType;
        this.attributes = attributes;
        this.tags = new LinkedHashMap<>(tags == null ? Map.of() : tags);
        this.managed = managed;
        this.keyId = keyId;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String version() {
        return version;
    }

    String value() {
        return value;
    }

    Attributes attributes() {
        return attributes;
    }

    /** True for the secret behind a Key Vault certificate. */
    boolean managed() {
        return managed;
    }

    /** Path "keys/name/version" of the certificate key behind a managed secret, else null. */
    String keyPath() {
        return keyId;
    }

    synchronized String contentType() {
        return contentType;
    }

    synchronized void setContentType(String contentType) {
        this.contentType = contentType;
    }

    synchronized Map<String, String> tags() {
        return new LinkedHashMap<>(tags);
    }

    synchronized void setTags(Map<String, String> tags) {
        this.tags = new LinkedHashMap<>(tags);
    }
}
