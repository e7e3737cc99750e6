package dev.azurekeyvaultissuer.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * A certificate operation: created with issuer "Unknown", it holds a CSR made from a new key version and waits for a
 * merge. Once merged (or self-signed) it is kept with status "completed" as the service does.
 */
record PendingCertificate(
        String name,
        String keyVersion,
        byte[] csr,
        ObjectNode policy,
        boolean enabled,
        Map<String, String> tags,
        String requestId,
        String status,
        String issuerName) {

    PendingCertificate completed() {
        return new PendingCertificate(name, keyVersion, csr, policy, enabled, tags, requestId, "completed", issuerName);
    }
}
