package fleet

import (
	"fmt"
	"hash/fnv"
	"slices"
)

// AssignIP gives app a public address of kind typ (v6, shared_v4, v4,
// private_v6). Asking again for a shared v4 returns the one it has.
func (f *Fleet) AssignIP(app, typ, region string) (IPAssignment, error) {
	switch typ {
	case "v6", "shared_v4", "v4", "private_v6":
	default:
		return IPAssignment{}, ErrInvalidIPType
	}
	if region == "" {
		region = "global"
	} else if !KnownRegion(region) {
		return IPAssignment{}, fmt.Errorf("%w %q", ErrInvalidRegion, region)
	}
	return inApp(f, app, func(a *App) (IPAssignment, error) {
		if typ == "shared_v4" {
			for _, ip := range a.IPs {
				if ip.Type == typ {
					return ip, nil
				}
			}
		}
		ip := newIP(f.rng, typ, region, f.now().UTC())
		a.IPs = append(a.IPs, ip)
		return ip, nil
	})
}

// IPs returns app's public addresses, oldest first.
func (f *Fleet) IPs(app string) ([]IPAssignment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.lookup(app)
	if err != nil {
		return nil, err
	}
	return slices.Clone(a.IPs), nil
}

// OrgNumericID is the org's internal numeric ID, as Fly's Grafana links
// take it (orgId=). It follows from the slug alone, so it is the same in
// every run and every flysim instance.
func (f *Fleet) OrgNumericID() int64 { return NumericID(f.org) }

// NumericID derives a stable internal numeric ID (six or seven digits, like
// Fly's) from a name or ID.
func NumericID(s string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return 100000 + int64(h.Sum64()%9000000)
}
