package dev.azurekeyvaultissuer.keyvault.azure;

import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpPipelinePosition;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpLoggingPolicy;
import com.azure.core.http.policy.HttpPipelinePolicy;
import dev.azurekeyvaultissuer.keyvault.VaultTraffic;
import java.util.Objects;
import java.util.OptionalInt;
import reactor.core.publisher.Mono;

/**
 * Reports every attempt of a vault call to {@link VaultTraffic}. It sits after the SDK's retry policy
 * ({@link HttpPipelinePosition#PER_RETRY}), so each retry is seen with its own status; the retry policy numbers the
 * attempts in the call context under {@link HttpLoggingPolicy#RETRY_COUNT_CONTEXT}.
 */
final class VaultTrafficPolicy implements HttpPipelinePolicy {

    private final VaultTraffic traffic;

    VaultTrafficPolicy(VaultTraffic traffic) {
        this.traffic = Objects.requireNonNull(traffic, "traffic");
    }

    @Override
    public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
        HttpResponse response;
        try {
            response = next.processSync();
        } catch (RuntimeException e) {
            report(context, OptionalInt.empty());
            throw e;
        }
        report(context, OptionalInt.of(response.getStatusCode()));
        return response;
    }

    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
        return next.process()
                .doOnNext(response -> report(context, OptionalInt.of(response.getStatusCode())))
                .doOnError(e -> report(context, OptionalInt.empty()));
    }

    @Override
    public HttpPipelinePosition getPipelinePosition() {
        return HttpPipelinePosition.PER_RETRY;
    }

    private void report(HttpPipelineCallContext context, OptionalInt status) {
        int attempt = context.getData(HttpLoggingPolicy.RETRY_COUNT_CONTEXT)
                .filter(Integer.class::isInstance)
                .map(Integer.class::cast)
                .orElse(1);
        try {
            traffic.attempted(context.getHttpRequest().getUrl().getHost(), status, attempt);
        } catch (RuntimeException e) {
            // Metrics must never fail a vault call.
        }
    }
}
