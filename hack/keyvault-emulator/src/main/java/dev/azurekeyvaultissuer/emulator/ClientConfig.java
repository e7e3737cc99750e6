package dev.azurekeyvaultissuer.emulator;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * An application (service principal) or managed identity known to the emulator's Entra ID, with the credentials it
 * may authenticate with and its default permissions on every vault.
 */
public final class ClientConfig {
    private final String clientId;
    private final String objectId;
    private final String secret;
    private final List<X509Certificate> certificates;
    private final List<Federation> federations;
    private final boolean managedIdentity;
    private final Permissions permissions;

    private ClientConfig(Builder b) {
        this.clientId = Objects.requireNonNull(b.clientId, "clientId");
        this.objectId = b.objectId != null
                ? b.objectId
                : UUID.nameUUIDFromBytes(("keyvault-emulator/" + b.clientId).getBytes(StandardCharsets.UTF_8))
                        .toString();
        this.secret = b.secret;
        this.certificates = Collections.unmodifiableList(new ArrayList<>(b.certificates));
        this.federations = Collections.unmodifiableList(new ArrayList<>(b.federations));
        this.managedIdentity = b.managedIdentity;
        this.permissions = b.permissions == null ? Permissions.all() : b.permissions;
    }

    public static Builder builder(String clientId) {
        return new Builder(clientId);
    }

    /** A client authenticating with a client secret, with every permission. */
    public static ClientConfig withSecret(String clientId, String secret) {
        return builder(clientId).secret(secret).build();
    }

    public static ClientConfig withSecret(String clientId, String secret, Permissions permissions) {
        return builder(clientId).secret(secret).permissions(permissions).build();
    }

    public String clientId() {
        return clientId;
    }

    public String objectId() {
        return objectId;
    }

    public String secret() {
        return secret;
    }

    public List<X509Certificate> certificates() {
        return certificates;
    }

    public List<Federation> federations() {
        return federations;
    }

    public boolean managedIdentity() {
        return managedIdentity;
    }

    public Permissions permissions() {
        return permissions;
    }

    public Builder toBuilder() {
        Builder b = new Builder(clientId).objectId(objectId).secret(secret).permissions(permissions);
        b.certificates.addAll(certificates);
        b.federations.addAll(federations);
        b.managedIdentity = managedIdentity;
        return b;
    }

    public static final class Builder {
        private final String clientId;
        private String objectId;
        private String secret;
        private final List<X509Certificate> certificates = new ArrayList<>();
        private final List<Federation> federations = new ArrayList<>();
        private boolean managedIdentity;
        private Permissions permissions;

        private Builder(String clientId) {
            this.clientId = clientId;
        }

        /** The object (principal) id put in tokens as oid/sub; default: a UUID derived from the client id. */
        public Builder objectId(String objectId) {
            this.objectId = objectId;
            return this;
        }

        public Builder secret(String secret) {
            this.secret = secret;
            return this;
        }

        /** Registers a certificate: client assertions signed by its key are accepted (ClientCertificateCredential). */
        public Builder certificate(X509Certificate certificate) {
            this.certificates.add(certificate);
            return this;
        }

        /** Registers a federated identity credential (ClientAssertionCredential, WorkloadIdentityCredential). */
        public Builder federation(Federation federation) {
            this.federations.add(federation);
            return this;
        }

        /** Makes this client a managed identity served by the managed-identity endpoint. */
        public Builder managedIdentity() {
            this.managedIdentity = true;
            return this;
        }

        public Builder permissions(Permissions permissions) {
            this.permissions = permissions;
            return this;
        }

        public ClientConfig build() {
            return new ClientConfig(this);
        }
    }
}
