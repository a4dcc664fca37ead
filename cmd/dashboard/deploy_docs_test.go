package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDeployDocsAgree: README, NOTES.md and fly.toml tell the same story
// about deploying: plain `fly deploy`, which gives two machines, with the
// SESSION_SECRET that lets either machine serve any session.
func TestDeployDocsAgree(t *testing.T) {
	t.Parallel()
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(repoRoot, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	readme, notes, flyToml := read("README.md"), read("NOTES.md"), read("fly.toml")
	for name, text := range map[string]string{"README.md": readme, "NOTES.md": notes, "fly.toml": flyToml} {
		if strings.Contains(text, "--ha") {
			t.Errorf("%s still mentions --ha: plain fly deploy (two machines) is the documented path", name)
		}
		if !strings.Contains(text, "two machines") {
			t.Errorf("%s does not say that fly deploy gives two machines", name)
		}
		if !strings.Contains(text, "SESSION_SECRET") {
			t.Errorf("%s does not name SESSION_SECRET, which two machines need", name)
		}
	}
	deploy := regexp.MustCompile("(?s)## Deploy to Fly.io\n+```sh\n(.*?)```").FindStringSubmatch(readme)
	if deploy == nil {
		t.Fatal("README has no deploy commands")
	}
	var sawDeploy, sawSecret bool
	for _, line := range strings.Split(deploy[1], "\n") {
		cmd, _, _ := strings.Cut(line, "#")
		words := strings.Fields(cmd)
		if len(words) >= 2 && words[0] == "fly" && words[1] == "deploy" {
			sawDeploy = true
			if len(words) != 2 {
				t.Errorf("README deploys with %q, want plain fly deploy", strings.TrimSpace(cmd))
			}
		}
		sawSecret = sawSecret || strings.Contains(line, "SESSION_SECRET=")
	}
	if !sawDeploy || !sawSecret {
		t.Errorf("README's deploy commands: fly deploy %v, SESSION_SECRET set %v; want both", sawDeploy, sawSecret)
	}
}
