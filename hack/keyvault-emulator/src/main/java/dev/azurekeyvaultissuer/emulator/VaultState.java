package dev.azurekeyvaultissuer.emulator;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Everything one vault (or Managed HSM) holds: objects, call counters and fault settings. */
final class VaultState {
    static final String VAULT_RESOURCE = "https://vault.azure.net";
    static final String MANAGED_HSM_RESOURCE = "https://managedhsm.azure.net";

    private final String name;
    private final boolean managedHsm;
    final VersionedStore<KeyEntry> keys = new VersionedStore<>("key");
    final VersionedStore<SecretEntry> secrets = new VersionedStore<>("secret");
    final VersionedStore<CertificateEntry> certificates = new VersionedStore<>("certificate");
    final Map<String, PendingCertificate> pending = new ConcurrentHashMap<>();
    final CallCounter calls = new CallCounter();
    final Faults faults = new Faults();
    final FaultInjector injector = new FaultInjector(faults);
    private volatile String baseUrl;

    VaultState(String name, boolean managedHsm) {
        this.name = name;
        this.managedHsm = managedHsm;
    }

    String name() {
        return name;
    }

    boolean managedHsm() {
        return managedHsm;
    }

    /** The audience tokens must carry: https://vault.azure.net or https://managedhsm.azure.net. */
    String resource() {
        return managedHsm ? MANAGED_HSM_RESOURCE : VAULT_RESOURCE;
    }

    String baseUrl() {
        return baseUrl;
    }

    void setBaseUrl(String baseUrl) {
        this.baseUrl = baseUrl;
    }
}
