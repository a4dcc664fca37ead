package fleet

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultOrg is the slug of the simulated org when none is configured.
const DefaultOrg = "demo"

// OtherOrg holds ForeignApp: an app that exists on "Fly" but belongs to
// somebody else, so clients see the 403 Fly gives for it.
const (
	OtherOrg   = "other-org"
	ForeignApp = "not-yours"
)

// Errors the mutators return; the API layer maps them to Fly's statuses.
var (
	ErrAppNotFound       = errors.New("app not found")
	ErrForbidden         = errors.New("unauthorized")
	ErrOrgNotFound       = errors.New("organization not found")
	ErrNameTaken         = errors.New("name has already been taken")
	ErrInvalidName       = errors.New("name may only contain lowercase letters, numbers and dashes, must start with a letter or number, and be at most 63 characters long")
	ErrMachineNotFound   = errors.New("machine not found")
	ErrAppHasMachines    = errors.New("app still has machines; destroy them first or delete the app with force=true")
	ErrMachineNotStopped = errors.New("failed_precondition: unable to destroy machine, not currently stopped, suspended, failed or created")
	ErrInvalidIPType     = errors.New("invalid ip type: want v6, shared_v4, v4 or private_v6")
	ErrInvalidRegion     = errors.New("unknown region")
	ErrInvalidConfig     = errors.New("invalid machine config")
)

var appNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ValidAppName reports whether name is acceptable as a Fly app name: one DNS
// label of lowercase letters, digits and dashes.
func ValidAppName(name string) bool {
	return appNamePattern.MatchString(name) && !strings.HasSuffix(name, "-")
}

// Config shapes a new Fleet.
type Config struct {
	Org string
	// Apps is the total number of apps: the story apps first, then generated
	// ones. 0 means just the story apps.
	Apps int
	Seed int64
	// Start anchors the stories (rounded down to the minute); zero = time.Now().
	Start time.Time
	// Now is the clock; nil = time.Now. Tests pass their own to step time.
	Now func() time.Time
	// StartDelay is how long a launched machine takes from created to
	// started (and a destroyed one from destroying to destroyed).
	StartDelay time.Duration
}

// Fleet is the concurrency-safe ground truth of one simulated org.
//
// Machine state that changes with time (created -> starting -> started,
// destroying -> destroyed) is settled lazily against the clock on every
// access, so nothing runs in the background and tests can step a fake clock.
type Fleet struct {
	org        string
	now        func() time.Time
	start      time.Time
	startDelay time.Duration

	mu      sync.Mutex
	rng     *rand.Rand
	apps    []*App          // every app ever, destroyed ones included
	live    map[string]*App // live apps by name
	foreign map[string]string
	// pending holds the machines whose state still moves with time.
	pending []*Machine
}

// New builds the org with its story apps (and generated ones up to cfg.Apps).
func New(cfg Config) *Fleet {
	if cfg.Org == "" {
		cfg.Org = DefaultOrg
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Start.IsZero() {
		cfg.Start = cfg.Now()
	}
	if cfg.StartDelay <= 0 {
		cfg.StartDelay = time.Second
	}
	start := cfg.Start.UTC().Truncate(time.Minute)
	f := &Fleet{
		org:        cfg.Org,
		now:        cfg.Now,
		start:      start,
		startDelay: cfg.StartDelay,
		// A separate stream from the stories' keeps launched IDs stable
		// whatever the org's size.
		rng:     rand.New(rand.NewPCG(uint64(cfg.Seed), 0x6c61756e6368)),
		live:    map[string]*App{},
		foreign: map[string]string{ForeignApp: OtherOrg},
	}
	for _, a := range buildApps(cfg.Org, cfg.Apps, cfg.Seed, start) {
		f.apps = append(f.apps, a)
		f.live[a.Name] = a
	}
	return f
}

// Org is the slug of the simulated org.
func (f *Fleet) Org() string { return f.org }

// Now is the fleet's clock.
func (f *Fleet) Now() time.Time { return f.now() }

// Start is the stories' anchor: every story moment lies within the 24 h
// before it.
func (f *Fleet) Start() time.Time { return f.start }

// Snapshot returns deep copies of all the org's apps, destroyed ones
// included (their DestroyedAt is set), sorted by name, then creation.
func (f *Fleet) Snapshot() []App {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settle()
	out := make([]App, len(f.apps))
	for i, a := range f.apps {
		out[i] = copyApp(a)
	}
	slices.SortStableFunc(out, func(a, b App) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return a.CreatedAt.Compare(b.CreatedAt)
	})
	return out
}

// Apps returns the org's live apps sorted by name.
func (f *Fleet) Apps() []App {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settle()
	out := make([]App, 0, len(f.live))
	for _, a := range f.live {
		out = append(out, copyApp(a))
	}
	slices.SortFunc(out, func(a, b App) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// App returns a live app of the org; ErrForbidden if it is another org's.
func (f *Fleet) App(name string) (App, error) {
	return inApp(f, name, func(a *App) (App, error) { return copyApp(a), nil })
}

// CreateApp adds an empty app (story "launched") to org.
func (f *Fleet) CreateApp(org, name string) (App, error) {
	if !ValidAppName(name) {
		return App{}, ErrInvalidName
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settle()
	switch {
	case org == OtherOrg:
		return App{}, ErrForbidden
	case org != f.org:
		return App{}, ErrOrgNotFound
	}
	if _, ok := f.live[name]; ok {
		return App{}, ErrNameTaken
	}
	if _, ok := f.foreign[name]; ok {
		return App{}, ErrNameTaken
	}
	now := f.now().UTC()
	a := &App{
		ID:         appID(f.rng),
		Name:       name,
		Org:        f.org,
		Story:      StoryLaunched,
		CreatedAt:  now,
		StoryTimes: map[string]time.Time{},
	}
	f.apps = append(f.apps, a)
	f.live[name] = a
	return copyApp(a), nil
}

// DeleteApp destroys an app. With live machines it fails unless force is
// set, in which case the machines are killed and destroyed first.
func (f *Fleet) DeleteApp(name string, force bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settle()
	a, err := f.lookup(name)
	if err != nil {
		return err
	}
	now := f.now().UTC()
	var live []*Machine
	for _, m := range a.Machines {
		if m.DestroyedAt.IsZero() {
			live = append(live, m)
		}
	}
	if len(live) > 0 && !force {
		return ErrAppHasMachines
	}
	for _, m := range live {
		f.beginDestroy(a, m, now)
	}
	// The app's volumes go with it.
	for _, v := range a.Volumes {
		if v.DestroyedAt.IsZero() {
			v.State, v.DestroyedAt = "destroyed", now
		}
	}
	a.DestroyedAt = now
	delete(f.live, name)
	return nil
}

// MachineSpec is what a launch asks for.
type MachineSpec struct {
	Name     string
	Region   string
	Image    string
	CPUKind  string
	CPUs     int
	MemoryMB int
	Env      map[string]string
	// InternalPort > 0 gives the machine a public HTTP service.
	InternalPort int
	// Concurrency of that service; nil = Fly's proxy default.
	Concurrency *Concurrency
	// Metadata is config.metadata, kept and returned as given.
	Metadata map[string]string
	// Mounts are config.mounts: volumes of the app to attach.
	Mounts []MountSpec
}

// Launch creates a machine in app; it reports "started" StartDelay later.
func (f *Fleet) Launch(app string, spec MachineSpec) (Machine, error) {
	if strings.TrimSpace(spec.Image) == "" {
		return Machine{}, fmt.Errorf("%w: config.image is required", ErrInvalidConfig)
	}
	if spec.Region == "" {
		spec.Region = "iad"
	}
	if !KnownRegion(spec.Region) {
		return Machine{}, fmt.Errorf("%w %q", ErrInvalidRegion, spec.Region)
	}
	if spec.CPUKind == "" {
		spec.CPUKind = "shared"
	}
	if spec.CPUKind != "shared" && spec.CPUKind != "performance" {
		return Machine{}, fmt.Errorf("%w: guest.cpu_kind must be shared or performance", ErrInvalidConfig)
	}
	if spec.CPUs == 0 {
		spec.CPUs = 1
	}
	if spec.MemoryMB == 0 {
		spec.MemoryMB = 256
	}
	if spec.CPUs < 1 || spec.CPUs > 16 || spec.MemoryMB < 256 || spec.MemoryMB > 131072 {
		return Machine{}, fmt.Errorf("%w: guest wants 1-16 cpus and 256-131072 MB of memory", ErrInvalidConfig)
	}
	return inApp(f, app, func(a *App) (Machine, error) { return f.launch(a, spec) })
}

// launch adds spec's machine to a; the fleet is locked and settled.
func (f *Fleet) launch(a *App, spec MachineSpec) (Machine, error) {
	ms, vols, err := mounts(a, spec.Region, spec.Mounts)
	if err != nil {
		return Machine{}, err
	}
	now := f.now().UTC()
	m := newMachine(f.rng, orgNet(f.org), spec.Region, spec.Image, spec.CPUKind, spec.CPUs, spec.MemoryMB, spec.InternalPort)
	if spec.Name != "" {
		m.Name = spec.Name
	}
	m.Env = maps.Clone(spec.Env)
	m.Metadata = maps.Clone(spec.Metadata)
	m.Mounts = ms
	for _, v := range vols {
		v.AttachedMachine = m.ID
	}
	if spec.Concurrency != nil && m.Services {
		c := *spec.Concurrency
		m.Concurrency = &c
	}
	m.State = "created"
	m.CreatedAt, m.UpdatedAt = now, now
	m.Events = []Event{{Type: "launch", Status: "created", Source: "user", At: now}}
	a.Machines = append(a.Machines, m)
	if m.Services {
		a.HTTP = true
	}
	f.pending = append(f.pending, m)
	return copyMachine(m), nil
}

// Machines returns all of app's machines, destroyed ones included, in
// creation order.
func (f *Fleet) Machines(app string) ([]Machine, error) {
	return inApp(f, app, func(a *App) ([]Machine, error) {
		out := make([]Machine, len(a.Machines))
		for i, m := range a.Machines {
			out[i] = copyMachine(m)
		}
		return out, nil
	})
}

// Machine returns one machine of app, destroyed or not.
func (f *Fleet) Machine(app, id string) (Machine, error) {
	return inApp(f, app, func(a *App) (Machine, error) {
		m, err := a.machine(id)
		if err != nil {
			return Machine{}, err
		}
		return copyMachine(m), nil
	})
}

// DestroyMachine destroys a machine. A running one needs kill, as on Fly.
func (f *Fleet) DestroyMachine(app, id string, kill bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settle()
	a, err := f.lookup(app)
	if err != nil {
		return err
	}
	m, err := a.machine(id)
	if err != nil {
		return err
	}
	switch m.State {
	case "destroying", "destroyed":
		return ErrMachineNotFound
	case "created", "stopped", "suspended", "failed":
	default:
		if !kill {
			return ErrMachineNotStopped
		}
	}
	f.beginDestroy(a, m, f.now().UTC())
	return nil
}

func (f *Fleet) lookup(name string) (*App, error) {
	if a, ok := f.live[name]; ok {
		return a, nil
	}
	if _, ok := f.foreign[name]; ok {
		return nil, ErrForbidden
	}
	return nil, ErrAppNotFound
}

// inApp runs fn on the named live app with the fleet locked and settled:
// the way every app-scoped call that reports state begins.
func inApp[T any](f *Fleet, app string, fn func(*App) (T, error)) (T, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settle()
	a, err := f.lookup(app)
	if err != nil {
		var zero T
		return zero, err
	}
	return fn(a)
}

func (a *App) machine(id string) (*Machine, error) {
	for _, m := range a.Machines {
		if m.ID == id {
			return m, nil
		}
	}
	return nil, ErrMachineNotFound
}

// beginDestroy stops the machine's series now and frees its volumes; settle
// finishes it later.
func (f *Fleet) beginDestroy(a *App, m *Machine, now time.Time) {
	detach(a, m)
	m.State = "destroying"
	m.DestroyedAt = now
	m.UpdatedAt = now
	m.Events = append(m.Events, Event{Type: "destroy", Status: "destroying", Source: "user", At: now})
	if !slices.Contains(f.pending, m) {
		f.pending = append(f.pending, m)
	}
}

// settle moves pending machines along their lifecycle up to the clock's
// now, recording each transition at the moment it happened.
func (f *Fleet) settle() {
	if len(f.pending) == 0 {
		return
	}
	now := f.now().UTC()
	still := f.pending[:0]
	for _, m := range f.pending {
		switch m.State {
		case "created", "starting":
			startedAt := m.CreatedAt.Add(f.startDelay)
			switch {
			case !now.Before(startedAt):
				m.State = "started"
				m.UpdatedAt = startedAt
				m.Events = append(m.Events, Event{Type: "start", Status: "started", Source: "flyd", At: startedAt})
			case !now.Before(m.CreatedAt.Add(f.startDelay / 2)):
				m.State = "starting"
			}
		case "destroying":
			doneAt := m.DestroyedAt.Add(f.startDelay)
			if !now.Before(doneAt) {
				m.State = "destroyed"
				m.UpdatedAt = doneAt
				m.Events = append(m.Events, Event{Type: "destroy", Status: "destroyed", Source: "flyd", At: doneAt})
			}
		}
		if m.State != "started" && m.State != "destroyed" {
			still = append(still, m)
		}
	}
	clear(f.pending[len(still):])
	f.pending = still
}

func copyApp(a *App) App {
	c := *a
	c.Machines = make([]*Machine, len(a.Machines))
	for i, m := range a.Machines {
		mc := copyMachine(m)
		c.Machines[i] = &mc
	}
	c.IPs = slices.Clone(a.IPs)
	c.StoryTimes = maps.Clone(a.StoryTimes)
	c.Volumes = make([]*Volume, len(a.Volumes))
	for i, v := range a.Volumes {
		vc := *v
		c.Volumes[i] = &vc
	}
	return c
}

func copyMachine(m *Machine) Machine {
	c := *m
	c.Events = slices.Clone(m.Events)
	c.Env = maps.Clone(m.Env)
	c.Metadata = maps.Clone(m.Metadata)
	c.Mounts = slices.Clone(m.Mounts)
	if m.Concurrency != nil {
		cc := *m.Concurrency
		c.Concurrency = &cc
	}
	return c
}
