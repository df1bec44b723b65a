package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// newProgress returns a progress callback that redraws one line on stderr
// when stderr is a terminal, at most ten times a second, and does nothing
// otherwise (logs stay clean in CI).
func newProgress(stderr io.Writer, what string) func(done, total int) {
	f, ok := stderr.(*os.File)
	if !ok {
		return nil
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	var mu sync.Mutex
	var last time.Time
	return func(done, total int) {
		mu.Lock()
		defer mu.Unlock()
		if now := time.Now(); done < total && now.Sub(last) < 100*time.Millisecond {
			return
		} else {
			last = now
		}
		pct := 100
		if total > 0 {
			pct = done * 100 / total
		}
		fmt.Fprintf(f, "\r%s: %3d%% (%d/%d)", what, pct, done, total)
		if done >= total {
			fmt.Fprint(f, "\r\033[K")
		}
	}
}
