package flysim

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"

	"github.com/flydash/dashboard/flysim/fleet"
)

// machineConfigJSON is Fly's fly.MachineConfig, every field of it. The fleet
// models what shapes a machine's metrics (image, guest, services, mounts,
// env, metadata); the rest a launch sets is kept as given and returned, as
// flyd keeps a machine's config. containers is refused: Fly restricts it
// to some organizations and flysim does not model it.
type machineConfigJSON struct {
	Image                   string               `json:"image"`
	Env                     map[string]string    `json:"env,omitempty"`
	Init                    initJSON             `json:"init"`
	Guest                   guestJSON            `json:"guest"`
	Metadata                map[string]string    `json:"metadata,omitempty"`
	Services                []serviceJSON        `json:"services,omitempty"`
	Mounts                  []mountJSON          `json:"mounts,omitempty"`
	Restart                 *restartJSON         `json:"restart,omitempty"`
	Checks                  map[string]checkJSON `json:"checks,omitempty"`
	StopConfig              *stopConfigJSON      `json:"stop_config,omitempty"`
	DNS                     *dnsJSON             `json:"dns,omitempty"`
	Metrics                 *metricsJSON         `json:"metrics,omitempty"`
	Processes               []processJSON        `json:"processes,omitempty"`
	Files                   []fileJSON           `json:"files,omitempty"`
	Statics                 []staticJSON         `json:"statics,omitempty"`
	Schedule                string               `json:"schedule,omitempty"`
	AutoDestroy             bool                 `json:"auto_destroy,omitempty"`
	Standbys                []string             `json:"standbys,omitempty"`
	Rootfs                  *rootfsJSON          `json:"rootfs,omitempty"`
	CacheDrive              *cacheDriveJSON      `json:"cache_drive,omitempty"`
	Size                    string               `json:"size,omitempty"`
	DisableMachineAutostart *bool                `json:"disable_machine_autostart,omitempty"`
	Containers              []any                `json:"containers,omitempty"`
}

type initJSON struct {
	Cmd        []string `json:"cmd,omitempty"`
	Entrypoint []string `json:"entrypoint,omitempty"`
	Exec       []string `json:"exec,omitempty"`
	KernelArgs []string `json:"kernel_args,omitempty"`
	SwapSizeMB *int     `json:"swap_size_mb,omitempty"`
	TTY        bool     `json:"tty,omitempty"`
}

// guestJSON is fly.MachineGuest, all nine fields.
type guestJSON struct {
	CPUKind          string   `json:"cpu_kind"`
	CPUs             int      `json:"cpus"`
	MemoryMB         int      `json:"memory_mb"`
	GPUs             int      `json:"gpus,omitempty"`
	GPUKind          string   `json:"gpu_kind,omitempty"`
	HostDedicationID string   `json:"host_dedication_id,omitempty"`
	KernelArgs       []string `json:"kernel_args,omitempty"`
	MaxMemoryMB      int      `json:"max_memory_mb,omitempty"`
	PersistRootfs    string   `json:"persist_rootfs,omitempty"`
}

type serviceJSON struct {
	Protocol           string           `json:"protocol"`
	InternalPort       int              `json:"internal_port"`
	Ports              []portJSON       `json:"ports"`
	Concurrency        *concurrencyJSON `json:"concurrency,omitempty"`
	Checks             []checkJSON      `json:"checks,omitempty"`
	Autostop           autostop         `json:"autostop,omitempty"`
	Autostart          *bool            `json:"autostart,omitempty"`
	MinMachinesRunning *int             `json:"min_machines_running,omitempty"`
	// ForceInstanceKey is null unless set: Fly sends the key (fly-go's
	// field has no omitempty), though the spec types it a plain string.
	ForceInstanceKey *string `json:"force_instance_key"`
}

// autostop is services[].autostop: off, stop or suspend. Clients such as
// fly-go send booleans for off and stop (false, true); the spec's schema
// types a string, so flysim takes both and answers the string.
type autostop string

func (a *autostop) UnmarshalJSON(b []byte) error {
	var on bool
	if err := json.Unmarshal(b, &on); err == nil {
		*a = autostop(map[bool]string{false: "off", true: "stop"}[on])
		return nil
	}
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return errors.New("autostop must be off, stop, suspend, true or false")
	}
	*a = autostop(str)
	return nil
}

type concurrencyJSON struct {
	Type      string `json:"type"`
	SoftLimit int    `json:"soft_limit"`
	HardLimit int    `json:"hard_limit"`
}

type portJSON struct {
	Port       *int     `json:"port,omitempty"`
	StartPort  *int     `json:"start_port,omitempty"`
	EndPort    *int     `json:"end_port,omitempty"`
	Handlers   []string `json:"handlers,omitempty"`
	ForceHTTPS bool     `json:"force_https,omitempty"`
}

type mountJSON struct {
	Volume string `json:"volume"`
	Path   string `json:"path"`
	Name   string `json:"name,omitempty"`
	SizeGB int    `json:"size_gb,omitempty"`
}

// checkJSON is both fly.MachineCheck (config.checks) and
// fly.MachineServiceCheck (services[].checks); only kind differs.
type checkJSON struct {
	Type          string `json:"type,omitempty"`
	Port          *int   `json:"port,omitempty"`
	Interval      string `json:"interval,omitempty"`
	Timeout       string `json:"timeout,omitempty"`
	GracePeriod   string `json:"grace_period,omitempty"`
	Method        string `json:"method,omitempty"`
	Path          string `json:"path,omitempty"`
	Protocol      string `json:"protocol,omitempty"`
	TLSServerName string `json:"tls_server_name,omitempty"`
	TLSSkipVerify *bool  `json:"tls_skip_verify,omitempty"`
	Kind          string `json:"kind,omitempty"`
}

type restartJSON struct {
	Policy      string   `json:"policy,omitempty"`
	MaxRetries  *int     `json:"max_retries,omitempty"`
	GPUBidPrice *float64 `json:"gpu_bid_price,omitempty"`
}

type stopConfigJSON struct {
	Signal  string `json:"signal,omitempty"`
	Timeout string `json:"timeout,omitempty"`
}

type dnsJSON struct {
	SkipRegistration bool     `json:"skip_registration,omitempty"`
	Nameservers      []string `json:"nameservers,omitempty"`
	Searches         []string `json:"searches,omitempty"`
	Hostname         string   `json:"hostname,omitempty"`
	HostnameFQDN     string   `json:"hostname_fqdn,omitempty"`
}

type metricsJSON struct {
	Port  int    `json:"port,omitempty"`
	Path  string `json:"path,omitempty"`
	HTTPS bool   `json:"https,omitempty"`
}

type processJSON struct {
	Cmd              []string          `json:"cmd,omitempty"`
	Entrypoint       []string          `json:"entrypoint,omitempty"`
	Exec             []string          `json:"exec,omitempty"`
	Env              map[string]string `json:"env,omitempty"`
	User             string            `json:"user,omitempty"`
	IgnoreAppSecrets bool              `json:"ignore_app_secrets,omitempty"`
}

type fileJSON struct {
	GuestPath   string `json:"guest_path,omitempty"`
	RawValue    string `json:"raw_value,omitempty"`
	SecretName  string `json:"secret_name,omitempty"`
	ImageConfig string `json:"image_config,omitempty"`
	Mode        *int   `json:"mode,omitempty"`
}

type staticJSON struct {
	GuestPath     string `json:"guest_path,omitempty"`
	URLPrefix     string `json:"url_prefix,omitempty"`
	IndexDocument string `json:"index_document,omitempty"`
	TigrisBucket  string `json:"tigris_bucket,omitempty"`
}

type rootfsJSON struct {
	Persist string `json:"persist,omitempty"`
	SizeGB  int    `json:"size_gb,omitempty"`
}

type cacheDriveJSON struct {
	SizeMB int `json:"size_mb,omitempty"`
}

// Fly's enums for the config fields flysim keeps; a value outside them is
// a 400, as flyd refuses it.
var (
	restartPolicies = []string{"no", "always", "on-failure", "spot-price"}
	stopSignals     = []string{"SIGHUP", "SIGINT", "SIGQUIT", "SIGKILL", "SIGUSR1", "SIGUSR2", "SIGTERM"}
	rootfsPersist   = []string{"never", "always", "restart"}
	autostopModes   = []string{"off", "stop", "suspend"}
	checkKinds      = []string{"informational", "readiness"}
)

// sizePresets are Fly's deprecated config.size presets (flyctl's --vm-size):
// shared-cpu-Nx has 256 MB per CPU, performance-Nx 2048 MB. GPU presets are
// left out, as GPUs are.
var sizePresets = func() map[string]guestJSON {
	out := map[string]guestJSON{}
	for _, n := range []int{1, 2, 4, 6, 8} {
		out[fmt.Sprintf("shared-cpu-%dx", n)] = guestJSON{CPUKind: "shared", CPUs: n, MemoryMB: 256 * n}
	}
	for _, n := range []int{1, 2, 4, 6, 8, 10, 12, 14, 16} {
		out[fmt.Sprintf("performance-%dx", n)] = guestJSON{CPUKind: "performance", CPUs: n, MemoryMB: 2048 * n}
	}
	return out
}()

// validate refuses what Fly refuses (or flysim cannot model) before the
// fleet sees the launch, and resolves a size preset into a guest that
// does not set its own.
func (c *machineConfigJSON) validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", fleet.ErrInvalidConfig, fmt.Sprintf(format, a...))
	}
	enum := func(field, v string, allowed []string) error {
		if v != "" && !slices.Contains(allowed, v) {
			return bad("%s must be one of %v, got %q", field, allowed, v)
		}
		return nil
	}
	if c.Size != "" {
		p, ok := sizePresets[c.Size]
		if !ok {
			return bad("size %q is not a preset flysim knows: use shared-cpu-Nx or performance-Nx, or set guest", c.Size)
		}
		if c.Guest.CPUKind == "" && c.Guest.CPUs == 0 && c.Guest.MemoryMB == 0 {
			c.Guest.CPUKind, c.Guest.CPUs, c.Guest.MemoryMB = p.CPUKind, p.CPUs, p.MemoryMB
		}
	}
	if len(c.Containers) > 0 {
		return bad("containers are limited to some organizations on Fly, and flysim does not model them")
	}
	if c.Guest.GPUs > 0 || c.Guest.GPUKind != "" {
		return bad("flysim models no GPU machines: leave guest.gpus and guest.gpu_kind unset")
	}
	if c.Guest.MaxMemoryMB != 0 && c.Guest.MaxMemoryMB < c.Guest.MemoryMB {
		return bad("guest.max_memory_mb (%d) must be at least guest.memory_mb (%d)", c.Guest.MaxMemoryMB, c.Guest.MemoryMB)
	}
	if err := enum("guest.persist_rootfs", c.Guest.PersistRootfs, rootfsPersist); err != nil {
		return err
	}
	if c.Restart != nil {
		if err := enum("restart.policy", c.Restart.Policy, restartPolicies); err != nil {
			return err
		}
	}
	if c.StopConfig != nil {
		if err := enum("stop_config.signal", c.StopConfig.Signal, stopSignals); err != nil {
			return err
		}
	}
	if c.Rootfs != nil {
		if err := enum("rootfs.persist", c.Rootfs.Persist, rootfsPersist); err != nil {
			return err
		}
	}
	for name, ch := range c.Checks {
		if err := enum("checks."+name+".kind", ch.Kind, checkKinds); err != nil {
			return err
		}
	}
	for i, svc := range c.Services {
		if svc.InternalPort < 1 || svc.InternalPort > 65535 {
			return bad("services[%d].internal_port must be 1-65535, got %d", i, svc.InternalPort)
		}
		if err := enum(fmt.Sprintf("services[%d].autostop", i), string(svc.Autostop), autostopModes); err != nil {
			return err
		}
		if c := svc.Concurrency; c != nil {
			if err := enum(fmt.Sprintf("services[%d].concurrency.type", i), c.Type, []string{"connections", "requests"}); err != nil {
				return err
			}
			if c.SoftLimit < 0 || c.HardLimit < 0 || (c.HardLimit > 0 && c.SoftLimit > c.HardLimit) {
				return bad("services[%d].concurrency: want 0 <= soft_limit <= hard_limit, got %d and %d", i, c.SoftLimit, c.HardLimit)
			}
		}
	}
	return nil
}

// spec is the part of the config the fleet models.
func (c *machineConfigJSON) spec(name, region string) fleet.MachineSpec {
	spec := fleet.MachineSpec{
		Name:     name,
		Region:   region,
		Image:    c.Image,
		CPUKind:  c.Guest.CPUKind,
		CPUs:     c.Guest.CPUs,
		MemoryMB: c.Guest.MemoryMB,
		Env:      c.Env,
		Metadata: c.Metadata,
	}
	for _, m := range c.Mounts {
		spec.Mounts = append(spec.Mounts, fleet.MountSpec{Volume: m.Volume, Path: m.Path})
	}
	// The fleet's HTTP service is the first one with public ports.
	for _, svc := range c.Services {
		if len(svc.Ports) > 0 {
			spec.InternalPort = svc.InternalPort
			if cc := svc.Concurrency; cc != nil {
				spec.Concurrency = &fleet.Concurrency{Type: cc.Type, SoftLimit: cc.SoftLimit, HardLimit: cc.HardLimit}
			}
			break
		}
	}
	return spec
}

// configs keeps each launched machine's config as the launch gave it, by
// machine ID; story machines have none and get the config a flyctl deploy
// writes. Bounded by the machines launched, each under maxBody.
type configs struct {
	mu sync.Mutex
	m  map[string]machineConfigJSON
}

func (c *configs) put(id string, cfg machineConfigJSON) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]machineConfigJSON{}
	}
	c.m[id] = cfg
}

func (c *configs) get(id string) (machineConfigJSON, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cfg, ok := c.m[id]
	return cfg, ok
}

// flyctlVersion is the flyctl that deployed the story machines.
const flyctlVersion = "0.3.45"

// deployedConfig is what flyctl's deploy writes for a story machine: the
// process group in env and metadata, the release in metadata, and fly.toml's
// kill_timeout as stop_config.
func deployedConfig(m fleet.Machine) machineConfigJSON {
	retries := 10
	release := releaseVersion(m)
	cfg := machineConfigJSON{
		Env:        map[string]string{"FLY_PROCESS_GROUP": "app"},
		Restart:    &restartJSON{Policy: "on-failure", MaxRetries: &retries},
		StopConfig: &stopConfigJSON{Timeout: "30s"},
		Metadata: map[string]string{
			"fly_flyctl_version":  flyctlVersion,
			"fly_release_id":      releaseID(m.Image, release),
			"fly_release_version": strconv.Itoa(release),
		},
	}
	if m.Services {
		port := m.InternalPort
		if port == 0 {
			port = 8080
		}
		p80, p443 := 80, 443
		cfg.Services = []serviceJSON{{
			Protocol:     "tcp",
			InternalPort: port,
			Ports: []portJSON{
				{Port: &p80, Handlers: []string{"http"}, ForceHTTPS: true},
				{Port: &p443, Handlers: []string{"tls", "http"}},
			},
			Checks:    []checkJSON{{Type: "tcp", Interval: "15s", Timeout: "2s", GracePeriod: "1s"}},
			Autostop:  "off",
			Autostart: new(true),
		}}
		if c := m.Concurrency; c != nil {
			cfg.Services[0].Concurrency = &concurrencyJSON{Type: c.Type, SoftLimit: c.SoftLimit, HardLimit: c.HardLimit}
		}
	}
	return cfg
}

// fullConfig is the machine's config as the API returns it: the launch's
// (or a deploy's) with the fleet's truth for what the fleet models.
func fullConfig(m fleet.Machine, cfg machineConfigJSON) machineConfigJSON {
	cfg.Image = m.Image
	env := cfg.Env
	cfg.Env = maps.Clone(m.Env)
	if len(env) > 0 {
		cfg.Env = maps.Clone(env)
		maps.Copy(cfg.Env, m.Env)
	}
	cfg.Guest.CPUKind, cfg.Guest.CPUs, cfg.Guest.MemoryMB = m.CPUKind, m.CPUs, m.MemoryMB
	meta := cfg.Metadata
	cfg.Metadata = map[string]string{
		"fly_platform_version": "v2",
		"fly_process_group":    "app",
	}
	maps.Copy(cfg.Metadata, meta)
	maps.Copy(cfg.Metadata, m.Metadata)
	cfg.Mounts = nil
	for _, mt := range m.Mounts {
		cfg.Mounts = append(cfg.Mounts, mountJSON{Volume: mt.Volume, Path: mt.Path, Name: mt.Name, SizeGB: mt.SizeGB})
	}
	return cfg
}

// releaseVersion is the machine's release: its first, plus one per deploy
// (an update event) it has been through.
func releaseVersion(m fleet.Machine) int {
	v := 1
	for _, e := range m.Events {
		if e.Type == "update" {
			v++
		}
	}
	return v
}

// releaseID stands in for Fly's release ID ("v" and 23 letters and
// digits): the same for every machine a release of an image made.
func releaseID(image string, version int) string {
	const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/release/%d", image, version))
	id := []byte{'v'}
	for _, b := range sum[:23] {
		id = append(id, alnum[int(b)%len(alnum)])
	}
	return string(id)
}
