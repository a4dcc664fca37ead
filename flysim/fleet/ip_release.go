package fleet

import (
	"errors"
	"slices"
)

// ErrIPNotFound: the app has no such address.
var ErrIPNotFound = errors.New("ip assignment not found")

// ReleaseIP removes one of app's public addresses, as Fly's
// DELETE /v1/apps/{app}/ip_assignments/{ip} does.
func (f *Fleet) ReleaseIP(app, ip string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.lookup(app)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(a.IPs, func(have IPAssignment) bool { return have.IP == ip })
	if i < 0 {
		return ErrIPNotFound
	}
	a.IPs = slices.Delete(a.IPs, i, i+1)
	return nil
}
