// Package fleet is the simulated org's ground truth: its apps, their machines
// and the machine events. The Machines API serves it, and the metrics
// generator reads it, so the two can never disagree about what exists when.
package fleet

import "time"

// Story names the behaviour an app's metrics follow. Stories are what make the
// simulated org worth looking at: each is something a dashboard must reveal.
type Story string

const (
	StoryHealthy         Story = "healthy"          // daily traffic cycle, low errors
	StoryIncident        Story = "incident"         // a 5xx incident in a window
	StoryRegionalLatency Story = "regional-latency" // latency regression in one region
	StoryOOM             Story = "oom"              // memory climbs, OOM kill, restart, climbs again
	StoryDeploy          Story = "deploy"           // a deploy (update event) changes behaviour
	StoryNoHTTP          Story = "no-http"          // a worker: no edge or app HTTP metrics at all
	StoryIdle            Story = "idle"             // HTTP service, next to no traffic
	StoryLaunched        Story = "launched"         // launched through the API: healthy, no history
	// Fly-specific stories: what makes an app slow or down on Fly
	// rather than anywhere.
	StoryThrottled     Story = "throttled"      // shared-cpu-1x whose daily peak drains its burst balance
	StoryVolumeFilling Story = "volume-filling" // a database whose volume is ~80% and fills in ~2 days
	StoryConcurrency   Story = "concurrency"    // peak reaches the service's hard concurrency limit
	StoryCrashLoop     Story = "crash-loop"     // one machine exits with code 1 every few minutes
)

// App is one app of the org.
type App struct {
	ID        string
	Name      string
	Org       string
	Story     Story
	HTTP      bool // has a public HTTP service (edge/app HTTP series exist)
	CreatedAt time.Time
	// DestroyedAt is zero while the app lives; its series stop at this time.
	DestroyedAt time.Time
	Machines    []*Machine
	IPs         []IPAssignment
	// StoryTimes holds the moments a story turns on (e.g. "incident_start",
	// "incident_end", "deploy", "oom", "regression_start"), so the metrics
	// generator and the machine events agree to the second.
	StoryTimes map[string]time.Time
	// SlowRegion is the region a regional-latency story degrades.
	SlowRegion string
	// Volumes are the app's Fly Volumes, destroyed ones included.
	Volumes []*Volume
}

// Machine is one Fly Machine.
type Machine struct {
	ID         string // 14 hex chars, as Fly's
	Name       string
	Region     string
	Host       string // 4 hex chars
	InstanceID string
	PrivateIP  string
	Image      string
	CPUs       int
	CPUKind    string
	MemoryMB   int
	// State follows Fly: created, starting, started, stopping, stopped,
	// destroying, destroyed.
	State     string
	CreatedAt time.Time
	UpdatedAt time.Time
	// DestroyedAt is zero while the machine lives; its series stop then.
	DestroyedAt time.Time
	// Events, oldest first (the API reverses them: Fly lists newest first).
	Events   []Event
	Services bool // has the HTTP service config (ports 80/443 -> 8080)
	// InternalPort is the port the HTTP service forwards to (8080 unless the
	// launch config said otherwise); only meaningful when Services is set.
	InternalPort int
	// Concurrency is the HTTP service's proxy concurrency config (Fly's
	// services[].concurrency); nil without a service.
	Concurrency *Concurrency
	// Mounts are the volumes the machine mounts (config.mounts).
	Mounts []Mount
	Env    map[string]string
	// Metadata is config.metadata as the launch gave it (Fly keeps it with
	// the machine's config and returns it on every read).
	Metadata map[string]string
}

// Concurrency is a service's concurrency block: Fly's proxy sends no more than
// SoftLimit in-flight units to a machine while others have room, and never
// more than HardLimit (it queues, then refuses).
type Concurrency struct {
	Type      string // "connections" or "requests"
	SoftLimit int
	HardLimit int
}

// DefaultConcurrency is what Fly's proxy applies to a service that sets no
// concurrency block: connections, soft 20, hard 25.
var DefaultConcurrency = Concurrency{Type: "connections", SoftLimit: 20, HardLimit: 25}

// Mount is one volume mounted into a machine.
type Mount struct {
	Volume string // volume ID, vol_...
	Name   string // volume name
	Path   string // destination, e.g. /data
	SizeGB int
}

// Volume is a Fly Volume: a slice of an NVMe drive on one host, in one region,
// attached to at most one machine.
type Volume struct {
	ID        string // "vol_" + 16 base36 chars, as Fly's
	Name      string
	Region    string
	Zone      string // 4 hex chars: the host's zone
	SizeGB    int
	State     string // created, destroying, destroyed
	Encrypted bool
	FSType    string // ext4
	// AttachedMachine is the ID of the machine mounting it ("" if none).
	AttachedMachine string
	CreatedAt       time.Time
	DestroyedAt     time.Time
	// UsedAtCreate and FillPerHour shape fly_volume_used_pct and the
	// filesystem metrics: used fraction of the size at Start and how much
	// of the size the app writes per hour (the series generator reads them).
	UsedAtStart float64
	FillPerHour float64
	// UsedAt is the moment UsedAtStart holds; zero means CreatedAt.
	UsedAt time.Time
}

// Event is a machine event as Fly records it.
type Event struct {
	Type      string // launch, start, exit, update, destroy
	Status    string // created, started, stopped, destroyed...
	Source    string // user or flyd
	At        time.Time
	ExitCode  int
	OOMKilled bool
}

// IPAssignment is one of an app's public addresses.
type IPAssignment struct {
	IP        string
	Region    string
	Type      string // v6, shared_v4
	CreatedAt time.Time
}
