package dev.azurekeyvaultissuer.pki;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a CertificateRequest asks for, in cert-manager's terms.
 *
 * @param csrPem the PEM CSR ({@code spec.request}, base64-decoded)
 * @param duration {@code spec.duration}; empty means 90 days
 * @param isCA {@code spec.isCA}
 * @param usages {@code spec.usages}, exactly as cert-manager spells them ("digital signature", "server auth", ...);
 *     empty means "digital signature" and "key encipherment"
 */
public record LeafRequest(String csrPem, Optional<Duration> duration, boolean isCA, List<String> usages) {

    public LeafRequest {
        Objects.requireNonNull(csrPem, "csrPem");
        duration = duration == null ? Optional.empty() : duration;
        usages = usages == null ? List.of() : List.copyOf(usages);
    }
}
