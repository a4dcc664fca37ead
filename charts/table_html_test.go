package charts

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// tableTemplate is the table part of views' data_table template, as it
// was: AppendHTML must mean the same to a browser.
var tableTemplate = template.Must(template.New("t").Parse(`<table>
    <caption>{{.Caption}}</caption>
    <thead><tr>{{range .Header}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
    <tbody>{{range .Rows}}<tr>{{range $i, $c := .}}{{if eq $i 0}}<th scope="row">{{$c}}</th>{{else}}<td>{{$c}}</td>{{end}}{{end}}</tr>{{end}}</tbody>
  </table>`))

// tokens is what a browser reads from an HTML fragment: tags with their
// attributes and the decoded text, whitespace between tags left out.
func tokens(t *testing.T, s string) []string {
	t.Helper()
	var out []string
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch tt := z.Next(); tt {
		case html.ErrorToken:
			return out
		case html.TextToken:
			if txt := string(z.Text()); strings.TrimSpace(txt) != "" {
				out = append(out, "text:"+txt)
			}
		default:
			tok := z.Token()
			out = append(out, fmt.Sprintf("%v:%s%v", tt, tok.Data, tok.Attr))
		}
	}
}

func TestTableAppendHTML(t *testing.T) {
	c := benchChart(3, 300)
	c.Step = 5 * time.Minute
	c.Title = `p95 <by> "region" & 'more'`
	c.Series[1].Name = `<script>alert(1)</script>`
	c.Series[2].Name = "São Paulo + gru"
	for name, tb := range map[string]Table{"summary": c.Summary(24), "every point": c.Table(), "empty": {Caption: "nothing"}} {
		var want bytes.Buffer
		if err := tableTemplate.Execute(&want, tb); err != nil {
			t.Fatal(err)
		}
		got := string(tb.AppendHTML(nil))
		gt, wt := tokens(t, got), tokens(t, want.String())
		if strings.Join(gt, "\n") != strings.Join(wt, "\n") {
			t.Errorf("%s: AppendHTML reads differently from the template:\n%s\nwant\n%s", name, strings.Join(gt, "\n"), strings.Join(wt, "\n"))
		}
		if strings.Contains(got, "<script>") {
			t.Errorf("%s: a series name was not escaped", name)
		}
		if name == "summary" && (len(gt) < 25*4 || !strings.Contains(got, `<th scope="row">`)) {
			t.Errorf("summary: %d tokens", len(gt))
		}
	}
}

// BenchmarkTableHTML and BenchmarkTableTemplate write one 24 h chart's
// summary (6 series, 25 rows) the two ways.
func BenchmarkTableHTML(b *testing.B) {
	tb := summary6x289()
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = tb.AppendHTML(buf[:0])
	}
	b.ReportMetric(float64(len(buf)), "html-bytes")
}

func BenchmarkTableTemplate(b *testing.B) {
	tb := summary6x289()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := tableTemplate.Execute(&buf, tb); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "html-bytes")
}

func summary6x289() Table {
	c := benchChart(6, 289)
	c.Step = 5 * time.Minute
	return c.Summary(24)
}
