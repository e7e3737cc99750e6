package dev.azurekeyvaultissuer.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.lang.reflect.Proxy;

/**
 * JOSDK contexts for calling reconcilers directly: a live or a deleted primary resource. Any other question a
 * reconciler asks fails the test, so a reconciler that starts to depend on more shows up here.
 */
final class TestContexts {

    private TestContexts() {}

    static <R extends HasMetadata> Context<R> live() {
        return context(false);
    }

    static <R extends HasMetadata> Context<R> deleted() {
        return context(true);
    }

    @SuppressWarnings("unchecked")
    private static <R extends HasMetadata> Context<R> context(boolean deleted) {
        return (Context<R>) Proxy.newProxyInstance(
                TestContexts.class.getClassLoader(),
                new Class<?>[] {Context.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "isPrimaryResourceDeleted" -> deleted;
                    case "toString" -> deleted ? "deleted" : "live";
                    default -> throw new UnsupportedOperationException("test context: " + method.getName());
                });
    }
}
