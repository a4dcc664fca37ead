package views

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestVendoredECharts: the ECharts bundle embedded in the binary is the
// pinned release scripts/fetch-echarts.sh names (its SHA-256 there is the
// one a reviewer approved), and its Apache-2.0 licence and notice sit next
// to it, so a fresh clone has the interactive explore view without npm.
func TestVendoredECharts(t *testing.T) {
	script, err := os.ReadFile("../scripts/fetch-echarts.sh")
	if err != nil {
		t.Fatal(err)
	}
	pin := regexp.MustCompile(`(?m)^ECHARTS_SHA256=([0-9a-f]{64})$`).FindSubmatch(script)
	version := regexp.MustCompile(`(?m)^ECHARTS_VERSION=(\S+)$`).FindSubmatch(script)
	if pin == nil || version == nil {
		t.Fatal("scripts/fetch-echarts.sh no longer pins ECHARTS_VERSION and ECHARTS_SHA256")
	}
	if !echartsBundled {
		t.Fatalf("%s is not embedded: it is committed under views/, restore it with scripts/fetch-echarts.sh", echartsAsset)
	}
	bundle, err := fs.ReadFile(staticFS, echartsAsset)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(bundle)
	if got := hex.EncodeToString(sum[:]); got != string(pin[1]) {
		t.Errorf("%s has SHA-256 %s; scripts/fetch-echarts.sh pins %s (echarts %s): run the script, or update its pin after reviewing the new file", echartsAsset, got, pin[1], version[1])
	}
	// The bundle announces its own version; it must be the pinned one.
	if !strings.Contains(string(bundle), `"`+string(version[1])+`"`) {
		t.Errorf("%s does not carry the version string %q", echartsAsset, version[1])
	}
	// A fresh clone has it only if git does not ignore it.
	ignore, err := os.ReadFile("../.gitignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(ignore), "\n") {
		if p := strings.TrimSpace(line); p != "" && !strings.HasPrefix(p, "#") && strings.Contains("/views/static/vendor/echarts.min.js", strings.Trim(p, "/*")) {
			t.Errorf(".gitignore line %q ignores the vendored ECharts: a fresh clone would lack it", p)
		}
	}
	for _, f := range []string{"static/vendor/ECHARTS-LICENSE.txt", "static/vendor/ECHARTS-NOTICE.txt"} {
		b, err := fs.ReadFile(staticFS, f)
		if err != nil {
			t.Errorf("%s must travel with the bundle (Apache-2.0): %v", f, err)
			continue
		}
		if !strings.Contains(string(b), "Apache") {
			t.Errorf("%s does not look like ECharts' Apache licence or notice", f)
		}
	}
}
