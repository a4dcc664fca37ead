package views

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// TestDestroyConfirmationNamesWhatIsLost opens orders-db's destroy page,
// one step from its app page, and finds every machine, every volume with
// its size and every address the destroy would take, read from the
// simulated org rather than written here.
func TestDestroyConfirmationNamesWhatIsLost(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	a, err := s.Sim.Sim.Fleet().App("orders-db")
	if err != nil {
		t.Fatal(err)
	}
	_, page, _ := s.get(t, "/apps/orders-db")
	if !strings.Contains(page, `href="/apps/orders-db/destroy"`) {
		t.Error("the app page has no link to its destroy confirmation")
	}
	status, body, _ := s.get(t, "/apps/orders-db/destroy")
	if status != http.StatusOK {
		t.Fatalf("destroy confirmation: HTTP %d", status)
	}
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var items []string
	for _, li := range findAll(doc, func(n *html.Node) bool { return n.Data == "li" && n.Parent != nil && hasClass(n.Parent, "doomed") }) {
		items = append(items, strings.Join(strings.Fields(text(li)), " "))
	}
	has := func(parts ...string) bool {
		for _, it := range items {
			ok := true
			for _, p := range parts {
				ok = ok && strings.Contains(it, p)
			}
			if ok {
				return true
			}
		}
		return false
	}
	volumes, gb := 0, 0
	for _, v := range a.Volumes {
		if v.State == "destroyed" || v.State == "destroying" {
			continue
		}
		volumes++
		gb += v.SizeGB
		if !has(v.Name, strconv.Itoa(v.SizeGB)+" GB", v.Region) {
			t.Errorf("the confirmation does not name volume %s (%d GB in %s); it lists %q", v.Name, v.SizeGB, v.Region, items)
		}
	}
	if volumes == 0 {
		t.Fatal("orders-db has no volumes in the simulated org; the story changed")
	}
	if want := strconv.Itoa(volumes) + " volumes, " + strconv.Itoa(gb) + " GB of data"; !strings.Contains(body, want) {
		t.Errorf("the confirmation does not sum the volumes as %q", want)
	}
	for _, m := range a.Machines {
		if m.State != "destroyed" && !has(m.ID, m.Region) {
			t.Errorf("the confirmation does not name machine %s in %s", m.ID, m.Region)
		}
	}
	for _, ip := range a.IPs {
		if !has(ip.IP) {
			t.Errorf("the confirmation does not name address %s", ip.IP)
		}
	}
	if !strings.Contains(body, `action="/apps/orders-db/destroy"`) || !strings.Contains(body, `name="confirm"`) {
		t.Error("the confirmation has no form asking for the app's name")
	}
	if _, err := s.Sim.Sim.Fleet().App("orders-db"); err != nil {
		t.Errorf("opening the confirmation destroyed the app: %v", err)
	}

	status, _, _ = s.get(t, "/apps/no-such-app/destroy")
	if status != http.StatusNotFound {
		t.Errorf("destroy confirmation of an unknown app: HTTP %d, want 404", status)
	}
}
