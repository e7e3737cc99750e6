// The entry point of the conformance test binary, as cert-manager's test/e2e/e2e_test.go has it, without that
// suite's global addons (Vault, ACME servers, ...), which the Certificate conformance suite of an external issuer
// does not use. Run by the Java IT it.ConformanceIT; docs/testing.md shows how to run it alone.
package conformance

import (
	"flag"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/util/wait"
	ctrl "sigs.k8s.io/controller-runtime"

	logf "github.com/cert-manager/cert-manager/pkg/logs"

	"github.com/cert-manager/cert-manager/e2e-tests/framework"
)

var cfg = framework.DefaultConfig

func init() {
	logf.InitLogs()
	cfg.AddFlags(flag.CommandLine)
	vault.AddFlags(flag.CommandLine)
	ctrl.SetLogger(logf.Log)

	wait.ForeverTestTimeout = time.Second * 60
}

func TestConformance(t *testing.T) {
	defer logf.FlushLogs()

	gomega.RegisterFailHandler(ginkgo.Fail)

	if err := cfg.Validate(); err != nil {
		t.Fatalf("Invalid test config: %v", err)
	}
	if err := vault.Validate(); err != nil {
		t.Fatalf("Invalid test config: %v", err)
	}

	ginkgo.RunSpecs(t, "cert-manager conformance suite: azure-keyvault-issuer")
}
