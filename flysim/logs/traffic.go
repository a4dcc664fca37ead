package logs

import (
	"fmt"
	"math"
	"time"

	"github.com/flydash/dashboard/flysim/fleet"
)

// Request lines are a sample of the requests, as an app that logs a
// share of them (or only the slow ones) writes: 5% of what the metrics
// count, at most 20 a minute per machine, so a busy machine's lines still
// leave room on a page for what explains it.
const (
	requestLogShare   = 0.05
	maxRequestsLogged = 20
	// At its hard limit the proxy refuses a request now and then on the
	// machine's behalf: one PR04 line per hardLimitEvery.
	hardLimitEvery = 3 * time.Second
	// workPerMinute is how many lines a worker or database writes a
	// minute, on average.
	workPerMinute = 3.5
	// incidentShare of the requests fail during the 5xx incident, as the
	// metrics have it (0.25% of responses made 60 times as many).
	incidentShare = 0.15
)

// traffic appends the minute's request lines, the app's errors during an
// incident and the proxy's refusals while the machine sits at its limit.
func (s *stream) traffic(out []Entry, m time.Time) []Entry {
	act := s.a.act
	mid := m.Add(30 * time.Second)
	rate := act.RequestRate(s.m.ID, mid)
	mk := uint64(m.Unix() / 60)
	if rate > 0 {
		want := math.Min(maxRequestsLogged, rate*60*requestLogShare)
		n := int(want + unit(s.key, mk, 1))
		for j := range n {
			jk := mk<<8 | uint64(j)
			at := m.Add(time.Duration(unit(s.key, jk, 2) * float64(minute)))
			if !act.Running(s.m.ID, at) || s.dying(at) {
				continue
			}
			out = append(out, s.request(at, jk)...)
		}
	}
	if !s.m.Services {
		out = s.work(out, m, mk)
	}
	if s.a.limited[s.m.ID] {
		out = s.refusals(out, m)
	}
	return out
}

// work is the lines of a machine without an HTTP service: a worker's jobs
// or a database's slow statements, a few a minute.
func (s *stream) work(out []Entry, m time.Time, mk uint64) []Entry {
	for j := range int(workPerMinute + unit(s.key, mk, 7)) {
		jk := mk<<8 | uint64(j)
		at := m.Add(time.Duration(unit(s.key, jk, 2) * float64(minute)))
		if s.a.act.Running(s.m.ID, at) {
			out = append(out, s.app(at, 1, s.a.rt.work(mk*8+uint64(j), 20+int(400*unit(s.key, jk, 4)))))
		}
	}
	return out
}

// refusals are the proxy's PR04 lines while the machine sits at its
// service's hard limit.
func (s *stream) refusals(out []Entry, m time.Time) []Entry {
	act := s.a.act
	for t := m; t.Before(m.Add(minute)); t = t.Add(hardLimitEvery) {
		if !act.AtHardLimit(s.m.ID, t) {
			continue
		}
		at := t.Add(time.Duration(unit(s.key, uint64(t.Unix()), 6) * float64(hardLimitEvery)))
		p := s.line(at, 0, ProviderProxy, LevelError, "[PR04] could not find a good candidate within 40 attempts at load balancing")
		p.Method, p.RequestID = "GET", requestID(s.key, uint64(at.UnixNano()), s.m.Region)
		out = append(out, p)
	}
	return out
}

// request is the app's line for one request, preceded by its error when
// it failed in the incident.
func (s *stream) request(at time.Time, jk uint64) []Entry {
	rt := s.a.rt
	path := rt.paths[int(unit(s.key, jk, 3)*float64(len(rt.paths)))]
	status, ms := 200, 4+int(40*unit(s.key, jk, 4))
	switch u := unit(s.key, jk, 5); {
	case s.inIncident(at) && u < incidentShare:
		status, ms = 500, 10000+int(20*unit(s.key, jk, 4))
	case u < 0.04:
		// Mostly scanners.
		status, path = 404, scannerPaths[int(unit(s.key, jk, 3)*float64(len(scannerPaths)))]
	case u < 0.10:
		status = 304
	}
	id := requestID(s.key, jk, s.m.Region)
	line := s.app(at, 1, fmt.Sprintf(rt.request, "GET", path, status, ms, id))
	if status != 500 {
		return []Entry{line}
	}
	return []Entry{s.app(at, 0, fmt.Sprintf(rt.failure, path)), line}
}

// dying reports whether t falls between the app's last words and the
// exit init reports: it serves nothing then.
func (s *stream) dying(t time.Time) bool {
	for _, e := range s.events {
		if e.Type == "exit" && (e.OOMKilled || e.ExitCode != 0) && !t.Before(e.At.Add(-3*time.Second)) && t.Before(e.At) {
			return true
		}
	}
	return false
}

func (s *stream) inIncident(t time.Time) bool {
	from, ok1 := s.a.app.StoryTimes["incident_start"]
	to, ok2 := s.a.app.StoryTimes["incident_end"]
	return ok1 && ok2 && !t.Before(from) && t.Before(to)
}

var scannerPaths = []string{"/wp-login.php", "/.env", "/xmlrpc.php", "/.git/config"}

// runtime is how an app's own lines read: its command, its request and
// error lines, what its crash prints.
type runtime struct {
	command, process string
	request, failure string // formats: method, path, status, ms, request id; path
	work             func(n uint64, ms int) string
	readyFmt         string
	crash            []string
	paths            []string
}

func (rt runtime) ready(m *fleet.Machine) string {
	port := m.InternalPort
	if port == 0 {
		port = 8080
	}
	return fmt.Sprintf(rt.readyFmt, port)
}

var (
	nodeRuntime = runtime{
		command: "node dist/server.js", process: "node",
		request:  `info: %s %s %d %dms request_id=%s`,
		failure:  `error: request to %s failed: connect ETIMEDOUT 172.19.4.10:5432`,
		readyFmt: "info: listening on 0.0.0.0:%d",
		work:     func(n uint64, ms int) string { return fmt.Sprintf("info: job %d done in %dms", n, ms) },
		// An unhandled rejection: Node prints it to stderr and exits 1.
		crash: []string{
			"node:internal/process/promises:391",
			"    triggerUncaughtException(err, true /* fromPromise */);",
			"    ^",
			"Error: connect ECONNREFUSED 172.19.7.42:6379",
			"    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16) {",
			"  errno: -111,",
			"  code: 'ECONNREFUSED',",
			"  syscall: 'connect',",
			"  address: '172.19.7.42',",
			"  port: 6379",
			"}",
			"Node.js v20.18.1",
		},
		paths: []string{"/api/notifications", "/api/subscriptions", "/api/devices/register"},
	}
	pythonRuntime = runtime{
		command: "gunicorn app:app --bind 0.0.0.0:8080 --workers 2", process: "python3",
		request:  `%s %s %d %dms request_id=%s`,
		failure:  `ERROR app: Exception on %s [GET]: psycopg.OperationalError: connection timeout expired`,
		readyFmt: "[INFO] Listening at: http://0.0.0.0:%d",
		work:     func(n uint64, ms int) string { return fmt.Sprintf("[INFO] task %d succeeded in %dms", n, ms) },
		crash: []string{
			"Traceback (most recent call last):",
			`  File "/app/app.py", line 41, in <module>`,
			"    main()",
			"KeyError: 'DATABASE_URL'",
		},
		paths: []string{"/resize", "/thumbnails", "/api/images"},
	}
	// Fly Postgres, on the database story's machines.
	postgresRuntime = runtime{
		command: "start", process: "postgres",
		readyFmt: "[postgres] LOG:  database system is ready to accept connections (port %d)",
		// Statements over log_min_duration_statement.
		work: func(n uint64, ms int) string {
			return fmt.Sprintf("[postgres] LOG:  duration: %d.%03d ms  execute <unnamed>: SELECT * FROM orders WHERE customer_id = $1", 200+ms*3, n%1000)
		},
	}
	goRuntime = runtime{
		command: "/app/server", process: "server",
		request:  `level=INFO msg=request method=%s path=%s status=%d duration=%dms request_id=%s`,
		failure:  `level=ERROR msg="handler failed" path=%s err="pq: sorry, too many clients already"`,
		readyFmt: "level=INFO msg=listening addr=0.0.0.0:%d",
		work: func(n uint64, ms int) string {
			return fmt.Sprintf(`level=INFO msg="job done" queue=default id=%d duration=%dms`, n, ms)
		},
		crash: []string{
			"panic: runtime error: invalid memory address or nil pointer dereference",
			"[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x6f2b1c]",
			"goroutine 1 [running]:",
			"main.main()",
			"\t/src/main.go:41 +0x2e5",
		},
		paths: []string{"/", "/api/orders", "/api/cart", "/api/products"},
	}
)

// runtimeOf picks an app's runtime: the stories whose lines a test reads
// have theirs, the rest one by name.
func runtimeOf(a *fleet.App) runtime {
	switch a.Story {
	case fleet.StoryCrashLoop:
		return nodeRuntime
	case fleet.StoryOOM:
		return pythonRuntime
	case fleet.StoryVolumeFilling:
		return postgresRuntime
	}
	all := []runtime{goRuntime, nodeRuntime, pythonRuntime}
	return all[hashKey(a.Name)%uint64(len(all))]
}
