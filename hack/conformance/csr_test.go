// cert-manager's CertificateSigningRequest conformance suite (test/e2e/suite/conformance/certificatesigningrequests)
// for our Issuer and ClusterIssuer: the same issuers as the Certificate suite, named by their Kubernetes signer names.
package conformance

import (
	"context"

	"github.com/cert-manager/cert-manager/e2e-tests/framework"
	"github.com/cert-manager/cert-manager/e2e-tests/framework/helper/featureset"
	"github.com/cert-manager/cert-manager/e2e-tests/suite/conformance/certificatesigningrequests"

	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
)

var _ = framework.ConformanceDescribe("CertificateSigningRequests", func() {
	// Nothing is out of scope: a CA issuer supports every feature this suite exercises.
	unsupportedFeatures := featureset.NewFeatureSet()

	issuers := newIssuerBuilder("Issuer")
	(&certificatesigningrequests.Suite{
		Name:                "azure-keyvault-issuer Issuer",
		CreateIssuerFunc:    issuers.createSigner,
		DeleteIssuerFunc:    issuers.deleteSigner,
		UnsupportedFeatures: unsupportedFeatures,
	}).Define()

	clusterIssuers := newIssuerBuilder("ClusterIssuer")
	(&certificatesigningrequests.Suite{
		Name:                "azure-keyvault-issuer ClusterIssuer",
		CreateIssuerFunc:    clusterIssuers.createSigner,
		DeleteIssuerFunc:    clusterIssuers.deleteSigner,
		UnsupportedFeatures: unsupportedFeatures,
	}).Define()
})

// createSigner creates the issuer as the Certificate suite does and returns its signer name:
// clusterissuers.<group>/<name> or issuers.<group>/<namespace>.<name>, as cert-manager forms them.
func (o *issuerBuilder) createSigner(ctx context.Context, f *framework.Framework) string {
	ref := o.create(ctx, f)
	if o.kind == "ClusterIssuer" {
		return "clusterissuers." + group + "/" + ref.Name
	}
	return "issuers." + group + "/" + f.Namespace.Name + "." + ref.Name
}

func (o *issuerBuilder) deleteSigner(ctx context.Context, f *framework.Framework, _ string) {
	o.delete(ctx, f, cmmeta.IssuerReference{})
}
