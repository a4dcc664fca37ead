package flysim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flydash/dashboard/flysim/fleet"
)

// maxBody caps request bodies; Fly's own configs are far smaller.
const maxBody = 1 << 20

func (s *Sim) routeMachines(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/apps", s.listApps)
	mux.HandleFunc("POST /v1/apps", s.createApp)
	mux.HandleFunc("GET /v1/apps/{app}", s.getApp)
	mux.HandleFunc("DELETE /v1/apps/{app}", s.deleteApp)
	mux.HandleFunc("GET /v1/apps/{app}/machines", s.listMachines)
	mux.HandleFunc("POST /v1/apps/{app}/machines", s.launchMachine)
	mux.HandleFunc("GET /v1/apps/{app}/machines/{id}", s.getMachine)
	mux.HandleFunc("DELETE /v1/apps/{app}/machines/{id}", s.destroyMachine)
	mux.HandleFunc("GET /v1/apps/{app}/machines/{id}/events", s.machineEvents)
	mux.HandleFunc("GET /v1/apps/{app}/volumes", s.listVolumes)
	mux.HandleFunc("POST /v1/apps/{app}/volumes", s.createVolume)
	mux.HandleFunc("GET /v1/apps/{app}/volumes/{id}", s.getVolume)
	mux.HandleFunc("DELETE /v1/apps/{app}/volumes/{id}", s.destroyVolume)
	mux.HandleFunc("GET /v1/apps/{app}/ip_assignments", s.listIPs)
	mux.HandleFunc("POST /v1/apps/{app}/ip_assignments", s.assignIP)
	mux.HandleFunc("DELETE /v1/apps/{app}/ip_assignments/{ip}", s.releaseIP)
	mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeMachinesError(w, http.StatusNotFound, fmt.Sprintf("no route for %s %s", r.Method, r.URL.Path))
	})
}

// errorBody is the Machines API's ErrorResponse; Status carries a machine
// readable code such as "name_taken".
type errorBody struct {
	Error  string `json:"error"`
	Status string `json:"status,omitempty"`
}

// writeFleetError maps the store's errors to the statuses Fly answers with.
func writeFleetError(w http.ResponseWriter, err error) {
	status, code := http.StatusInternalServerError, ""
	// A config naming an unknown volume is a bad launch (400), not a
	// missing resource, so bad input is matched first.
	switch {
	case errors.Is(err, fleet.ErrInvalidIPType), errors.Is(err, fleet.ErrInvalidRegion), errors.Is(err, fleet.ErrInvalidConfig), errors.Is(err, fleet.ErrInvalidVolume):
		status = http.StatusBadRequest
	case errors.Is(err, fleet.ErrAppNotFound), errors.Is(err, fleet.ErrMachineNotFound), errors.Is(err, fleet.ErrOrgNotFound), errors.Is(err, fleet.ErrVolumeNotFound):
		status = http.StatusNotFound
	case errors.Is(err, fleet.ErrForbidden):
		status = http.StatusForbidden
	case errors.Is(err, fleet.ErrNameTaken):
		// Fly's newer API: 422 with a machine-readable status, not 409.
		status, code = http.StatusUnprocessableEntity, "name_taken"
	case errors.Is(err, fleet.ErrInvalidName):
		status = http.StatusUnprocessableEntity
	case errors.Is(err, fleet.ErrAppHasMachines), errors.Is(err, fleet.ErrVolumeAttached):
		status = http.StatusConflict
	case errors.Is(err, fleet.ErrMachineNotStopped):
		status = http.StatusPreconditionFailed
	}
	writeJSON(w, status, errorBody{Error: err.Error(), Status: code})
}

// decodeBody reads one JSON object into v; false means it already answered 400.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	if err := dec.Decode(v); err != nil {
		msg := "invalid JSON body: " + err.Error()
		if errors.Is(err, io.EOF) {
			msg = "request body is empty: want a JSON object"
		}
		writeMachinesError(w, http.StatusBadRequest, msg)
		return false
	}
	if dec.More() {
		writeMachinesError(w, http.StatusBadRequest, "invalid JSON body: trailing data after the object")
		return false
	}
	return true
}

// boolParam reads an optional boolean query parameter; false means it
// already answered 400.
func boolParam(w http.ResponseWriter, r *http.Request, name string) (value, ok bool) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return false, true
	}
	v, err := strconv.ParseBool(raw)
	if err != nil {
		writeMachinesError(w, http.StatusBadRequest, fmt.Sprintf("query parameter %s must be true or false, got %q", name, raw))
		return false, false
	}
	return v, true
}

type orgJSON struct {
	Name string `json:"name"`
	Slug string `json:"slug"`
	// InternalNumericID is what Fly's Grafana links take as orgId.
	InternalNumericID int64 `json:"internal_numeric_id"`
}

type appJSON struct {
	ID                string   `json:"id"`
	InternalNumericID int64    `json:"internal_numeric_id"`
	Name              string   `json:"name"`
	Status            string   `json:"status,omitempty"`
	MachineCount      int      `json:"machine_count"`
	VolumeCount       int      `json:"volume_count"`
	Network           string   `json:"network"`
	Organization      *orgJSON `json:"organization,omitempty"`
	CreatedAt         int64    `json:"created_at,omitempty"`
}

// countLive counts the machines or volumes not yet destroyed.
func countLive[T any](xs []T, destroyedAt func(T) time.Time) int {
	n := 0
	for _, x := range xs {
		if destroyedAt(x).IsZero() {
			n++
		}
	}
	return n
}

// listAppJSON is an app as the list shows it: no status or organization,
// as Fly's list has none.
func listAppJSON(a fleet.App) appJSON {
	return appJSON{
		ID:                a.ID,
		InternalNumericID: fleet.NumericID(a.ID),
		Name:              a.Name,
		MachineCount:      countLive(a.Machines, func(m *fleet.Machine) time.Time { return m.DestroyedAt }),
		VolumeCount:       countLive(a.Volumes, func(v *fleet.Volume) time.Time { return v.DestroyedAt }),
		Network:           "default",
	}
}

// appStatus follows Fly: pending until something runs, deployed while a
// machine runs, suspended when every machine is stopped.
func appStatus(a fleet.App) string {
	live, running := 0, 0
	for _, m := range a.Machines {
		if !m.DestroyedAt.IsZero() {
			continue
		}
		live++
		if m.State == "started" || m.State == "starting" {
			running++
		}
	}
	switch {
	case running > 0:
		return "deployed"
	case live > 0:
		return "suspended"
	default:
		return "pending"
	}
}

func (s *Sim) appJSON(a fleet.App) appJSON {
	out := listAppJSON(a)
	out.Status = appStatus(a)
	out.Organization = &orgJSON{Name: s.opts.Org, Slug: s.opts.Org, InternalNumericID: s.fleet.OrgNumericID()}
	return out
}

func (s *Sim) listApps(w http.ResponseWriter, r *http.Request) {
	org := r.URL.Query().Get("org_slug")
	switch org {
	case "":
		writeMachinesError(w, http.StatusBadRequest, "query parameter org_slug is required")
		return
	case fleet.OtherOrg:
		writeFleetError(w, fleet.ErrForbidden)
		return
	case s.opts.Org:
	default:
		writeFleetError(w, fmt.Errorf("%w: %q", fleet.ErrOrgNotFound, org))
		return
	}
	apps := s.fleet.Apps()
	out := struct {
		TotalApps int       `json:"total_apps"`
		Apps      []appJSON `json:"apps"`
	}{TotalApps: len(apps), Apps: make([]appJSON, 0, len(apps))}
	for _, a := range apps {
		out.Apps = append(out.Apps, listAppJSON(a))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Sim) createApp(w http.ResponseWriter, r *http.Request) {
	// Fly documents app_name; fly-go sends name. Take either.
	var in struct {
		Name    string `json:"name"`
		AppName string `json:"app_name"`
		OrgSlug string `json:"org_slug"`
		Network string `json:"network"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	name := in.Name
	if name == "" {
		name = in.AppName
	}
	if name == "" {
		writeMachinesError(w, http.StatusUnprocessableEntity, "app name is required: send \"name\" or \"app_name\"")
		return
	}
	if in.OrgSlug == "" {
		writeMachinesError(w, http.StatusUnprocessableEntity, "org_slug is required")
		return
	}
	a, err := s.fleet.CreateApp(in.OrgSlug, name)
	if err != nil {
		writeFleetError(w, err)
		return
	}
	out := s.appJSON(a)
	out.CreatedAt = a.CreatedAt.UnixMilli()
	writeJSON(w, http.StatusCreated, out)
}

func (s *Sim) getApp(w http.ResponseWriter, r *http.Request) {
	a, err := s.fleet.App(r.PathValue("app"))
	if err != nil {
		writeFleetError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.appJSON(a))
}

func (s *Sim) deleteApp(w http.ResponseWriter, r *http.Request) {
	force, ok := boolParam(w, r, "force")
	if !ok {
		return
	}
	if err := s.fleet.DeleteApp(r.PathValue("app"), force); err != nil {
		writeFleetError(w, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (s *Sim) listMachines(w http.ResponseWriter, r *http.Request) {
	includeDeleted, ok := boolParam(w, r, "include_deleted")
	if !ok {
		return
	}
	region := r.URL.Query().Get("region")
	// state is Fly's comma-separated filter (created, started, stopped,
	// suspended); empty means all.
	var states []string
	if raw := r.URL.Query().Get("state"); raw != "" {
		states = strings.Split(raw, ",")
	}
	ms, err := s.fleet.Machines(r.PathValue("app"))
	if err != nil {
		writeFleetError(w, err)
		return
	}
	out := make([]machineJSON, 0, len(ms))
	for _, m := range ms {
		if m.State == "destroyed" && !includeDeleted {
			continue
		}
		if region != "" && m.Region != region {
			continue
		}
		if states != nil && !slices.Contains(states, m.State) {
			continue
		}
		out = append(out, s.machineJSON(m))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Sim) launchMachine(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name   string             `json:"name"`
		Region string             `json:"region"`
		Config *machineConfigJSON `json:"config"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	if in.Config == nil {
		writeMachinesError(w, http.StatusBadRequest, "config is required")
		return
	}
	if err := in.Config.validate(); err != nil {
		writeFleetError(w, err)
		return
	}
	m, err := s.fleet.Launch(r.PathValue("app"), in.Config.spec(in.Name, in.Region))
	if err != nil {
		writeFleetError(w, err)
		return
	}
	s.configs.put(m.ID, *in.Config)
	writeJSON(w, http.StatusOK, s.machineJSON(m))
}

// machineJSON renders m with the config its launch gave, or the one a
// deploy writes for story machines.
func (s *Sim) machineJSON(m fleet.Machine) machineJSON {
	cfg, ok := s.configs.get(m.ID)
	if !ok {
		cfg = deployedConfig(m)
	}
	return toMachineJSON(m, cfg)
}

func (s *Sim) getMachine(w http.ResponseWriter, r *http.Request) {
	m, err := s.fleet.Machine(r.PathValue("app"), r.PathValue("id"))
	if err != nil {
		writeFleetError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.machineJSON(m))
}

func (s *Sim) destroyMachine(w http.ResponseWriter, r *http.Request) {
	// fly-go sends kill; Fly's docs call it force. Either will do.
	kill, ok := boolParam(w, r, "kill")
	if !ok {
		return
	}
	force, ok := boolParam(w, r, "force")
	if !ok {
		return
	}
	if err := s.fleet.DestroyMachine(r.PathValue("app"), r.PathValue("id"), kill || force); err != nil {
		writeFleetError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// machineEvents lists a machine's newest events: limit of them, 20 unless
// asked, at most 50, as Fly documents.
func (s *Sim) machineEvents(w http.ResponseWriter, r *http.Request) {
	limit := 20
	if raw := r.URL.Query().Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			writeMachinesError(w, http.StatusBadRequest, fmt.Sprintf("query parameter limit must be a positive whole number, got %q", raw))
			return
		}
		limit = min(n, 50)
	}
	m, err := s.fleet.Machine(r.PathValue("app"), r.PathValue("id"))
	if err != nil {
		writeFleetError(w, err)
		return
	}
	events := eventsJSON(m)
	writeJSON(w, http.StatusOK, events[:min(limit, len(events))])
}

type ipJSON struct {
	IP          string `json:"ip"`
	Region      string `json:"region"`
	ServiceName string `json:"service_name"`
	Shared      bool   `json:"shared"`
	CreatedAt   string `json:"created_at"`
}

func toIPJSON(ip fleet.IPAssignment) ipJSON {
	return ipJSON{
		IP:          ip.IP,
		Region:      ip.Region,
		ServiceName: "app",
		Shared:      ip.Type == "shared_v4",
		CreatedAt:   ip.CreatedAt.UTC().Format(timeFormat),
	}
}

func (s *Sim) listIPs(w http.ResponseWriter, r *http.Request) {
	ips, err := s.fleet.IPs(r.PathValue("app"))
	if err != nil {
		writeFleetError(w, err)
		return
	}
	out := struct {
		IPs []ipJSON `json:"ips"`
	}{IPs: make([]ipJSON, 0, len(ips))}
	for _, ip := range ips {
		out.IPs = append(out.IPs, toIPJSON(ip))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Sim) assignIP(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Type    string `json:"type"`
		Region  string `json:"region"`
		OrgSlug string `json:"org_slug"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	ip, err := s.fleet.AssignIP(r.PathValue("app"), strings.TrimSpace(in.Type), in.Region)
	if err != nil {
		writeFleetError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, toIPJSON(ip))
}
