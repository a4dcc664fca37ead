package health

import "strings"

// Unavailable marks failed queries, one flag per measurement. Machines is
// Prometheus' count of machines reporting; MachineCount is the Machines
// API's count of the app's machines, a different upstream.
type Unavailable struct {
	Machines, Requests, Errors, Latency, CPU bool
	Quota, Limits, Volumes, Memory           bool
	MachineCount                             bool
}

func (u Unavailable) any() bool {
	return u.Machines || u.Requests || u.Errors || u.Latency || u.CPU || u.Quota || u.Limits || u.Volumes || u.Memory || u.MachineCount
}

// reason names what is missing, by upstream.
func (u Unavailable) reason() string {
	var parts []string
	if metrics := u.names(); len(metrics) > 0 {
		parts = append(parts, "metrics unavailable: "+strings.Join(metrics, ", "))
	}
	if u.MachineCount {
		parts = append(parts, "machine count unavailable from the Fly Machines API")
	}
	return strings.Join(parts, "; ")
}

// names lists the failed measurements in words.
func (u Unavailable) names() []string {
	var out []string
	for _, m := range []struct {
		failed bool
		name   string
	}{{u.Requests, "requests"}, {u.Errors, "5xx share"}, {u.Latency, "latency"}, {u.CPU, "CPU"}, {u.Machines, "machines reporting"},
		{u.Quota, "CPU quota"}, {u.Limits, "concurrency limits"}, {u.Volumes, "volumes"}, {u.Memory, "memory and restarts"}} {
		if m.failed {
			out = append(out, m.name)
		}
	}
	return out
}
