package views

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	fly "github.com/superfly/fly-go"
)

// A log line is the app's own text: the page escapes it like any other,
// and a very long one is cut with a mark saying how much is missing.
func TestLogLinesAreEscapedAndCut(t *testing.T) {
	t.Parallel()
	tmpl, err := loadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	hostile := fly.LogEntry{Timestamp: "2026-12-07T15:04:05.123456789Z", Level: "info", Instance: `148e5996b5d598`, Region: "iad",
		Message: `<script>alert(1)</script><img src=x onerror=alert(2)> "quoted" & done`}
	hostile.Meta.Event.Provider = "app"
	long := hostile
	long.Message = strings.Repeat("é", maxLineChars+500)
	forged := hostile
	forged.Instance = `"><b>x</b>` // not a machine id: shown as text, linked nowhere
	lines := []logLine{newLogLine("blog", hostile), newLogLine("blog", long), newLogLine("blog", forged)}
	var buf bytes.Buffer
	if err := tmpl["logs"].ExecuteTemplate(&buf, "log_lines", lines); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"<script>", "<img", "<b>x"} {
		if strings.Contains(out, bad) {
			t.Errorf("a log line reached the page as markup (%s): %s", bad, out)
		}
	}
	if !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the hostile line is not shown as text")
	}
	if lines[1].Cut != 500 || utf8.RuneCountInString(lines[1].Message) != maxLineChars || !utf8.ValidString(lines[1].Message) {
		t.Errorf("a line of %d characters kept %d and cut %d, want %d kept, 500 cut, valid UTF-8", maxLineChars+500, utf8.RuneCountInString(lines[1].Message), lines[1].Cut, maxLineChars)
	}
	if !strings.Contains(out, "cut here, 500 more characters") {
		t.Error("the cut line does not say it was cut")
	}
	if strings.Count(out, `href="/apps/blog#machine-`) != 2 {
		t.Error("want a machine link for the two lines with a machine id and none for the forged one")
	}
}
