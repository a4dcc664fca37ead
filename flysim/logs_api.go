package flysim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/flydash/dashboard/flysim/fleet"
	"github.com/flydash/dashboard/flysim/logs"
)

// The logs API flyctl polls, GET /api/v1/apps/{app}/logs on api.fly.io,
// in the JSON:API shape fly-go's GetAppLogs decodes: at most 100 entries,
// oldest first, and meta.next_token, the last entry's time in Unix
// nanoseconds, from which the next call reads forward. Without a token it
// answers the most recent entries of the last 24 hours.
// https://fly.io/docs/monitoring/logs-api-options/

func (s *Sim) routeLogs(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/apps/{app}/logs", s.appLogs)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeLogsError(w, http.StatusNotFound, "no route for "+r.Method+" "+r.URL.Path)
	})
}

// LogsRequests is how many requests the logs API received (faulted ones
// included) since the start or the last ResetCounts.
func (s *Sim) LogsRequests() int64 { return s.logsRequests.Load() }

func (s *Sim) appLogs(w http.ResponseWriter, r *http.Request) {
	a, err := s.fleet.App(r.PathValue("app"))
	if errors.Is(err, fleet.ErrAppNotFound) || errors.Is(err, fleet.ErrForbidden) {
		// An app of another org is as invisible here as a missing one.
		writeLogsError(w, http.StatusNotFound, "app not found")
		return
	}
	if err != nil {
		writeLogsError(w, http.StatusInternalServerError, err.Error())
		return
	}
	q := r.URL.Query()
	f := logs.Filter{Region: q.Get("region"), Instance: q.Get("instance")}
	token := q.Get("next_token")
	now := s.opts.Now()
	gen := logs.New(&a)
	var entries []logs.Entry
	if token == "" {
		entries = gen.Last(now, f, logs.PageSize, logs.DefaultWindow)
	} else {
		ns, err := strconv.ParseInt(token, 10, 64)
		if err != nil || ns < 0 {
			writeLogsError(w, http.StatusBadRequest, "next_token must be a Unix time in nanoseconds")
			return
		}
		entries = gen.After(time.Unix(0, ns).UTC(), now, f, logs.PageSize)
	}
	doc := logsDoc{Data: make([]logJSON, 0, len(entries))}
	doc.Meta.NextToken = token
	for _, e := range entries {
		doc.Data = append(doc.Data, toLogJSON(e))
	}
	if n := len(entries); n > 0 {
		doc.Meta.NextToken = strconv.FormatInt(entries[n-1].At.UnixNano(), 10)
	}
	w.Header().Set("Content-Type", "application/vnd.api+json")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(doc)
}

type logsDoc struct {
	Data []logJSON `json:"data"`
	Meta struct {
		NextToken string `json:"next_token"`
	} `json:"meta"`
}

type logJSON struct {
	ID         string      `json:"id"`
	Type       string      `json:"type"`
	Attributes logAttrJSON `json:"attributes"`
}

type logAttrJSON struct {
	Timestamp string      `json:"timestamp"`
	Message   string      `json:"message"`
	Level     string      `json:"level"`
	Instance  string      `json:"instance"`
	Region    string      `json:"region"`
	Meta      logMetaJSON `json:"meta"`
}

type logMetaJSON struct {
	Instance string `json:"instance"`
	Region   string `json:"region"`
	Event    struct {
		Provider string `json:"provider"`
	} `json:"event"`
	HTTP  *logHTTPJSON `json:"http,omitempty"`
	Error *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
	URL *struct {
		Full string `json:"full"`
	} `json:"url,omitempty"`
}

type logHTTPJSON struct {
	Request struct {
		ID      string `json:"id"`
		Method  string `json:"method"`
		Version string `json:"version"`
	} `json:"request"`
	Response struct {
		StatusCode int `json:"status_code"`
	} `json:"response"`
}

func toLogJSON(e logs.Entry) logJSON {
	ts := e.At.UTC().Format(time.RFC3339Nano)
	j := logJSON{ID: strconv.FormatInt(e.At.UnixNano(), 36) + "-" + e.Instance, Type: "logs", Attributes: logAttrJSON{
		Timestamp: ts, Message: e.Message, Level: e.Level, Instance: e.Instance, Region: e.Region,
		Meta: logMetaJSON{Instance: e.Instance, Region: e.Region},
	}}
	j.Attributes.Meta.Event.Provider = e.Provider
	if e.RequestID != "" {
		h := &logHTTPJSON{}
		h.Request.ID, h.Request.Method, h.Request.Version = e.RequestID, e.Method, "1.1"
		j.Attributes.Meta.HTTP = h
	}
	if e.Provider == logs.ProviderProxy && e.Level == logs.LevelError {
		// Fly's REST entries repeat a proxy error without its [CODE] in
		// meta.error.message; the code stays in the message.
		_, msg, _ := strings.Cut(e.Message, "] ")
		j.Attributes.Meta.Error = &struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}{Message: msg}
	}
	return j
}

// writeLogsError answers as a JSON:API error document; fly-go reads only
// the status.
func writeLogsError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/vnd.api+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"status": strconv.Itoa(status), "detail": msg}}})
}

func checkLogsFault(f string) error {
	switch f {
	case FaultNone, FaultHang, FaultGarbage, FaultUnauthorized:
		return nil
	}
	return fmt.Errorf("flysim: unknown logs fault %q: want %q, %q or %q", f, FaultHang, FaultGarbage, FaultUnauthorized)
}
