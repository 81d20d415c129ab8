package cuda

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The launch code (gpu flavor) cannot run without a GPU, so this test,
// which builds in both flavors, reads it: every kernel launched from this
// package's Go files must take, in its extern "C" signature in
// kernels/*.cu, as many parameters as the launch passes, with a pointer
// where the launch passes ptrArg and an 8-byte scalar where it passes
// intArg or boolArg; the committed PTX must declare the same number of
// 8-byte parameters for both precisions; and the launch geometry the Go
// side shares with the kernels (tile sizes, rows per block) must agree with
// the kernels' #defines.

// launchSite is one launch in the Go source: the kernel's base name and its
// arguments as a string of 'p' (pointer) and 's' (8-byte scalar).
type launchSite struct {
	kernel string
	kinds  string
	pos    string
}

func TestLaunchArgumentsMatchKernels(t *testing.T) {
	sites := launchSites(t)
	sigs := kernelSignatures(t)
	ptx := ptxParams(t)
	if len(sites) < 15 {
		t.Fatalf("found %d launch sites; the parser no longer sees the launch calls", len(sites))
	}
	for _, s := range sites {
		want, ok := sigs[s.kernel]
		if !ok {
			t.Errorf("%s: kernel %s has no extern \"C\" signature in kernels/*.cu", s.pos, s.kernel)
			continue
		}
		if s.kinds != want {
			t.Errorf("%s: %s launched with arguments %q (p pointer, s scalar), kernel takes %q", s.pos, s.kernel, s.kinds, want)
		}
		for _, suf := range []string{"_f64", "_f32"} {
			if got, ok := ptx[s.kernel+suf]; !ok || got != len(want) {
				t.Errorf("%s: PTX entry %s%s has %d 8-byte parameters (present %v), want %d", s.pos, s.kernel, suf, got, ok, len(want))
			}
		}
	}
}

func TestLaunchGeometryMatchesKernels(t *testing.T) {
	consts := goConsts(t)
	defs := cuDefines(t)
	for goName, cuName := range map[string]string{
		"tileB": "TB", "panelRows": "PANEL_ROWS", "trsmTile": "TS", "trsmRows": "TS_ROWS",
	} {
		g, ok1 := consts[goName]
		c, ok2 := defs[cuName]
		if !ok1 || !ok2 || g != c {
			t.Errorf("Go %s = %d (found %v), kernels' %s = %d (found %v)", goName, g, ok1, cuName, c, ok2)
		}
	}
}

// launchSites finds d.launch("name", grid, block, smem, args...),
// d.launchToHost(dst, "name", []cu.DevicePtr{...}, sizes...) and the
// launch tables {"name", grid, []uint64{...}} in the package's Go files.
func launchSites(t *testing.T) []launchSite {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []launchSite
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				switch sel.Sel.Name {
				case "launch":
					if len(n.Args) < 4 || n.Ellipsis.IsValid() {
						return true // the table loops pass s.args...; the tables are checked below
					}
					if k, ok := stringLit(n.Args[0]); ok {
						out = append(out, launchSite{k, argKinds(n.Args[4:]), fset.Position(n.Pos()).String()})
					}
				case "launchToHost":
					if len(n.Args) < 3 {
						return true
					}
					k, ok := stringLit(n.Args[1])
					in, ok2 := n.Args[2].(*ast.CompositeLit)
					if ok && ok2 {
						out = append(out, launchSite{k, strings.Repeat("p", len(in.Elts)+1) + strings.Repeat("s", len(n.Args)-3),
							fset.Position(n.Pos()).String()})
					}
				}
			case *ast.CompositeLit:
				if len(n.Elts) != 3 {
					return true
				}
				k, ok := stringLit(n.Elts[0])
				args, ok2 := n.Elts[2].(*ast.CompositeLit)
				if ok && ok2 {
					out = append(out, launchSite{k, argKinds(args.Elts), fset.Position(n.Pos()).String()})
				}
			}
			return true
		})
	}
	return out
}

func stringLit(e ast.Expr) (string, bool) {
	b, ok := e.(*ast.BasicLit)
	if !ok || b.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(b.Value)
	return s, err == nil
}

// argKinds maps ptrArg(…) to 'p', intArg(…) and boolArg(…) to 's', and
// anything else to '?', which matches no signature.
func argKinds(args []ast.Expr) string {
	var b strings.Builder
	for _, a := range args {
		c := byte('?')
		if call, ok := a.(*ast.CallExpr); ok {
			if id, ok := call.Fun.(*ast.Ident); ok {
				switch id.Name {
				case "ptrArg":
					c = 'p'
				case "intArg", "boolArg":
					c = 's'
				}
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// kernelSignatures reads the extern "C" kernels of kernels/*.cu, written as
// NAME_##SUF(params) in their INSTANTIATE macros, as strings of p and s.
func kernelSignatures(t *testing.T) map[string]string {
	t.Helper()
	re := regexp.MustCompile(`extern "C" __global__ void (\w+)_##SUF\(([^)]*)\)`)
	out := map[string]string{}
	for _, src := range readAll(t, "kernels/*.cu") {
		src = strings.ReplaceAll(src, "\\\n", " ")
		for _, m := range re.FindAllStringSubmatch(src, -1) {
			var b strings.Builder
			for _, p := range strings.Split(m[2], ",") {
				switch {
				case strings.Contains(p, "*"):
					b.WriteByte('p')
				case strings.Contains(p, "i64") || strings.Contains(p, "double"):
					b.WriteByte('s')
				default:
					b.WriteByte('?') // not an 8-byte slot
				}
			}
			out[m[1]] = b.String()
		}
	}
	if len(out) == 0 {
		t.Fatal("no kernel signatures found in kernels/*.cu")
	}
	return out
}

// ptxParams counts each PTX entry's parameters that are 8 bytes wide; an
// entry with any other parameter gets −1.
func ptxParams(t *testing.T) map[string]int {
	t.Helper()
	entry := regexp.MustCompile(`\.entry (\w+)\(([^)]*)\)`)
	param := regexp.MustCompile(`\.param \.(\w+) `)
	out := map[string]int{}
	for _, src := range readAll(t, "ptx/*.ptx") {
		for _, m := range entry.FindAllStringSubmatch(src, -1) {
			n := 0
			for _, p := range param.FindAllStringSubmatch(m[2], -1) {
				switch p[1] {
				case "u64", "s64", "b64", "f64":
					n++
				default:
					n = -1
				}
				if n < 0 {
					break
				}
			}
			out[m[1]] = n
		}
	}
	return out
}

// goConsts reads the package's integer constants written as literals.
func goConsts(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	fset := token.NewFileSet()
	files, _ := filepath.Glob("*.go")
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if i < len(vs.Values) {
						if b, ok := vs.Values[i].(*ast.BasicLit); ok && b.Kind == token.INT {
							if v, err := strconv.Atoi(b.Value); err == nil {
								out[id.Name] = v
							}
						}
					}
				}
			}
		}
	}
	return out
}

// cuDefines reads #define NAME INTEGER from kernels/*.cu.
func cuDefines(t *testing.T) map[string]int {
	t.Helper()
	re := regexp.MustCompile(`(?m)^#define (\w+) +(\d+)\b`)
	out := map[string]int{}
	for _, src := range readAll(t, "kernels/*.cu") {
		for _, m := range re.FindAllStringSubmatch(src, -1) {
			v, _ := strconv.Atoi(m[2])
			out[m[1]] = v
		}
	}
	return out
}

func readAll(t *testing.T, pattern string) []string {
	t.Helper()
	names, err := filepath.Glob(pattern)
	if err != nil || len(names) == 0 {
		t.Fatalf("no files match %s (%v)", pattern, err)
	}
	var out []string
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}
