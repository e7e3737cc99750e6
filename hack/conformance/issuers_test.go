// cert-manager's Certificate conformance suite (test/e2e/suite/conformance/certificates) for our Issuer and
// ClusterIssuer, defined as cert-manager's own suite/conformance/certificates/external does for its sample external
// issuer. Every issuer authenticates to the vault as a service principal whose client secret is in a Secret.
package conformance

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	crtclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/cert-manager/cert-manager/e2e-tests/framework"
	"github.com/cert-manager/cert-manager/e2e-tests/framework/helper/featureset"
	"github.com/cert-manager/cert-manager/e2e-tests/suite/conformance/certificates"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

const (
	group   = "azure-keyvault-issuer.dev"
	version = "v1beta1"
	// The key in the Secret that holds the client secret (spec.auth.servicePrincipal.clientSecretRef.key).
	clientSecretKey = "clientSecret"
	// The environment variable the client secret comes from: not a flag, so that it is not in the process list.
	clientSecretEnv    = "AKVI_CONFORMANCE_CLIENT_SECRET"
	issuerReadyTimeout = 60 * time.Second
)

// vaultConfig is where the issuers point: the vault (the Key Vault emulator in the tests) and the identity.
type vaultConfig struct {
	VaultURL                 string
	KeyName                  string
	TenantID                 string
	ClientID                 string
	ClusterResourceNamespace string
	clientSecret             string
}

var vault vaultConfig

func (v *vaultConfig) AddFlags(fs *flag.FlagSet) {
	fs.StringVar(&v.VaultURL, "akvi-vault-url", "", "spec.vaultURL of every issuer")
	fs.StringVar(&v.KeyName, "akvi-key-name", "", "spec.keyName of every issuer: the CA key; its CA certificate is in the vault secret of the same name")
	fs.StringVar(&v.TenantID, "akvi-tenant-id", "", "spec.auth.servicePrincipal.tenantID")
	fs.StringVar(&v.ClientID, "akvi-client-id", "", "spec.auth.servicePrincipal.clientID; the client secret comes from $"+clientSecretEnv)
	fs.StringVar(&v.ClusterResourceNamespace, "akvi-cluster-resource-namespace", "azure-keyvault-issuer",
		"the operator's --cluster-resource-namespace: where a ClusterIssuer's client secret is read")
}

func (v *vaultConfig) Validate() error {
	var errs []error
	for flagName, value := range map[string]string{"akvi-vault-url": v.VaultURL, "akvi-key-name": v.KeyName,
		"akvi-tenant-id": v.TenantID, "akvi-client-id": v.ClientID,
		"akvi-cluster-resource-namespace": v.ClusterResourceNamespace} {
		if value == "" {
			errs = append(errs, fmt.Errorf("--%s must be specified", flagName))
		}
	}
	v.clientSecret = os.Getenv(clientSecretEnv)
	if v.clientSecret == "" {
		errs = append(errs, fmt.Errorf("$%s must be set", clientSecretEnv))
	}
	return errors.Join(errs...)
}

var _ = framework.ConformanceDescribe("Certificates", func() {
	// Only what is out of scope for a CA issuer. Everything else runs, and a case we fail fails the run.
	unsupportedFeatures := featureset.NewFeatureSet(
		// ACME Renewal Information (RFC 9773) is served by ACME CAs; a CA issuer has no ACME server to ask.
		featureset.ACMEUseARI,
	)

	issuers := newIssuerBuilder("Issuer")
	(&certificates.Suite{
		Name:                "azure-keyvault-issuer Issuer",
		CreateIssuerFunc:    issuers.create,
		DeleteIssuerFunc:    issuers.delete,
		UnsupportedFeatures: unsupportedFeatures,
	}).Define()

	clusterIssuers := newIssuerBuilder("ClusterIssuer")
	(&certificates.Suite{
		Name:                "azure-keyvault-issuer ClusterIssuer",
		CreateIssuerFunc:    clusterIssuers.create,
		DeleteIssuerFunc:    clusterIssuers.delete,
		UnsupportedFeatures: unsupportedFeatures,
	}).Define()
})

type issuerBuilder struct {
	kind string
}

func newIssuerBuilder(kind string) *issuerBuilder {
	return &issuerBuilder{kind: kind}
}

// nameForTestObject: in the test's namespace; a ClusterIssuer's Secret in the operator's cluster resource namespace.
func (o *issuerBuilder) nameForTestObject(f *framework.Framework, suffix string) types.NamespacedName {
	namespace := f.Namespace.Name
	if o.kind == "ClusterIssuer" {
		namespace = vault.ClusterResourceNamespace
	}
	return types.NamespacedName{Name: fmt.Sprintf("%s-%s", f.Namespace.Name, suffix), Namespace: namespace}
}

func (o *issuerBuilder) secretAndIssuerForTest(f *framework.Framework) (*corev1.Secret, *unstructured.Unstructured) {
	secretName := o.nameForTestObject(f, "credentials")
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: secretName.Name, Namespace: secretName.Namespace},
		StringData: map[string]string{clientSecretKey: vault.clientSecret},
	}
	issuerName := o.nameForTestObject(f, "issuer")
	issuer := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": group + "/" + version,
		"kind":       o.kind,
		"metadata":   map[string]any{"name": issuerName.Name},
		"spec": map[string]any{
			"vaultURL": vault.VaultURL,
			"keyName":  vault.KeyName,
			// The suites ask for CA certificates; an issuer refuses CA requests unless its policy allows them,
			// as a user who wants sub-CAs sets it.
			"policy": map[string]any{"allowCA": true},
			"auth": map[string]any{
				"servicePrincipal": map[string]any{
					"tenantID": vault.TenantID,
					"clientID": vault.ClientID,
					"clientSecretRef": map[string]any{
						"name": secret.Name,
						"key":  clientSecretKey,
					},
				},
			},
		},
	}}
	if o.kind == "Issuer" {
		issuer.SetNamespace(issuerName.Namespace)
	}
	return secret, issuer
}

// create makes the Secret and the issuer, and waits until the operator reports the issuer Ready, so that a case
// that fails names the issuer's problem rather than a Certificate that never became ready.
func (o *issuerBuilder) create(ctx context.Context, f *framework.Framework) cmmeta.IssuerReference {
	By("Creating an " + o.kind + " of azure-keyvault-issuer")
	secret, issuer := o.secretAndIssuerForTest(f)

	crt, err := crtclient.New(f.KubeClientConfig, crtclient.Options{})
	Expect(err).NotTo(HaveOccurred(), "failed to create controller-runtime client")
	Expect(crt.Create(ctx, secret)).To(Succeed(), "failed to create secret")
	Expect(crt.Create(ctx, issuer)).To(Succeed(), "failed to create issuer")

	By("Waiting for the " + o.kind + " to be Ready")
	var last string
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, issuerReadyTimeout, true,
		func(ctx context.Context) (bool, error) {
			current := issuer.DeepCopy()
			if err := crt.Get(ctx, crtclient.ObjectKeyFromObject(issuer), current); err != nil {
				return false, err
			}
			conditions, _, _ := unstructured.NestedSlice(current.Object, "status", "conditions")
			for _, c := range conditions {
				condition, _ := c.(map[string]any)
				if condition["type"] == "Ready" {
					last = fmt.Sprintf("Ready=%v %v: %v", condition["status"], condition["reason"], condition["message"])
					return condition["status"] == "True", nil
				}
			}
			return false, nil
		})
	Expect(err).NotTo(HaveOccurred(), "%s %s did not become Ready within %s (last: %s)", o.kind, issuer.GetName(),
		issuerReadyTimeout, last)

	return cmmeta.IssuerReference{Group: group, Kind: o.kind, Name: issuer.GetName()}
}

func (o *issuerBuilder) delete(ctx context.Context, f *framework.Framework, _ cmmeta.IssuerReference) {
	By("Deleting the " + o.kind)
	crt, err := crtclient.New(f.KubeClientConfig, crtclient.Options{})
	Expect(err).NotTo(HaveOccurred(), "failed to create controller-runtime client")
	secret, issuer := o.secretAndIssuerForTest(f)
	Expect(crtclient.IgnoreNotFound(crt.Delete(ctx, issuer))).To(Succeed(), "failed to delete issuer")
	Expect(crtclient.IgnoreNotFound(crt.Delete(ctx, secret))).To(Succeed(), "failed to delete secret")
}
