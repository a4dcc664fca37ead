package flyapi

import (
	"context"
	"net"

	"github.com/superfly/fly-go/flaps"
)

// IP is one public address of an app.
type IP struct {
	Address string
	Type    string // "v6" or "shared_v4"
	Region  string
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
		ips = append(ips, IP{Address: ip.IP, Type: ipType(ip), Region: ip.Region})
	}
	return ips, nil
}

// AssignPublicIPs gives the app a dedicated IPv6 and a shared IPv4, as
// flyctl's first deploy does. Types the app already has are left alone, so
// retrying after a partial failure assigns only what is missing.
func (c *Client) AssignPublicIPs(ctx context.Context, app string) ([]IP, error) {
	defer c.cache.clear()
	have, err := c.IPs(ctx, app)
	if err != nil {
		return nil, err
	}
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	for _, want := range []string{"v6", "shared_v4"} {
		if hasType(have, want) {
			continue
		}
		res, err := c.flaps.AssignIP(ctx, app, flaps.AssignIPRequest{Type: want, Organization: c.org})
		if err != nil {
			return have, c.classify(ctx, "assign "+want+" address to "+app, err)
		}
		have = append(have, IP{Address: res.IP, Type: want, Region: res.Region})
	}
	return have, nil
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
