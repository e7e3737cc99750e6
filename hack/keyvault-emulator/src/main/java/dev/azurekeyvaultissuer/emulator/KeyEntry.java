package dev.azurekeyvaultissuer.emulator;

import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One version of a vault key. The private key stays here: the REST API only ever shows the public JWK. */
final class KeyEntry implements VersionedStore.Item {
    static final List<String> RSA_DEFAULT_OPS = List.of("encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey");
    static final List<String> EC_DEFAULT_OPS = List.of("sign", "verify");

    private final String name;
    private final String version;
    private final KeyType type;
    private final KeyPair keyPair;
    private final Attributes attributes;
    private final boolean managed;
    private List<String> keyOps;
    private Map<String, String> tags;

    KeyEntry(
            String name,
            String version,
            KeyType type,
            KeyPair keyPair,
            List<String> keyOps,
            Attributes attributes,
            Map<String, String> tags,
            boolean managed) {
        this.name = name;
        this.version = version;
        this.type = type;
        this.keyPair = keyPair;
        this.keyOps = keyOps == null || keyOps.isEmpty()
                ? new ArrayList<>(type.isRsa() ? RSA_DEFAULT_OPS : EC_DEFAULT_OPS)
                : new ArrayList<>(keyOps);
        this.attributes = attributes;
        this.tags = new LinkedHashMap<>(tags == null ? Map.of() : tags);
        this.managed = managed;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String version() {
        return version;
    }

    KeyType type() {
        return type;
    }

    KeyPair keyPair() {
        return keyPair;
    }

    Attributes attributes() {
        return attributes;
    }

    /** True for the key behind a Key Vault certificate. */
    boolean managed() {
        return managed;
    }

    synchronized List<String> keyOps() {
        return new ArrayList<>(keyOps);
    }

    synchronized void setKeyOps(List<String> ops) {
        this.keyOps = new ArrayList<>(ops);
    }

    synchronized Map<String, String> tags() {
        return new LinkedHashMap<>(tags);
    }

    synchronized void setTags(Map<String, String> tags) {
        this.tags = new LinkedHashMap<>(tags);
    }

    /** The checks the service makes before a sign: enabled, inside nbf/exp, key_ops has the operation. */
    void checkCanSign(Instant now) {
        attributes.checkUsable("sign", "key", "Key", now);
        checkOperationPermitted("sign");
    }

    void checkOperationPermitted(String operation) {
        if (!keyOps().contains(operation)) {
            throw ErrorResponses.keyOperationForbidden(operation);
        }
    }
}
