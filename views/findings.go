package views

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flydash/dashboard/flyapi"
	"github.com/flydash/dashboard/health"
	"github.com/flydash/dashboard/promql"
	"github.com/flydash/dashboard/signals"
)

// findingView is one section under the app page's verdict: what, since
// when, where, and the flyctl commands that address it.
type findingView struct {
	Kind     health.Kind
	Status   health.Status
	Text     string
	Fixes    []health.Command
	Recovery bool
	// Exits prove a crash loop or an OOM kill: each machine's restarts
	// and last exits, from its events.
	Exits []string
	// Where and From are the machines or regions and the episode's start:
	// what a link to the app's logs for this finding needs.
	Where []string
	From  time.Time
	// Logs opens the log lines of the finding's machines (or region) at
	// its start: the why behind the what. Latest, for a finding that still
	// holds, opens the same lines at the verdict's moment.
	Logs, Latest string
	// Excerpt is what the machine wrote before its last crash, inside the
	// crash loop's or OOM kill's own section.
	Excerpt *logsExcerpt
	// Proof is the chart that proves it, drawn inside its section between
	// the what and the fix; nil when an earlier section has that chart, or
	// the proof is the exits above. hasProof marks the sections that get
	// one, in the order of the page's leading panels.
	Proof    *panel
	hasProof bool
}

// endedSections is how many episodes that ended get a section of their
// own: the latest of each kind and place. The rest are on the timeline
// strip; a busy day would otherwise bury the verdict under thirty.
const endedSections = 4

// findingViews are the verdict's findings, then the episodes that ended in
// the look-back, latest first: one section per kind and place, saying how
// often it happened.
func findingViews(app string, v health.Verdict, machines []flyapi.Machine, at time.Time) []findingView {
	fl := health.Fleet{InRegion: map[string]int{}}
	for _, m := range machines {
		fl.InRegion[m.Region]++
		fl.MemoryMB = max(fl.MemoryMB, m.MemoryMB)
	}
	var out []findingView
	for _, f := range v.Findings {
		if f.Kind == health.KindRecovered {
			continue // said below, with the other episodes
		}
		out = append(out, findingView{Kind: f.Kind, Status: f.Status, Text: f.Text, Fixes: health.Fixes(app, f, fl), Exits: exitsOf(f.Kind, f.Where, machines),
			Where: f.Where, From: f.Since, Logs: findingLogs(app, f.Where, f.Since, machines), Latest: findingLogs(app, f.Where, at, machines)})
	}
	type place struct {
		kind  health.Kind
		where string
	}
	section := map[place]int{}
	times := map[place]int{}
	ended := slices.Clone(v.Ended)
	slices.SortStableFunc(ended, func(a, b health.Episode) int { return b.End.Compare(a.End) })
	for _, e := range ended {
		p := place{e.Kind, strings.Join(e.Where, " ")}
		times[p]++
		if _, ok := section[p]; ok || len(section) == endedSections {
			continue
		}
		section[p] = len(out)
		f := health.Finding{Kind: e.Kind, Where: e.Where, IDs: idsOf(e.Where, machines)}
		out = append(out, findingView{Kind: e.Kind, Status: e.Status, Text: e.Words(), Recovery: true, Fixes: health.Fixes(app, f, fl), Exits: exitsOf(e.Kind, e.Where, machines),
			Where: e.Where, From: e.Start, Logs: findingLogs(app, e.Where, e.Start, machines)})
	}
	for p, i := range section {
		if n := times[p]; n > 1 {
			out[i].Text += "; " + strconv.Itoa(n) + " times in the last " + strconv.Itoa(int(promql.TimelineSpan.Hours())) + " h"
		}
	}
	return out
}

// findingLogs links a finding to the log lines at its start: those of the
// machines it names ("fra/30184eda"), of the machines mounting the volumes
// it names, or of the one region it names; every machine's otherwise.
func findingLogs(app string, where []string, from time.Time, machines []flyapi.Machine) string {
	ids := idsOf(where, machines)
	for _, m := range machines {
		for _, mt := range m.Mounts {
			if (slices.Contains(where, mt.Volume) || slices.Contains(where, mt.Name)) && !slices.Contains(ids, m.ID) {
				ids = append(ids, m.ID)
			}
		}
	}
	region := ""
	if len(ids) == 0 && len(where) == 1 && knownRegion(where[0]) {
		region = where[0]
	}
	return logsHref(app, from, region, ids...)
}

// placeExcerpt puts the lines before the last crash inside the crash
// loop's or OOM kill's section that names its machine. Only then does the
// page wait for them before its top (read while the queries ran, bounded by
// excerptTimeout): the evidence belongs with the claim. Otherwise they keep
// their place beside the machines.
func (p *appPage) placeExcerpt() {
	if p.excerpt == nil {
		return
	}
	for i, f := range p.Findings {
		if f.Kind != health.KindCrashLoop && f.Kind != health.KindOOMKill {
			continue
		}
		x := p.excerpt()
		p.excerpt = nil
		p.Excerpt = x
		if x == nil || !slices.Contains(f.Where, signals.Label(x.Region, x.Machine)) {
			return
		}
		x.InFinding = true
		p.Findings[i].Excerpt = x
		return
	}
}

// idsOf finds the machines named "iad/45aa8968" in where.
func idsOf(where []string, machines []flyapi.Machine) []string {
	var out []string
	for _, m := range machines {
		if slices.Contains(where, signals.Label(m.Region, m.ID)) {
			out = append(out, m.ID)
		}
	}
	return out
}

// exitsOf lists, for a crash loop or an OOM kill, each machine's restarts
// over the day and its last three exits.
func exitsOf(k health.Kind, where []string, machines []flyapi.Machine) []string {
	if k != health.KindCrashLoop && k != health.KindOOMKill {
		return nil
	}
	var out []string
	for _, m := range machines {
		label := signals.Label(m.Region, m.ID)
		if !slices.Contains(where, label) || len(m.Events) == 0 {
			continue
		}
		to := m.Events[0].At
		n, atLeast := signals.Restarts(m.Events, to.Add(-promql.TimelineSpan), to)
		count := strconv.Itoa(n) + " restart"
		if n != 1 {
			count += "s"
		}
		if atLeast {
			count = "at least " + count
		}
		line := label + ": " + count + " in the 24 h to " + to.UTC().Format("15:04") + " UTC"
		shown := 0
		for _, e := range m.Events {
			if e.Type != "exit" || shown == 3 {
				continue
			}
			shown++
			line += "; exit code " + strconv.Itoa(e.ExitCode)
			if e.OOMKilled {
				line += " (out of memory)"
			}
			line += " at " + e.At.UTC().Format("15:04:05")
		}
		out = append(out, line)
	}
	return out
}

// proofOf is the chart that proves each kind of finding; a crash loop's
// proof is its machines' exits, listed in its section.
var proofOf = map[health.Kind]promql.ChartID{
	health.KindErrors:        promql.HTTPStatus,
	health.KindLatency:       promql.Latency,
	health.KindRegionLatency: promql.RegionLatency,
	health.KindChange:        promql.Latency,
	health.KindCPU:           promql.CPU,
	health.KindThrottled:     promql.CPUQuota,
	health.KindHardLimit:     promql.Concurrency,
	health.KindVolume:        promql.Volumes,
	health.KindMemory:        promql.Memory,
	health.KindOOMKill:       promql.Memory,
	health.KindOOMAhead:      promql.Memory,
}

// evidenceFirst is the order the page draws its charts in: the proof of
// each finding of fs, in their order, then the rest as the catalog has
// them. It marks the findings that lead with a proof; split is where the
// Machines group begins once the proofs have left it.
func evidenceFirst(results []promql.Result, fs []findingView, split int) (order []int, newSplit int) {
	moved := map[int]bool{}
	for k := range fs {
		id, ok := proofOf[fs[k].Kind]
		if !ok {
			continue
		}
		for i, r := range results {
			if r.Query.ID == id && !moved[i] {
				moved[i] = true
				fs[k].hasProof = true
				order = append(order, i)
				if i >= split {
					split++
				}
				break
			}
		}
	}
	for i := range results {
		if !moved[i] {
			order = append(order, i)
		}
	}
	return order, split
}

func permute[T any](s []T, order []int) []T {
	if s == nil {
		return nil
	}
	out := make([]T, len(order))
	for to, from := range order {
		out[to] = s[from]
	}
	return out
}
