/**
 * The Key Vault port: what the operator needs from a vault, in its own words. Key references, the public part of a
 * vault key, {@code sign(digest)}, the CA chain's storage and typed errors. Nothing here knows Azure's SDK or
 * Kubernetes; {@code keyvault.azure} implements it, tests implement it with JDK keys.
 */
package dev.azurekeyvaultissuer.keyvault;
