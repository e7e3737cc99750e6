package dev.azurekeyvaultissuer.keyvault.azure;

import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeader;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpPipelinePosition;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Azure's HTTP client port over {@code java.net.http} with two limits that a tenant-controlled vault URL needs: a
 * deadline for the whole exchange, response body included, and a cap on the body's size enforced while it is read.
 *
 * <p>The SDK's own JDK client only bounds each read (a server that sends one byte every few seconds never trips it)
 * and buffers bodies whole before anyone can look at their size. Here the body is collected by a subscriber that
 * cancels the exchange as soon as it passes the cap (or a Content-Length says it will), and the caller waits for the
 * complete response at most until the deadline, then cancels it. The deadline of one SDK call, retries included, is
 * set by {@link #deadlinePolicy()}; each attempt also has at most the call timeout.
 */
final class BoundedHttpClient implements HttpClient {

    private static final String DEADLINE = "akvi-vault-call-deadline-nanos";
    // The JDK sets these itself and refuses them from callers.
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

    private final java.net.http.HttpClient jdk;
    private final Duration callTimeout;
    private final long maxResponseBytes;

    BoundedHttpClient(java.net.http.HttpClient jdk, Duration callTimeout, long maxResponseBytes) {
        this.jdk = Objects.requireNonNull(jdk, "jdk");
        this.callTimeout = Objects.requireNonNull(callTimeout, "callTimeout");
        this.maxResponseBytes = maxResponseBytes;
    }

    /** A per-call policy: one deadline for an SDK call and all of its retries. */
    HttpPipelinePolicy deadlinePolicy() {
        return new HttpPipelinePolicy() {
            @Override
            public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
                return Mono.defer(() -> {
                    setDeadline(context);
                    return next.process();
                });
            }

            @Override
            public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
                setDeadline(context);
                return next.processSync();
            }

            @Override
            public HttpPipelinePosition getPipelinePosition() {
                return HttpPipelinePosition.PER_CALL;
            }
        };
    }

    private void setDeadline(HttpPipelineCallContext context) {
        if (context.getData(DEADLINE).isEmpty()) {
            context.setData(DEADLINE, System.nanoTime() + callTimeout.toNanos());
        }
    }

    @Override
    public Mono<HttpResponse> send(HttpRequest request) {
        return send(request, Context.NONE);
    }

    @Override
    public Mono<HttpResponse> send(HttpRequest request, Context context) {
        return Mono.defer(() -> {
            long remaining = remainingNanos(context);
            CompletableFuture<java.net.http.HttpResponse<byte[]>> exchange = start(request);
            return Mono.fromFuture(exchange)
                    .timeout(Duration.ofNanos(Math.max(1, remaining)))
                    .onErrorMap(TimeoutException.class, e -> {
                        exchange.cancel(true);
                        return VaultCallLimitException.deadline(request.getUrl().getHost(), callTimeout);
                    })
                    .onErrorMap(CompletionException.class, e -> e.getCause() == null ? e : unwrap(e.getCause()))
                    .map(response -> (HttpResponse) new BufferedResponse(request, response));
        });
    }

    @Override
    public HttpResponse sendSync(HttpRequest request, Context context) {
        long remaining = remainingNanos(context);
        String host = request.getUrl().getHost();
        if (remaining <= 0) {
            throw VaultCallLimitException.deadline(host, callTimeout);
        }
        CompletableFuture<java.net.http.HttpResponse<byte[]>> exchange = start(request);
        try {
            return new BufferedResponse(request, exchange.get(remaining, TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw VaultCallLimitException.deadline(host, callTimeout);
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("interrupted while waiting for " + host, e));
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        }
    }

    private long remainingNanos(Context context) {
        long perAttempt = callTimeout.toNanos();
        Object deadline = context == null ? null : context.getData(DEADLINE).orElse(null);
        return deadline instanceof Long d ? Math.min(perAttempt, d - System.nanoTime()) : perAttempt;
    }

    private CompletableFuture<java.net.http.HttpResponse<byte[]>> start(HttpRequest request) {
        java.net.http.HttpRequest.Builder builder;
        try {
            builder = java.net.http.HttpRequest.newBuilder(request.getUrl().toURI())
                    .timeout(callTimeout);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URI: " + request.getUrl(), e);
        }
        for (HttpHeader header : request.getHeaders()) {
            if (!RESTRICTED.contains(header.getName().toLowerCase(Locale.ROOT))) {
                for (String value : header.getValuesList()) {
                    builder.header(header.getName(), value);
                }
            }
        }
        BinaryData body = request.getBodyAsBinaryData();
        builder.method(
                request.getHttpMethod().name(),
                body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body.toBytes()));
        String host = request.getUrl().getHost();
        return jdk.sendAsync(builder.build(), info -> {
            long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1);
            // A declared length over the cap is refused before a byte of the body is read.
            return new CappedBody(host, maxResponseBytes, declared > maxResponseBytes);
        });
    }

    private static RuntimeException unwrap(Throwable cause) {
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof RuntimeException runtime) {
            return runtime;
        }
        if (cause instanceof IOException io) {
            return new UncheckedIOException(io);
        }
        return new UncheckedIOException(new IOException(cause));
    }

    /** Collects a body up to the cap; one byte more cancels the exchange. */
    private static final class CappedBody implements java.net.http.HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream collected = new ByteArrayOutputStream();
        private final String host;
        private final long cap;
        private final boolean refuseAtOnce;
        private Flow.Subscription subscription;

        CappedBody(String host, long cap, boolean refuseAtOnce) {
            this.host = host;
            this.cap = cap;
            this.refuseAtOnce = refuseAtOnce;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (refuseAtOnce) {
                s.cancel();
                result.completeExceptionally(VaultCallLimitException.tooLarge(host, cap));
                return;
            }
            s.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                if (collected.size() + (long) buffer.remaining() > cap) {
                    subscription.cancel();
                    result.completeExceptionally(VaultCallLimitException.tooLarge(host, cap));
                    return;
                }
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                collected.write(bytes, 0, bytes.length);
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(collected.toByteArray());
        }
    }

    /** A complete, size-checked response. */
    private static final class BufferedResponse extends HttpResponse {
        private final int status;
        private final HttpHeaders headers = new HttpHeaders();
        private final byte[] body;

        BufferedResponse(HttpRequest request, java.net.http.HttpResponse<byte[]> response) {
            super(request);
            this.status = response.statusCode();
            response.headers().map().forEach((name, values) -> {
                if (!name.startsWith(":")) {
                    headers.set(HttpHeaderName.fromString(name), values);
                }
            });
            this.body = response.body() == null ? new byte[0] : response.body();
        }

        @Override
        public int getStatusCode() {
            return status;
        }

        @Override
        @Deprecated
        public String getHeaderValue(String name) {
            return headers.getValue(HttpHeaderName.fromString(name));
        }

        @Override
        public HttpHeaders getHeaders() {
            return headers;
        }

        @Override
        public Flux<ByteBuffer> getBody() {
            return Flux.defer(() -> body.length == 0 ? Flux.empty() : Flux.just(ByteBuffer.wrap(body)));
        }

        @Override
        public Mono<byte[]> getBodyAsByteArray() {
            return Mono.just(body);
        }

        @Override
        public Mono<String> getBodyAsString() {
            return Mono.just(new String(body, StandardCharsets.UTF_8));
        }

        @Override
        public Mono<String> getBodyAsString(Charset charset) {
            return Mono.just(new String(body, charset));
        }

        @Override
        public BinaryData getBodyAsBinaryData() {
            return BinaryData.fromBytes(body);
        }
    }
}
