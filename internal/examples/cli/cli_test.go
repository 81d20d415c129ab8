package cli

import (
	"bytes"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFlagDefaults(t *testing.T) {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	f := register(fs, "demo")
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	want := Flags{Quick: false, Seed: DefaultSeed, Out: filepath.Join("out", "demo")}
	if *f != want {
		t.Errorf("defaults = %+v, want %+v", *f, want)
	}
}

func TestFlagsParsed(t *testing.T) {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	f := register(fs, "demo")
	dir := filepath.Join(t.TempDir(), "a", "b")
	if err := fs.Parse([]string{"-quick", "-seed", "7", "-out", dir}); err != nil {
		t.Fatal(err)
	}
	want := Flags{Quick: true, Seed: 7, Out: dir}
	if *f != want {
		t.Errorf("parsed = %+v, want %+v", *f, want)
	}
	if err := f.prepare(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Errorf("output directory %s not created: %v", dir, err)
	}
	if got, want := f.File("loss.png"), filepath.Join(dir, "loss.png"); got != want {
		t.Errorf("File = %q, want %q", got, want)
	}
}

func TestPrepareRejectsEmptyOut(t *testing.T) {
	f := Flags{Out: ""}
	if err := f.prepare(); err == nil {
		t.Error("empty -out accepted")
	}
}

func TestWriteResultSortsMetrics(t *testing.T) {
	var b bytes.Buffer
	err := WriteResult(&b, "linreg", map[string]float64{"rmse": 0.25, "b": -1, "a": 3e-9})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"example":"linreg","metrics":{"a":3e-9,"b":-1,"rmse":0.25}}` + "\n"
	if b.String() != want {
		t.Errorf("got  %q\nwant %q", b.String(), want)
	}
}

func TestWriteResultRejectsBadInput(t *testing.T) {
	for _, tc := range []struct {
		desc    string
		name    string
		metrics map[string]float64
		inMsg   string
	}{
		{"NaN", "x", map[string]float64{"ok": 1, "rmse": math.NaN()}, `"rmse"`},
		{"+Inf", "x", map[string]float64{"loss": math.Inf(1)}, `"loss"`},
		{"-Inf", "x", map[string]float64{"elbo": math.Inf(-1)}, `"elbo"`},
		{"no metrics", "x", nil, "at least one metric"},
		{"no name", "", map[string]float64{"a": 1}, "name"},
	} {
		var b bytes.Buffer
		err := WriteResult(&b, tc.name, tc.metrics)
		if err == nil {
			t.Errorf("%s: accepted", tc.desc)
			continue
		}
		if !strings.Contains(err.Error(), tc.inMsg) {
			t.Errorf("%s: error %q does not mention %s", tc.desc, err, tc.inMsg)
		}
		if b.Len() != 0 {
			t.Errorf("%s: wrote %q despite the error", tc.desc, b.String())
		}
	}
}

// fakeClock advances by step on every call.
type fakeClock struct {
	t    time.Time
	step time.Duration
}

func (c *fakeClock) now() time.Time {
	c.t = c.t.Add(c.step)
	return c.t
}

func countLines(total int, stepTime time.Duration) int {
	var b bytes.Buffer
	clock := &fakeClock{t: time.Unix(0, 0), step: stepTime}
	report := progress(&b, "", total, clock.now)
	for i := range total {
		report(i, float64(total-i))
	}
	return strings.Count(b.String(), "\n")
}

func TestProgressLineCounts(t *testing.T) {
	for _, tc := range []struct {
		desc     string
		total    int
		stepTime time.Duration
		want     int
	}{
		// 100 s in all, a line due every 50 steps (5 s): first, 20 more.
		{"every total/20 steps", 1000, 100 * time.Millisecond, 21},
		// 1 s in all: only the first and the last line.
		{"at most one a second", 1000, time.Millisecond, 2},
		// A line is due every step, but steps take 0.5 s: steps 0, 2, 4, 6, 8
		// and the last.
		{"throttled to one a second", 10, 500 * time.Millisecond, 6},
		// a 30 s step prints a line each time even though every=50.
		{"heartbeat on long steps", 1000, 30 * time.Second, 1000},
		{"single step", 1, time.Second, 1},
	} {
		if got := countLines(tc.total, tc.stepTime); got != tc.want {
			t.Errorf("%s: %d lines, want %d", tc.desc, got, tc.want)
		}
	}
}

func TestProgressLineFormat(t *testing.T) {
	var b bytes.Buffer
	clock := &fakeClock{t: time.Unix(0, 0), step: 2 * time.Second}
	report := progress(&b, "", 10, clock.now)
	report(0, 3.5)
	report(9, 0.125)
	// The clock is read once when the reporter is made, then once per call.
	want := "step  1/10  loss 3.5              2.0s\n" +
		"step 10/10  loss 0.125            4.0s\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestResultWritesToStdout(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	Result("demo", map[string]float64{"x": 1})
	os.Stdout = old
	w.Close()
	got, _ := io.ReadAll(r)
	if want := `{"example":"demo","metrics":{"x":1}}` + "\n"; string(got) != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
}

// TestCounterLines checks that a counter prints the first and the last
// unit, and nothing past the total.
func TestCounterLines(t *testing.T) {
	var b strings.Builder
	clock := time.Unix(0, 0)
	c := counter(&b, "nuts", 100, func() time.Time { return clock })
	for range 105 {
		c()
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "nuts   1/100") || !strings.HasPrefix(lines[1], "nuts 100/100") {
		t.Errorf("lines %q", lines)
	}
}

func TestLabeledProgressNamesTheLoopAndCountsItsSteps(t *testing.T) {
	var b bytes.Buffer
	clock := &fakeClock{t: time.Unix(0, 0), step: 2 * time.Second}
	report := progress(&b, "Beta guide", 3, clock.now)
	for i := range 3 {
		report(i, 1)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3:\n%s", len(lines), b.String())
	}
	if !strings.HasPrefix(lines[0], "Beta guide: step 1/3  loss 1 ") || !strings.HasPrefix(lines[2], "Beta guide: step 3/3  loss 1 ") {
		t.Errorf("lines %q", lines)
	}
}

func TestUsageStartsWithWhatTheExampleDoes(t *testing.T) {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	var b bytes.Buffer
	fs.SetOutput(&b)
	register(fs, "demo")
	fs.Usage = usage(fs, "demo", "fits a line to noisy points.")
	if err := fs.Parse([]string{"-h"}); err != flag.ErrHelp {
		t.Fatalf("-h: err = %v, want flag.ErrHelp", err)
	}
	first, rest, _ := strings.Cut(b.String(), "\n")
	if first != "demo: fits a line to noisy points." {
		t.Errorf("first line %q", first)
	}
	for _, f := range []string{"-quick", "-seed", "-out"} {
		if !strings.Contains(rest, f) {
			t.Errorf("usage does not list %s:\n%s", f, b.String())
		}
	}
}
