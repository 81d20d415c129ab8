package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// rule forbids packages in the directory from (and below it) to depend,
// directly or not, on packages in any directory of forbid (and below).
// Directories are relative to the module root; a rule about directories that
// do not exist yet holds trivially and bites as soon as they appear.
type rule struct {
	from   string
	forbid []string
	why    string
}

var rules = []rule{
	{"engine", []string{"probgraph", "gp", "nn", "vmtl", "cuda", "examples", "bench"},
		"engine is the bottom layer: it imports no other ignis layer"},
	{"cuda", []string{"probgraph", "gp", "nn", "vmtl", "examples", "bench"},
		"cuda is a backend for engine and knows nothing of models"},
	{"probgraph", []string{"gp", "nn", "vmtl", "examples", "bench"},
		"probgraph sits below gp, nn and vmtl"},
	{"nn", []string{"gp", "vmtl", "examples", "bench"},
		"nn's modules sit on probgraph, beside gp and below vmtl"},
	{"optim", []string{"probgraph", "gp", "nn", "vmtl", "cuda", "examples", "bench"},
		"optim drives any compiled objective: it sits on engine alone"},
	{"engine", []string{"gorgonia.org/cu"},
		"only cuda talks to the CUDA driver"},
	{"probgraph", []string{"gorgonia.org/cu"},
		"only cuda talks to the CUDA driver"},
}

// owner returns the directory whose packages alone may import a package in
// dir: examples/NAME for an example, bench for the bench harness, "" when
// anyone may.
func owner(dir string) string {
	parts := strings.Split(dir, "/")
	switch {
	case parts[0] == "examples" && len(parts) >= 2:
		return "examples/" + parts[1]
	case parts[0] == "bench":
		return "bench"
	}
	return ""
}

func within(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, dir+"/")
}

// pkg is the part of `go list -json` output the checks read.
type pkg struct {
	ImportPath string
	Dir        string
	Imports    []string
	Deps       []string
}

// unit is a package reduced to what the rules talk about: its directory
// relative to the module root and its dependencies, with packages of this
// module also named by directory and packages outside it by import path.
type unit struct {
	dir     string
	deps    []string
	imports []string
}

func trimVariant(path string) string {
	// Test variants are listed as "p [q.test]".
	if i := strings.Index(path, " ["); i >= 0 {
		return path[:i]
	}
	return path
}

func localName(module, path string) string {
	path = trimVariant(path)
	if path == module {
		return "."
	}
	if rest, ok := strings.CutPrefix(path, module+"/"); ok {
		return strings.TrimSuffix(rest, "_test") // external test packages
	}
	return path
}

// violations lists every broken rule in the units.
func violations(units []unit) []string {
	imports := make(map[string][]string)
	for _, u := range units {
		imports[u.dir] = append(imports[u.dir], u.imports...)
	}
	var out []string
	for _, u := range units {
		for _, d := range u.deps {
			for _, r := range rules {
				if !within(u.dir, r.from) {
					continue
				}
				for _, f := range r.forbid {
					if within(d, f) {
						out = append(out, fmt.Sprintf("%s depends on %s (%s): %s",
							u.dir, d, chain(imports, u.dir, d), r.why))
					}
				}
			}
			if o := owner(d); o != "" && !within(u.dir, o) {
				out = append(out, fmt.Sprintf("%s depends on %s (%s): nothing outside %s imports it",
					u.dir, d, chain(imports, u.dir, d), o))
			}
		}
	}
	return dedup(out)
}

// chain finds an import path from one package to another for the message,
// by breadth-first search over the direct imports.
func chain(imports map[string][]string, from, to string) string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p == to {
			var path []string
			for ; p != ""; p = prev[p] {
				path = append([]string{p}, path...)
			}
			return strings.Join(path, " → ")
		}
		for _, q := range imports[p] {
			if _, seen := prev[q]; !seen {
				prev[q] = p
				queue = append(queue, q)
			}
		}
	}
	return "via packages outside the module"
}

func dedup(s []string) []string {
	seen := make(map[string]bool)
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// goList runs `go list -e -test -json ./...` at the module root with extra
// arguments and environment, and returns the module path and its units
// (tests included).
func goList(t *testing.T, env []string, args ...string) (string, []unit) {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go tool is not on PATH")
	}
	run := func(args ...string) []byte {
		cmd := exec.Command(goTool, args...)
		cmd.Dir = moduleRoot(t)
		cmd.Env = append(os.Environ(), env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return out
	}
	module := strings.TrimSpace(string(run("list", "-m")))
	dec := json.NewDecoder(bytes.NewReader(run(append(append([]string{"list", "-e", "-test", "-json"}, args...), "./...")...)))
	var units []unit
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		u := unit{dir: localName(module, p.ImportPath)}
		if strings.HasSuffix(u.dir, ".test") {
			continue // the generated main of a test binary: its variants are listed too
		}
		for _, d := range p.Deps {
			u.deps = append(u.deps, localName(module, d))
		}
		for _, d := range p.Imports {
			u.imports = append(u.imports, localName(module, d))
		}
		units = append(units, u)
	}
	if len(units) == 0 {
		t.Fatal("go list found no packages")
	}
	return module, units
}

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

func TestDependencyDirection(t *testing.T) {
	for _, flavor := range []struct {
		name string
		env  []string
		args []string
	}{
		{"default", nil, nil},
		// Listing needs no C compiler or CUDA headers; cgo is switched on so
		// that files importing "C" are listed as a gpu build would see them.
		{"gpu", []string{"CGO_ENABLED=1"}, []string{"-tags", "gpu"}},
	} {
		t.Run(flavor.name, func(t *testing.T) {
			_, units := goList(t, flavor.env, flavor.args...)
			found := false
			for _, u := range units {
				found = found || u.dir == "engine"
			}
			if !found {
				t.Fatal("engine is not among the listed packages; the test is looking in the wrong place")
			}
			for _, v := range violations(units) {
				t.Error(v)
			}
		})
	}
}

// gorgonia.org/cu exits the process in its init when no GPU is present, so
// the default flavor, tests included, must never link it.
func TestDefaultFlavorDoesNotLinkCU(t *testing.T) {
	_, units := goList(t, nil)
	for _, u := range units {
		for _, d := range u.deps {
			if within(d, "gorgonia.org/cu") {
				t.Errorf("%s links %s in the default flavor", u.dir, d)
			}
		}
	}
}

func TestRulesCatchViolations(t *testing.T) {
	for _, tc := range []struct {
		desc  string
		units []unit
		want  int
	}{
		{"clean layering", []unit{
			{dir: "engine", deps: []string{"math", "gorgonia.org/gorgonia"}},
			{dir: "cuda", deps: []string{"engine", "gorgonia.org/cu"}},
			{dir: "probgraph/dist", deps: []string{"engine", "probgraph"}},
			{dir: "gp", deps: []string{"engine", "probgraph/dist", "internal/examples/plotutil"}},
			// In the gpu flavor gp links the backend (gp/gpu.go), so that
			// GP programs get the GPU with no change to their code.
			{dir: "gp", deps: []string{"cuda", "gorgonia.org/cu"}},
			{dir: "examples/gpfit", deps: []string{"gp", "examples/gpfit/data"}},
			{dir: "bench", deps: []string{"bench/suites", "cuda"}},
			{dir: "nn", deps: []string{"engine", "probgraph", "probgraph/dist"}},
			{dir: "vmtl", deps: []string{"nn", "probgraph/dist"}},
		}, 0},
		{"engine imports probgraph", []unit{{dir: "engine", deps: []string{"probgraph"}}}, 1},
		{"engine depends on two layers above it", []unit{{dir: "engine", deps: []string{"gp", "probgraph/dist"}}}, 2},
		{"engine links cu", []unit{{dir: "engine", deps: []string{"gorgonia.org/cu/dnn"}}}, 1},
		{"cuda imports probgraph", []unit{{dir: "cuda", deps: []string{"probgraph/infer/mcmc"}}}, 1},
		{"probgraph subpackage imports gp", []unit{{dir: "probgraph/infer", deps: []string{"gp"}}}, 1},
		{"probgraph imports vmtl", []unit{{dir: "probgraph", deps: []string{"vmtl"}}}, 1},
		{"gp imports an example", []unit{{dir: "gp", deps: []string{"examples/gpfit"}}}, 1},
		{"one example imports another", []unit{{dir: "examples/a", deps: []string{"examples/b/util"}}}, 1},
		{"probgraph imports nn", []unit{{dir: "probgraph/autoguide", deps: []string{"nn"}}}, 1},
		{"nn imports vmtl", []unit{{dir: "nn", deps: []string{"vmtl"}}}, 1},
		{"engine imports nn", []unit{{dir: "engine", deps: []string{"nn"}}}, 1},
		{"vmtl imports bench suites", []unit{{dir: "vmtl", deps: []string{"bench/suites"}}}, 1},
		{"similar prefix is not a match", []unit{{dir: "engine", deps: []string{"gpx", "benchmarks", "cudafree"}}}, 0},
	} {
		if got := violations(tc.units); len(got) != tc.want {
			t.Errorf("%s: %d violations, want %d: %q", tc.desc, len(got), tc.want, got)
		}
	}
}

func TestChainNamesTheImportPath(t *testing.T) {
	units := []unit{
		{dir: "engine", deps: []string{"internal/x", "probgraph"}, imports: []string{"internal/x"}},
		{dir: "internal/x", deps: []string{"probgraph"}, imports: []string{"probgraph"}},
	}
	got := violations(units)
	want := "engine depends on probgraph (engine → internal/x → probgraph)"
	if len(got) != 1 || !strings.HasPrefix(got[0], want) {
		t.Errorf("violations = %q, want one starting %q", got, want)
	}
}
