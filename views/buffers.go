package views

import (
	"bytes"
	"sync"
)

// Every page, part, inline chart and chart file is drawn into a buffer
// before it is sent. They come from one pool rather than each growing a
// new one by doubling: under load that growth was a third of all the
// dashboard allocated, and its large, short-lived blocks kept idle heap
// that the runtime had not yet returned to the OS.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer is the largest buffer kept for reuse: a list page of 50
// rows is about 330 KB; a rare larger one is left to the GC rather than
// held for everyone.
const maxPooledBuffer = 512 << 10

func getBuffer() *bytes.Buffer { b := buffers.Get().(*bytes.Buffer); b.Reset(); return b }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBuffer {
		buffers.Put(b)
	}
}
