package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// replayProxy stands between the dashboard and flysim's Prometheus API and
// makes it an upstream whose answer time does not depend on how many
// queries it is given at once: each answer is computed by flysim once,
// kept, and from then on served after exactly the injected latency. On a
// 2-core machine flysim's own query work otherwise runs on the same cores
// as the dashboard, so six queries at once take longer than one alone and
// the floor ratio measures the simulator's CPU rather than the dashboard.
type replayProxy struct {
	URL     string
	target  string
	latency time.Duration
	client  *http.Client
	srv     *http.Server

	mu    sync.Mutex
	saved map[string]savedAnswer
}

type savedAnswer struct {
	status int
	header http.Header
	body   []byte
}

func startReplayProxy(target string, latency time.Duration) (*replayProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &replayProxy{
		URL: "http://" + ln.Addr().String(), target: target, latency: latency,
		client: newLoadClient(16), saved: map[string]savedAnswer{},
	}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

func (p *replayProxy) Close() { _ = p.srv.Close() }

func (p *replayProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	form, _ := url.ParseQuery(string(body))
	for k, vs := range r.URL.Query() {
		form[k] = append(form[k], vs...)
	}
	key := r.Method + " " + r.URL.Path + "?" + form.Encode()

	timer := time.NewTimer(p.latency)
	defer timer.Stop()
	p.mu.Lock()
	a, ok := p.saved[key]
	p.mu.Unlock()
	if !ok {
		a, err = p.forward(r, body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		if a.status == http.StatusOK {
			p.mu.Lock()
			p.saved[key] = a
			p.mu.Unlock()
		}
	}
	select {
	case <-timer.C:
	case <-r.Context().Done():
		return
	}
	for k, vs := range a.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

func (p *replayProxy) forward(r *http.Request, body []byte) (savedAnswer, error) {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, p.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return savedAnswer{}, err
	}
	req.Header = r.Header.Clone()
	resp, err := p.client.Do(req)
	if err != nil {
		return savedAnswer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return savedAnswer{}, err
	}
	h := resp.Header.Clone()
	h.Del("Content-Length")
	return savedAnswer{status: resp.StatusCode, header: h, body: b}, nil
}
