package com.microsoft.aad.msal4j;

import java.util.Map;

/**
 * MSAL4J reads the managed-identity environment (IDENTITY_ENDPOINT, IDENTITY_HEADER, AZURE_POD_IDENTITY_AUTHORITY_HOST)
 * with System.getenv, which a running JVM cannot change; its package-private hook lets a test supply them instead.
 * Outside tests, set the real environment variables (see the README).
 */
public final class MsalTestEnvironment {
    private MsalTestEnvironment() {}

    public static void set(Map<String, String> environment) {
        ManagedIdentityApplication.setEnvironmentVariables(environment::get);
    }

    public static void clear() {
        ManagedIdentityApplication.setEnvironmentVariables(null);
    }
}
