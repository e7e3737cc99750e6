/**
 * The custom resources {@code Issuer} and {@code ClusterIssuer} of group {@code azure-keyvault-issuer.dev}, version
 * {@code v1beta1}. The CRDs in {@code crds/} are generated from these classes.
 */
package dev.azurekeyvaultissuer.api;
