package dev.azurekeyvaultissuer.it;

import dev.azurekeyvaultissuer.api.ClusterIssuer;
import dev.azurekeyvaultissuer.config.OperatorConfig;
import dev.azurekeyvaultissuer.controller.OperatorRuntime;
import dev.azurekeyvaultissuer.keyvault.VaultConnector;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The operator in-process against {@link KubernetesTestEnvironment}, as the operator's ServiceAccount, for one test
 * class (like JOSDK's LocallyRunOperatorExtension). Register it as a static field, arrange the vault in
 * {@code @BeforeAll}, then {@link #start} it with a config and a {@link VaultConnector}. After the class it deletes
 * every ClusterIssuer (they are cluster-wide: the next class's operator must not see them), stops the operator and
 * closes what was handed to {@link #closeAfterwards}, in that order.
 *
 * <pre>
 * &#64;RegisterExtension
 * static final InProcessOperator operator = new InProcessOperator();
 * </pre>
 */
final class InProcessOperator implements BeforeAllCallback, AfterAllCallback {

    private final Deque<AutoCloseable> afterwards = new ArrayDeque<>();
    private KubernetesTestEnvironment env;
    private KubernetesClient operatorClient;
    private OperatorRuntime runtime;

    @Override
    public void beforeAll(ExtensionContext context) {
        env = KubernetesTestEnvironment.get();
    }

    KubernetesTestEnvironment env() {
        return env;
    }

    /** cluster-admin, for arranging tests the way a user would. */
    KubernetesClient admin() {
        return env.admin();
    }

    /** The operator's defaults for these tests: the emulator's host allowed, the cluster resource namespace. */
    static OperatorConfig config() {
        return EmulatedVaults.operatorConfig(KubernetesTestEnvironment.OPERATOR_NAMESPACE);
    }

    OperatorRuntime start(OperatorConfig config, VaultConnector connector) {
        return start(config, connector, new SimpleMeterRegistry());
    }

    OperatorRuntime start(OperatorConfig config, VaultConnector connector, MeterRegistry meters) {
        if (runtime != null) {
            throw new IllegalStateException("the operator of this class is already running");
        }
        operatorClient = env.operatorClient();
        runtime = OperatorRuntime.create(operatorClient, config, connector, Clock.systemUTC(), meters);
        runtime.start();
        return runtime;
    }

    /** Closed after the operator stops, last handed first: an emulator the operator calls until then. */
    <T extends AutoCloseable> T closeAfterwards(T resource) {
        afterwards.push(resource);
        return resource;
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            if (env != null) {
                env.admin().resources(ClusterIssuer.class).delete();
            }
        } finally {
            if (runtime != null) {
                runtime.close();
                operatorClient.close();
                runtime = null;
            }
            while (!afterwards.isEmpty()) {
                afterwards.pop().close();
            }
        }
    }
}
