package flyapi

import (
	"context"
	"sync"

	fly "github.com/superfly/fly-go"
)

// Volumes lists the app's volumes as Fly returns them.
func (c *Client) Volumes(ctx context.Context, app string) ([]fly.Volume, error) {
	ctx, cancel := c.readDeadline(ctx)
	defer cancel()
	vs, err := c.flaps.GetVolumes(ctx, app)
	if err != nil {
		return nil, c.classify(ctx, "list volumes of "+app, err)
	}
	return vs, nil
}

// Holdings is what destroying an app loses: its machines, its volumes with
// their data, and its public addresses, which Fly does not give back.
type Holdings struct {
	Machines []Machine
	Volumes  []fly.Volume
	IPs      []IP
}

// VolumeGB adds up the volumes' sizes.
func (h Holdings) VolumeGB() int {
	n := 0
	for _, v := range h.Volumes {
		n += v.SizeGb
	}
	return n
}

// Holdings reads the three lists at once; the first failure is returned
// with whatever the other lists held.
func (c *Client) Holdings(ctx context.Context, app string) (Holdings, error) {
	var (
		h          Holdings
		wg         sync.WaitGroup
		mErr, vErr error
		iErr       error
	)
	wg.Go(func() { h.Machines, mErr = c.Machines(ctx, app) })
	wg.Go(func() { h.Volumes, vErr = c.Volumes(ctx, app) })
	wg.Go(func() { h.IPs, iErr = c.IPs(ctx, app) })
	wg.Wait()
	for _, err := range []error{mErr, vErr, iErr} {
		if err != nil {
			return h, err
		}
	}
	return h, nil
}
