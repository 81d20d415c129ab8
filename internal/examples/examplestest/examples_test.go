package examplestest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runTimeout bounds one -quick run; the contract asks for under 30 s on two
// cores, so this leaves room for a loaded machine.
const runTimeout = 180 * time.Second

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// examples returns the names of the directories examples/NAME that hold a
// main package.
func examples(t *testing.T, root string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, "examples"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && isMain(t, filepath.Join(root, "examples", e.Name())) {
			names = append(names, e.Name())
		}
	}
	return names
}

func isMain(t *testing.T, dir string) bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		return af.Name.Name == "main"
	}
	return false
}

func TestExamplesKeepContract(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every example; skipped under -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go tool is not on PATH")
	}
	root := moduleRoot(t)
	names := examples(t, root)
	if len(names) == 0 {
		t.Skip("no examples yet: nothing under examples/NAME holds a main package")
	}
	bin := t.TempDir()
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			exe := filepath.Join(bin, name)
			build := exec.Command(goTool, "build", "-o", exe, "./examples/"+name)
			build.Dir = root
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("go build: %v\n%s", err, out)
			}
			out := t.TempDir()
			stdout, err := runExample(t, exe, out)
			if err != nil {
				t.Fatal(err)
			}
			if err := checkResult(name, stdout); err != nil {
				t.Error(err)
			}
			if err := checkPNG(out); err != nil {
				t.Error(err)
			}
		})
	}
}

// runExample runs one built example with the contract's flags and returns
// its standard output.
func runExample(t *testing.T, exe, out string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "-quick", "-seed", "1", "-out", out)
	cmd.Dir = t.TempDir()
	cmd.WaitDelay = 5 * time.Second // do not hang on children that keep the pipes open
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("ran in %.1fs", time.Since(start).Seconds())
	if ctx.Err() != nil {
		return nil, fmt.Errorf("still running after %v (-quick must finish in 30 s)\nstderr:\n%s", runTimeout, tail(stderr.String()))
	}
	if err != nil {
		return nil, fmt.Errorf("%v\nstderr:\n%s", err, tail(stderr.String()))
	}
	return stdout.Bytes(), nil
}

func tail(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

// checkResult checks that the last line of stdout is
// {"example":NAME,"metrics":{...}} with at least one finite number among the
// metrics.
func checkResult(name string, stdout []byte) error {
	text := strings.TrimRight(string(stdout), "\n")
	if text == "" {
		return errors.New("printed nothing on stdout; the last line must be the JSON result")
	}
	last := text[strings.LastIndexByte(text, '\n')+1:]
	var res struct {
		Example *string
		Metrics map[string]any
	}
	dec := json.NewDecoder(strings.NewReader(last))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil {
		return fmt.Errorf("last stdout line is not the JSON result (%v): %q", err, last)
	}
	if dec.More() {
		return fmt.Errorf("last stdout line holds more than one JSON value: %q", last)
	}
	if res.Example == nil || *res.Example != name {
		return fmt.Errorf(`result must name the example as "example": %q; got %q`, name, last)
	}
	finite := 0
	for _, v := range res.Metrics {
		if x, ok := v.(float64); ok && !math.IsNaN(x) && !math.IsInf(x, 0) {
			finite++
		}
	}
	if finite == 0 {
		return fmt.Errorf("result has no finite numeric metric: %q", last)
	}
	return nil
}

// checkPNG checks that the output directory (or a directory below it) holds
// at least one non-empty .png file.
func checkPNG(dir string) error {
	found := false
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".png") {
			if info, err := d.Info(); err == nil && info.Size() > 0 {
				found = true
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("wrote no .png file under -out %s", dir)
	}
	return nil
}

func TestCheckResult(t *testing.T) {
	for _, tc := range []struct {
		desc   string
		stdout string
		ok     bool
	}{
		{"good", "step 1\n" + `{"example":"demo","metrics":{"rmse":0.1,"n":3}}` + "\n", true},
		{"no trailing newline", `{"example":"demo","metrics":{"rmse":0.1}}`, true},
		{"empty", "", false},
		{"result not last", `{"example":"demo","metrics":{"rmse":0.1}}` + "\ndone\n", false},
		{"wrong name", `{"example":"other","metrics":{"rmse":0.1}}`, false},
		{"name missing", `{"metrics":{"rmse":0.1}}`, false},
		{"no metrics", `{"example":"demo","metrics":{}}`, false},
		{"only non-numeric metrics", `{"example":"demo","metrics":{"note":"fine","ok":true}}`, false},
		{"extra field", `{"example":"demo","metrics":{"rmse":0.1},"extra":1}`, false},
		{"two values", `{"example":"demo","metrics":{"rmse":0.1}} {}`, false},
		{"not JSON", `example demo rmse 0.1`, false},
	} {
		err := checkResult("demo", []byte(tc.stdout))
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok=%t", tc.desc, err, tc.ok)
		}
	}
}

func TestCheckPNG(t *testing.T) {
	dir := t.TempDir()
	if checkPNG(dir) == nil {
		t.Error("empty directory accepted")
	}
	if err := os.WriteFile(filepath.Join(dir, "empty.png"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if checkPNG(dir) == nil {
		t.Error("empty .png accepted")
	}
	sub := filepath.Join(dir, "plots")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "loss.png"), []byte("\x89PNG"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkPNG(dir); err != nil {
		t.Errorf("non-empty png in a subdirectory rejected: %v", err)
	}
}
