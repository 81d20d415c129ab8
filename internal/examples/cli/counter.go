package cli

import (
	"fmt"
	"io"
	"time"
)

// Counter returns a reporter for work counted in units (for example the
// iterations of all chains of a sampler), each call marking one more unit
// done. Lines go to w under the same rules as Progress: the first and the
// last unit, in between every total/20 units but at most one line a second,
// and at least one line every ten seconds while work continues.
func Counter(w io.Writer, label string, total int) func() {
	return counter(w, label, total, time.Now)
}

func counter(w io.Writer, label string, total int, now func() time.Time) func() {
	every := max(total/20, 1)
	start := now()
	var last time.Time
	done, lastDone := 0, 0
	return func() {
		done++
		t := now()
		since := t.Sub(last)
		due := lastDone == 0 || done >= total ||
			(done-lastDone >= every && since >= progressMinGap) ||
			since >= progressMaxGap
		if !due || done > total {
			return
		}
		last, lastDone = t, done
		fmt.Fprintf(w, "%s %*d/%d  %6.1fs\n", label, digits(total), done, total, t.Sub(start).Seconds())
	}
}
