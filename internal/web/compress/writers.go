package compress

import (
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/gzhttp/writer"
	"github.com/klauspost/compress/gzip"
)

// level is the compression of a response that gets one of the few
// stateful writers: on the app page level 4 took a third of the default
// level's CPU (2.3 ms against 7.6 ms for a 120 KB page on a busy 2-core
// machine) for about 15% more bytes.
const level = 4

// A stateful gzip writer holds about 900 KB for its whole response at any
// level, and a streamed app page keeps its response open while it waits on
// Fly: one writer per response made compressors the largest part of the
// memory pages in flight hold. So at most statefulPerCPU writers per CPU
// are in use; a response that finds none free is compressed statelessly,
// each Write on its own with encoders shared by every response, which
// holds nothing between writes. On chat-gateway's 315 KB app page that is
// 66 KB sent against level 4's 52 KB, in 1.1 ms against 2.4 ms.
const statefulPerCPU = 1

// writers hands out the stateful writers, bounded, and stateless ones.
type writers struct {
	max   int32
	inUse atomic.Int32
	idle  sync.Pool // of *gzip.Writer at level; the GC may take them back
}

func newWriters() *writers {
	ws := &writers{max: int32(statefulPerCPU * runtime.GOMAXPROCS(0))}
	ws.idle.New = func() any {
		zw, _ := gzip.NewWriterLevel(nil, level) // an error only for a bad level
		return zw
	}
	return ws
}

// factory plugs writers into gzhttp.
func (ws *writers) factory() writer.GzipWriterFactory {
	return writer.GzipWriterFactory{
		Levels: func() (int, int) { return gzip.StatelessCompression, gzip.BestCompression },
		New:    func(w io.Writer, _ int) writer.GzipWriter { return ws.get(w) },
	}
}

func (ws *writers) get(w io.Writer) writer.GzipWriter {
	if ws.inUse.Add(1) <= ws.max {
		zw := ws.idle.Get().(*gzip.Writer)
		zw.Reset(w)
		return &stateful{Writer: zw, ws: ws}
	}
	ws.inUse.Add(-1)
	zw, _ := gzip.NewWriterLevel(w, gzip.StatelessCompression)
	return zw
}

// stateful is a pooled writer, returned at Close.
type stateful struct {
	*gzip.Writer
	ws *writers
}

func (s *stateful) Close() error {
	err := s.Writer.Close()
	s.Writer.Reset(io.Discard) // drops the response's writer
	s.ws.idle.Put(s.Writer)
	s.ws.inUse.Add(-1)
	return err
}
