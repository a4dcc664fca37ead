package flyapi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	fly "github.com/superfly/fly-go"
	"github.com/superfly/fly-go/flaps"
)

// App is what the dashboard shows of an app.
type App struct {
	ID           string
	Name         string
	Status       string
	Network      string
	MachineCount int
	Org          string
	// OrgNumericID is the org's internal numeric id, which Fly's managed
	// Grafana takes as orgId; 0 when the Machines API did not say.
	OrgNumericID int64
}

// Hostname is where Fly serves the app.
func (a App) Hostname() string { return a.Name + ".fly.dev" }

// ListApps lists the org's apps, sorted by name. One call, whatever the
// number of apps: the listing carries machine_count.
func (c *Client) ListApps(ctx context.Context) ([]App, error) {
	apps, err := get(ctx, c.cache, "apps", c.listApps)
	return slices.Clone(apps), err
}

func (c *Client) listApps(ctx context.Context) ([]App, error) {
	ctx, cancel := c.readDeadline(ctx)
	defer cancel()
	list, err := c.flaps.ListApps(ctx, flaps.ListAppsRequest{OrgSlug: c.org})
	if err != nil {
		return nil, c.classify(ctx, "list apps", err)
	}
	apps := make([]App, 0, len(list))
	for _, a := range list {
		apps = append(apps, fromFlapsApp(a, c.org))
	}
	sort.Slice(apps, func(i, j int) bool { return apps[i].Name < apps[j].Name })
	return apps, nil
}

// GetApp returns one app of the org. An app of another org is ErrForbidden,
// even if Fly would show it to this token.
func (c *Client) GetApp(ctx context.Context, name string) (App, error) {
	return get(ctx, c.cache, "app/"+name, func(ctx context.Context) (App, error) { return c.getApp(ctx, name) })
}

func (c *Client) getApp(ctx context.Context, name string) (App, error) {
	ctx, cancel := c.readDeadline(ctx)
	defer cancel()
	a, err := c.flaps.GetApp(ctx, name)
	if err != nil {
		return App{}, c.classify(ctx, "get app "+name, err)
	}
	if a.Organization.Slug != "" && a.Organization.Slug != c.org {
		return App{}, &Error{Op: "get app " + name, Kind: ErrForbidden}
	}
	return fromFlapsApp(*a, c.org), nil
}

// CreateApp creates an app in the org.
func (c *Client) CreateApp(ctx context.Context, name string) (App, error) {
	defer c.cache.clear()
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	a, err := c.flaps.CreateApp(ctx, flaps.CreateAppRequest{Name: name, Org: c.org})
	if err != nil {
		return App{}, c.classify(ctx, "create app "+name, err)
	}
	app := fromFlapsApp(*a, c.org)
	if app.Name == "" {
		app.Name = name
	}
	return app, nil
}

// DestroyApp destroys the app's machines, then the app. Fly refuses to
// delete an app with live machines, and flaps' DeleteApp has no force flag.
func (c *Client) DestroyApp(ctx context.Context, name string) error {
	defer c.cache.clear()
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	machines, err := c.flaps.List(ctx, name, "")
	if err != nil {
		return c.classify(ctx, "list machines of "+name, err)
	}
	for _, m := range machines {
		if m.State == "destroyed" || m.State == "destroying" {
			continue
		}
		err := c.flaps.Destroy(ctx, name, fly.RemoveMachineInput{ID: m.ID, Kill: true}, "")
		if err != nil && !errors.Is(classify(ctx, "", err), ErrNotFound) {
			return c.classify(ctx, fmt.Sprintf("destroy machine %s of %s", m.ID, name), err)
		}
	}
	if err := c.flaps.DeleteApp(ctx, name); err != nil {
		return c.classify(ctx, "destroy app "+name, err)
	}
	return nil
}

func fromFlapsApp(a flaps.App, org string) App {
	if a.Organization.Slug != "" {
		org = a.Organization.Slug
	}
	return App{
		ID:           a.ID,
		Name:         a.Name,
		Status:       a.Status,
		Network:      a.Network,
		MachineCount: int(a.MachineCount),
		Org:          org,
		OrgNumericID: int64(a.Organization.InternalNumericID),
	}
}
