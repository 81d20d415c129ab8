package cli

import (
	"fmt"
	"io"
	"time"
)

// Progress returns a reporter for a loop of total steps, numbered from 0. It
// prints a line to w for the first and the last step, and in between every
// total/20 steps but at most one line a second, so a fast loop prints a few
// lines and a slow one is not flooded; if a step takes long, a line still
// appears at least every ten seconds. Examples pass os.Stderr so that standard
// output ends with the result line.
func Progress(w io.Writer, total int) func(step int, loss float64) {
	return progress(w, "", total, time.Now)
}

// LabeledProgress is Progress for one of several loops in an example: every
// line starts with label, so that the fits can be told apart. Each loop
// gets its own reporter, whose total is the number of steps the loop runs.
func LabeledProgress(w io.Writer, label string, total int) func(step int, loss float64) {
	return progress(w, label, total, time.Now)
}

const (
	progressMinGap = time.Second
	progressMaxGap = 10 * time.Second
)

func progress(w io.Writer, label string, total int, now func() time.Time) func(step int, loss float64) {
	if label != "" {
		label += ": "
	}
	every := max(total/20, 1)
	start := now()
	var last time.Time
	lastStep := 0
	printed := false
	return func(step int, loss float64) {
		t := now()
		since := t.Sub(last)
		final := step >= total-1
		due := !printed || final ||
			(step-lastStep >= every && since >= progressMinGap) ||
			since >= progressMaxGap
		if !due {
			return
		}
		printed, last, lastStep = true, t, step
		fmt.Fprintf(w, "%sstep %*d/%d  loss %-12.6g  %6.1fs\n",
			label, digits(total), step+1, total, loss, t.Sub(start).Seconds())
	}
}

func digits(n int) int {
	d := 1
	for n >= 10 {
		n /= 10
		d++
	}
	return d
}
