package catalogue_test

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// badInput is one misuse of the public API.
//
// run performs the misuse and returns the error the API gave. When want is
// non-nil the error must satisfy errors.Is(err, want) and its message must
// contain every string in mention (the site, parameter or step it is about).
// When want is nil the API is expected to give a correct result: run checks
// that result itself and returns nil when it is right, or an error describing
// what was wrong (which fails the case).
type badInput struct {
	name    string
	run     func(ctx context.Context) error
	want    error
	mention []string
	// slow marks cases that take more than a second; -short skips them.
	slow bool
	// timeout overrides the default deadline of a case (a hang fails it).
	timeout time.Duration
}

// area is one part of the library and its cases.
type area struct {
	name  string
	cases func() []badInput
}

// areas lists every part of the catalogue; each is defined in its own file.
var areas = []area{
	{"engine", engineCases},
	{"dist", distCases},
	{"probgraph", probgraphCases},
	{"infer", inferCases},
	{"autoguide", autoguideCases},
	{"mcmc", mcmcCases},
	{"gp", gpCases},
	{"nn", nnCases},
	{"vmtl", vmtlCases},
	{"checkpoint", checkpointCases},
}

// minCases is the size the catalogue must keep.
const minCases = 150

const defaultTimeout = 30 * time.Second

func TestCatalogue(t *testing.T) {
	total := 0
	for _, a := range areas {
		cs := a.cases()
		total += len(cs)
		seen := map[string]bool{}
		for _, c := range cs {
			if seen[c.name] {
				t.Errorf("%s: case %q listed twice", a.name, c.name)
			}
			seen[c.name] = true
			c := c
			t.Run(a.name+"/"+c.name, func(t *testing.T) {
				if c.slow && testing.Short() {
					t.Skip("slow case; run without -short")
				}
				t.Parallel()
				runCase(t, c)
			})
		}
	}
	t.Logf("catalogue: %d cases", total)
	if total < minCases {
		t.Errorf("catalogue has %d cases, want at least %d", total, minCases)
	}
}

// outcome is what one case ended in.
type outcome struct {
	err   error
	panic string
}

func runCase(t *testing.T, c badInput) {
	timeout := c.timeout
	if timeout == 0 {
		timeout = defaultTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- outcome{panic: fmt.Sprintf("%v\n%s", r, debug.Stack())}
			}
		}()
		done <- outcome{err: c.run(ctx)}
	}()
	var o outcome
	select {
	case o = <-done:
	case <-time.After(timeout + 5*time.Second):
		t.Fatalf("hang: no answer %v after the deadline", timeout+5*time.Second)
	}
	if o.panic != "" {
		t.Fatalf("panic: %s", o.panic)
	}
	if c.want == nil {
		if o.err != nil {
			t.Fatalf("want a correct result, got: %v", o.err)
		}
		return
	}
	if o.err == nil {
		t.Fatalf("want an error wrapping %q, got none (a silent answer)", c.want)
	}
	if !errors.Is(o.err, c.want) {
		t.Fatalf("error %q does not wrap %q", o.err, c.want)
	}
	msg := o.err.Error()
	for _, m := range c.mention {
		if !strings.Contains(msg, m) {
			t.Errorf("error %q does not mention %q", msg, m)
		}
	}
}

// wrong returns the error a correct-result case gives when the result is not
// what it should be.
func wrong(format string, args ...any) error {
	return fmt.Errorf("wrong result: "+format, args...)
}
