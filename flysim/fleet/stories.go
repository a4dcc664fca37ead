package fleet

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Regions are the Fly region codes flysim knows.
var Regions = []string{
	"ams", "arn", "atl", "bog", "bom", "bos", "cdg", "den", "dfw", "ewr",
	"eze", "fra", "gdl", "gig", "gru", "hkg", "iad", "jnb", "lax", "lhr",
	"mad", "mia", "nrt", "ord", "otp", "phx", "qro", "scl", "sea", "sin",
	"sjc", "syd", "waw", "yul", "yyz",
}

// KnownRegion reports whether code is one of Regions.
func KnownRegion(code string) bool {
	_, found := slices.BinarySearch(Regions, code)
	return found
}

// The story apps, in the order they are built. Story moments are offsets
// before Start, all within the last 24 h so the default view shows them.
const (
	IncidentApp        = "storefront"
	RegionalLatencyApp = "search-api"
	OOMApp             = "image-resizer"
	DeployApp          = "billing-api"
	NoHTTPApp          = "queue-worker"
	IdleApp            = "old-landing"
	HealthyApp         = "blog"
	// The Fly-specific stories: what makes an app slow or down on Fly.
	ThrottledApp     = "pdf-render"
	VolumeFillingApp = "orders-db"
	ConcurrencyApp   = "chat-gateway"
	CrashLoopApp     = "notify-api"
)

const (
	incidentStartAgo   = 3*time.Hour + 10*time.Minute
	incidentEndAgo     = 2*time.Hour + 25*time.Minute
	regressionStartAgo = 6 * time.Hour
	oomAgo             = 5 * time.Hour
	deployAgo          = 8 * time.Hour
	// oomRestartAfter is how long flyd takes to bring an OOM-killed machine back.
	oomRestartAfter = 20 * time.Second
	// historyBootTime is how long a machine took from launch to started.
	historyBootTime = 2 * time.Second
)

type placement struct {
	region   string
	machines int
}

type storyApp struct {
	name      string
	story     Story
	http      bool
	ageDays   int
	cpuKind   string
	cpus      int
	memoryMB  int
	placement []placement
	// own builds the app from a random stream of its own, so adding a
	// story changes no ID of the apps after it.
	own bool
}

var storyApps = []storyApp{
	{IncidentApp, StoryIncident, true, 41, "shared", 2, 512,
		[]placement{{"iad", 2}, {"lhr", 2}, {"ams", 1}, {"fra", 1}}, false},
	{RegionalLatencyApp, StoryRegionalLatency, true, 63, "performance", 1, 2048,
		[]placement{{"iad", 2}, {"ord", 1}, {"sjc", 1}, {"syd", 2}, {"nrt", 1}}, false},
	{OOMApp, StoryOOM, true, 19, "shared", 1, 512,
		[]placement{{"ams", 1}, {"cdg", 1}}, false},
	{DeployApp, StoryDeploy, true, 88, "shared", 2, 1024,
		[]placement{{"iad", 2}, {"yyz", 1}, {"fra", 1}}, false},
	{NoHTTPApp, StoryNoHTTP, false, 27, "shared", 1, 256,
		[]placement{{"iad", 2}, {"ord", 1}}, false},
	{IdleApp, StoryIdle, true, 402, "shared", 1, 256,
		[]placement{{"cdg", 1}, {"gru", 1}}, false},
	{HealthyApp, StoryHealthy, true, 12, "shared", 1, 256,
		[]placement{{"lhr", 1}, {"sin", 1}, {"sjc", 1}}, false},
	{ThrottledApp, StoryThrottled, true, 34, "shared", 1, 512,
		[]placement{{"ord", 2}, {"ams", 1}}, true},
	{VolumeFillingApp, StoryVolumeFilling, false, 140, "shared", 2, 4096,
		[]placement{{"iad", 2}, {"lhr", 1}}, true},
	{ConcurrencyApp, StoryConcurrency, true, 21, "shared", 2, 1024,
		[]placement{{"iad", 3}, {"fra", 1}, {"sin", 1}}, true},
	{CrashLoopApp, StoryCrashLoop, true, 55, "shared", 1, 256,
		[]placement{{"iad", 2}, {"lhr", 1}}, true},
}

// SlowRegion of the regional-latency story.
const slowRegion = "syd"

// buildApps makes the org: the story apps, then generated ones up to total.
// Everything derives from seed and start, so two fleets built alike agree to
// the ID and the second.
func buildApps(org string, total int, seed int64, start time.Time) []*App {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x73746f72696573))
	own := rand.New(rand.NewPCG(uint64(seed), 0x666c79))
	stories := storyApps
	if total > 0 && total < len(stories) {
		stories = stories[:total]
	}
	apps := make([]*App, 0, max(total, len(stories)))
	for _, s := range stories {
		r := rng
		if s.own {
			r = own
		}
		apps = append(apps, buildStoryApp(r, org, s, start))
	}
	for i := 1; len(apps) < total; i++ {
		apps = append(apps, buildGeneratedApp(rng, org, i, start))
	}
	return apps
}

func buildStoryApp(rng *rand.Rand, org string, s storyApp, start time.Time) *App {
	created := start.Add(-time.Duration(s.ageDays) * 24 * time.Hour).Add(-time.Duration(rng.IntN(86400)) * time.Second)
	a := &App{
		ID:         appID(rng),
		Name:       s.name,
		Org:        org,
		Story:      s.story,
		HTTP:       s.http,
		CreatedAt:  created,
		StoryTimes: map[string]time.Time{},
	}
	image := "registry.fly.io/" + s.name + ":deployment-" + ulid(rng)
	port := 0
	if s.http {
		port = 8080
	}
	for _, p := range s.placement {
		for range p.machines {
			m := newMachine(rng, orgNet(org), p.region, image, s.cpuKind, s.cpus, s.memoryMB, port)
			bootHistory(m, created.Add(10*time.Minute+time.Duration(len(a.Machines))*7*time.Second))
			a.Machines = append(a.Machines, m)
		}
	}
	if s.http {
		a.IPs = append(a.IPs, newIP(rng, "v6", "global", created.Add(9*time.Minute)), newIP(rng, "shared_v4", "global", created.Add(9*time.Minute)))
	}
	switch s.story {
	case StoryIncident:
		a.StoryTimes["incident_start"] = start.Add(-incidentStartAgo)
		a.StoryTimes["incident_end"] = start.Add(-incidentEndAgo)
	case StoryRegionalLatency:
		a.StoryTimes["regression_start"] = start.Add(-regressionStartAgo)
		a.SlowRegion = slowRegion
	case StoryOOM:
		at := start.Add(-oomAgo)
		a.StoryTimes["oom"] = at
		// One machine is killed; the others are merely close to their limit.
		m := a.Machines[0]
		m.Events = append(m.Events,
			Event{Type: "exit", Status: "stopped", Source: "flyd", At: at, ExitCode: 137, OOMKilled: true},
			Event{Type: "start", Status: "started", Source: "flyd", At: at.Add(oomRestartAfter)},
		)
		m.UpdatedAt = at.Add(oomRestartAfter)
	case StoryThrottled, StoryConcurrency, StoryVolumeFilling, StoryCrashLoop:
		flyStory(rng, a, start)
	case StoryDeploy:
		at := start.Add(-deployAgo)
		a.StoryTimes["deploy"] = at
		newImage := "registry.fly.io/" + s.name + ":deployment-" + ulid(rng)
		for _, m := range a.Machines {
			m.Events = append(m.Events,
				Event{Type: "update", Status: "replacing", Source: "user", At: at},
				Event{Type: "start", Status: "started", Source: "flyd", At: at.Add(historyBootTime)},
			)
			m.Image = newImage
			m.InstanceID = ulid(rng)
			m.UpdatedAt = at.Add(historyBootTime)
		}
	}
	return a
}

func buildGeneratedApp(rng *rand.Rand, org string, n int, start time.Time) *App {
	story, http := StoryHealthy, true
	switch r := rng.IntN(100); {
	case r >= 85:
		story, http = StoryNoHTTP, false
	case r >= 70:
		story = StoryIdle
	}
	name := fmt.Sprintf("svc-%04d", n)
	created := start.Add(-7 * 24 * time.Hour).Add(-time.Duration(rng.IntN(60*86400)) * time.Second)
	a := &App{
		ID:         appID(rng),
		Name:       name,
		Org:        org,
		Story:      story,
		HTTP:       http,
		CreatedAt:  created,
		StoryTimes: map[string]time.Time{},
	}
	image := "registry.fly.io/" + name + ":deployment-" + ulid(rng)
	port := 0
	if http {
		port = 8080
	}
	memory := []int{256, 512, 1024}[rng.IntN(3)]
	regions := rng.Perm(len(Regions))[:2+rng.IntN(2)]
	for _, r := range regions {
		for range 1 + rng.IntN(2) {
			m := newMachine(rng, orgNet(org), Regions[r], image, "shared", 1, memory, port)
			bootHistory(m, created.Add(5*time.Minute+time.Duration(len(a.Machines))*5*time.Second))
			a.Machines = append(a.Machines, m)
		}
	}
	if http {
		a.IPs = append(a.IPs, newIP(rng, "v6", "global", created), newIP(rng, "shared_v4", "global", created))
	}
	return a
}

// bootHistory records a machine launched at and started just after launched.
func bootHistory(m *Machine, launched time.Time) {
	started := launched.Add(historyBootTime)
	m.State = "started"
	m.CreatedAt = launched
	m.UpdatedAt = started
	m.Events = []Event{
		{Type: "launch", Status: "created", Source: "user", At: launched},
		{Type: "start", Status: "started", Source: "flyd", At: started},
	}
}

func newMachine(rng *rand.Rand, orgNet, region, image, cpuKind string, cpus, memoryMB, internalPort int) *Machine {
	return &Machine{
		ID:           hexString(rng, 14),
		Name:         machineName(rng),
		Region:       region,
		Host:         hexString(rng, 4),
		InstanceID:   ulid(rng),
		PrivateIP:    fmt.Sprintf("fdaa:0:%s:a7b:%s:%s:%s:2", orgNet, hexString(rng, 3), hexString(rng, 4), hexString(rng, 4)),
		Image:        image,
		CPUs:         cpus,
		CPUKind:      cpuKind,
		MemoryMB:     memoryMB,
		Services:     internalPort > 0,
		InternalPort: internalPort,
		Concurrency:  defaultConcurrency(internalPort),
	}
}

func defaultConcurrency(internalPort int) *Concurrency {
	if internalPort <= 0 {
		return nil
	}
	c := DefaultConcurrency
	return &c
}

// orgNet is the org's 6PN network part of its machines' private addresses.
func orgNet(org string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(org))
	return fmt.Sprintf("%04x", h.Sum32()&0xffff)
}

func newIP(rng *rand.Rand, typ, region string, at time.Time) IPAssignment {
	var ip string
	switch typ {
	case "v6":
		ip = fmt.Sprintf("2a09:8280:1::%x:%x", 1+rng.IntN(0xfff), rng.IntN(0x10000))
	case "shared_v4":
		ip = fmt.Sprintf("66.241.124.%d", 1+rng.IntN(254))
	case "v4":
		ip = fmt.Sprintf("137.66.%d.%d", rng.IntN(256), 1+rng.IntN(254))
	case "private_v6":
		ip = fmt.Sprintf("fdaa:0:%s:0:1::%x", hexString(rng, 4), 1+rng.IntN(0xff))
	}
	return IPAssignment{IP: ip, Region: region, Type: typ, CreatedAt: at}
}

const (
	hexDigits      = "0123456789abcdef"
	crockford      = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	appIDAlphabet  = "0123456789abcdefghijklmnopqrstuvwxyz"
	ulidRandomPart = 24
)

func hexString(rng *rand.Rand, n int) string {
	return fromAlphabet(rng, hexDigits, n)
}

func appID(rng *rand.Rand) string {
	return fromAlphabet(rng, appIDAlphabet, 14)
}

// ulid looks like the ULIDs Fly uses for instance and deployment IDs.
func ulid(rng *rand.Rand) string {
	return "01" + fromAlphabet(rng, crockford, ulidRandomPart)
}

func fromAlphabet(rng *rand.Rand, alphabet string, n int) string {
	var b strings.Builder
	b.Grow(n)
	for range n {
		b.WriteByte(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}

var (
	nameAdjectives = []string{"autumn", "bitter", "quiet", "restless", "wispy", "polished", "silent", "snowy", "ancient", "crimson", "dawn", "fragrant", "patient", "summer", "winter", "young"}
	nameNouns      = []string{"bird", "brook", "cloud", "dew", "field", "fire", "forest", "glade", "leaf", "meadow", "moon", "pond", "river", "sea", "shadow", "sun"}
)

// machineName is a Fly-style machine name, e.g. "wispy-river-4821".
func machineName(rng *rand.Rand) string {
	return fmt.Sprintf("%s-%s-%04d", nameAdjectives[rng.IntN(len(nameAdjectives))], nameNouns[rng.IntN(len(nameNouns))], rng.IntN(10000))
}

// volumeID looks like Fly's volume IDs: "vol_" and 16 lowercase base36 chars.
func volumeID(rng *rand.Rand) string {
	return "vol_" + fromAlphabet(rng, appIDAlphabet, 16)
}

// newVolume is a created, unattached volume; stories and the Volumes API
// both make theirs here so the two look alike.
func newVolume(rng *rand.Rand, name, region string, sizeGB int, at time.Time) *Volume {
	return &Volume{
		ID:        volumeID(rng),
		Name:      name,
		Region:    region,
		Zone:      hexString(rng, 4),
		SizeGB:    sizeGB,
		State:     "created",
		Encrypted: true,
		FSType:    "ext4",
		CreatedAt: at,
	}
}
