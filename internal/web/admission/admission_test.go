package admission

import (
	"context"
	"runtime"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	t.Parallel()
	got := New(Config{}).Config()
	want := Config{Limit: max(4*runtime.GOMAXPROCS(0), 2), Queue: 2 * max(4*runtime.GOMAXPROCS(0), 2), RetryAfter: 2 * time.Second}
	if got != want {
		t.Errorf("defaults: %+v, want %+v", got, want)
	}
	if got := New(Config{Limit: 3, Queue: -1}).Config().Queue; got != 0 {
		t.Errorf("a negative queue is %d slots, want none", got)
	}
}

// TestQueuedWaitsAsLongAsItTakes: a queued request gets the slot when it
// frees, however long that is; past the queue a request is refused at once
// and counted; a caller leaving the queue is not counted.
func TestQueuedWaitsAsLongAsItTakes(t *testing.T) {
	t.Parallel()
	l := New(Config{Limit: 1, Queue: 1})
	release, ok := l.Acquire(context.Background())
	if !ok {
		t.Fatal("the first request was not admitted")
	}
	got := make(chan bool, 1)
	go func() {
		r, ok := l.Acquire(context.Background())
		if ok {
			r()
		}
		got <- ok
	}()
	for len(l.queue) == 0 { // the second is queued
		runtime.Gosched()
	}
	if _, ok := l.Acquire(context.Background()); ok {
		t.Fatal("a third request was admitted past a full queue")
	}
	if n := l.Refused(); n != 1 {
		t.Errorf("refused %d, want 1", n)
	}
	release()
	if !<-got {
		t.Fatal("the queued request was refused instead of getting the freed slot")
	}

	release, _ = l.Acquire(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	left := make(chan bool, 1)
	go func() { _, ok := l.Acquire(ctx); left <- ok }()
	for len(l.queue) == 0 {
		runtime.Gosched()
	}
	cancel()
	if <-left {
		t.Error("a caller that left was admitted")
	}
	if n := l.Refused(); n != 1 {
		t.Errorf("a caller leaving the queue counted as refused: %d", n)
	}
	release()
}
