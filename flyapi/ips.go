package flyapi

import (
	"context"
	"errors"
	"net"
	"slices"
	"sort"
	"time"

	"github.com/superfly/fly-go/flaps"
)

// IP is one public address of an app.
type IP struct {
	Address   string
	Type      string // "v6" or "shared_v4"
	Region    string
	CreatedAt time.Time
}

// IPs lists the app's public addresses.
func (c *Client) IPs(ctx context.Context, app string) ([]IP, error) {
	ctx, cancel := c.readDeadline(ctx)
	defer cancel()
	res, err := c.flaps.GetIPAssignments(ctx, app)
	if err != nil {
		return nil, c.classify(ctx, "list addresses of "+app, err)
	}
	ips := make([]IP, 0, len(res.IPs))
	for _, ip := range res.IPs {
		ips = append(ips, IP{Address: ip.IP, Type: ipType(ip), Region: ip.Region, CreatedAt: ip.CreatedAt})
	}
	return ips, nil
}

// AssignPublicIPs gives the app a dedicated IPv6 and a shared IPv4, as
// flyctl's first deploy does. Types the app already has are left alone, so
// retrying after a partial failure assigns only what is missing. Fly gives
// an app one shared v4 however often it is asked, but a new v6 each time:
// after assigning one, the app's v6 addresses are listed and all but the
// first in a fixed order (created_at, then address) are removed. Requests
// racing here thus agree on the one to keep: of any two, the one listing
// last sees both addresses, so the first of all stays and every other goes.
func (c *Client) AssignPublicIPs(ctx context.Context, app string) ([]IP, error) {
	defer c.cache.clear()
	have, err := c.IPs(ctx, app)
	if err != nil {
		return nil, err
	}
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	assigned := false
	for _, want := range []string{"v6", "shared_v4"} {
		if hasType(have, want) {
			continue
		}
		res, err := c.flaps.AssignIP(ctx, app, flaps.AssignIPRequest{Type: want, Organization: c.org})
		if err != nil {
			return have, c.classify(ctx, "assign "+want+" address to "+app, err)
		}
		have = append(have, IP{Address: res.IP, Type: want, Region: res.Region, CreatedAt: res.CreatedAt})
		assigned = assigned || want == "v6"
	}
	if !assigned {
		return have, nil
	}
	return c.keepFirstV6(ctx, app)
}

// keepFirstV6 removes every v6 address of app but the first.
func (c *Client) keepFirstV6(ctx context.Context, app string) ([]IP, error) {
	all, err := c.IPs(ctx, app)
	if err != nil {
		return nil, err
	}
	var v6 []IP
	for _, ip := range all {
		if ip.Type == "v6" {
			v6 = append(v6, ip)
		}
	}
	sort.Slice(v6, func(i, j int) bool {
		if !v6[i].CreatedAt.Equal(v6[j].CreatedAt) {
			return v6[i].CreatedAt.Before(v6[j].CreatedAt)
		}
		return v6[i].Address < v6[j].Address
	})
	if len(v6) < 2 {
		return all, nil
	}
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	for _, dup := range v6[1:] {
		err := c.flaps.DeleteIPAssignment(ctx, app, dup.Address)
		if err = c.classify(ctx, "remove duplicate address "+dup.Address+" of "+app, err); err != nil && !errors.Is(err, ErrNotFound) {
			return all, err
		}
	}
	return slices.DeleteFunc(all, func(ip IP) bool {
		return ip.Type == "v6" && ip.Address != v6[0].Address
	}), nil
}

func hasType(ips []IP, t string) bool {
	for _, ip := range ips {
		if ip.Type == t {
			return true
		}
	}
	return false
}

func ipType(ip flaps.IPAssignment) string {
	parsed := net.ParseIP(ip.IP)
	switch {
	case parsed != nil && parsed.To4() != nil && ip.Shared:
		return "shared_v4"
	case parsed != nil && parsed.To4() != nil:
		return "v4"
	default:
		return "v6"
	}
}
