package dev.azurekeyvaultissuer.emulator;

import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension: starts a {@link KeyVaultEmulator} on free ports and injects it as a test or lifecycle method
 * parameter; closes it afterwards.
 *
 * <ul>
 *   <li>{@code @ExtendWith(KeyVaultEmulatorExtension.class)}: one emulator per test class with the defaults: vault
 *   {@value #VAULT}, Managed HSM {@value #MANAGED_HSM}, client {@value #CLIENT_ID} / {@value #CLIENT_SECRET} with
 *   every permission.</li>
 *   <li>{@code @RegisterExtension static KeyVaultEmulatorExtension kv = new KeyVaultEmulatorExtension(b -> b.vault(..)...)}:
 *   your own configuration, one emulator per class (static field) or per test (instance field);
 *   {@link #emulator()} gives it to field initialisers and helpers.</li>
 * </ul>
 */
public final class KeyVaultEmulatorExtension
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {
    public static final String VAULT = "test-vault";
    public static final String MANAGED_HSM = "test-hsm";
    public static final String CLIENT_ID = "test-client";
    public static final String CLIENT_SECRET = "test-client-secret";

    private final Consumer<KeyVaultEmulator.Builder> configuration;
    private KeyVaultEmulator emulator;
    private boolean perClass;

    /** The default configuration (see the class documentation). */
    public KeyVaultEmulatorExtension() {
        this(b -> b.vault(VAULT).managedHsm(MANAGED_HSM).clientSecret(CLIENT_ID, CLIENT_SECRET));
    }

    public KeyVaultEmulatorExtension(Consumer<KeyVaultEmulator.Builder> configuration) {
        this.configuration = configuration;
    }

    /** The running emulator, started on first use. */
    public synchronized KeyVaultEmulator emulator() {
        if (emulator == null) {
            KeyVaultEmulator.Builder b = KeyVaultEmulator.builder();
            configuration.accept(b);
            emulator = b.build().start();
        }
        return emulator;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        perClass = true;
        emulator();
    }

    @Override
    public synchronized void afterAll(ExtensionContext context) {
        stop();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        emulator();
    }

    @Override
    public synchronized void afterEach(ExtensionContext context) {
        if (!perClass) {
            stop();
        }
    }

    private synchronized void stop() {
        if (emulator != null) {
            emulator.close();
            emulator = null;
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == KeyVaultEmulator.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return emulator();
    }
}
