// Package syncbuf is a bytes.Buffer that many goroutines may write to at
// once: the sink for the logs of a bot under test, or a child process's
// output.
package syncbuf

import (
	"bytes"
	"sync"
)

// Buffer collects writes from many goroutines. The zero value is ready.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
