/**
 * X.509 for the issuer, with BouncyCastle's lightweight API and the JDK only: CSR checks, the leaf and CA
 * certificate profiles, a {@link org.bouncycastle.operator.ContentSigner} whose private key stays in the vault,
 * ECDSA raw-to-DER conversion and the CA chain split into what goes after the leaf and what is the root.
 *
 * <p>Nothing here knows Kubernetes or Azure: the vault is reached through the {@code keyvault} port. The
 * BouncyCastle provider is never registered; signatures are checked with the JDK's own providers.
 */
package dev.azurekeyvaultissuer.pki;
