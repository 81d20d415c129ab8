package readme

import (
	"bytes"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// goBlock returns the contents of the i-th ```go fenced block (from 0).
func goBlock(t *testing.T, markdown string, i int) string {
	t.Helper()
	rest := markdown
	for k := 0; ; k++ {
		var ok bool
		_, rest, ok = strings.Cut(rest, "\n```go\n")
		if !ok {
			t.Fatalf("README.md has no ```go block number %d", i+1)
		}
		code, after, ok := strings.Cut(rest, "\n```\n")
		if !ok {
			t.Fatalf("README.md: ```go block number %d is not closed", k+1)
		}
		if k == i {
			return code + "\n"
		}
		rest = after
	}
}

// snippets pairs each ```go block of the README with the Example function
// (in this package's tests) that holds the same code.
var snippets = []struct{ file, example string }{
	{"model_example_test.go", "Example_betaBernoulli"},
	{"example_test.go", "Example_fitLine"},
	{"gp_example_test.go", "Example_gpFit"},
}

// funcBody returns the source text between the braces of the named function,
// and the file's import paths, sorted.
func funcBody(t *testing.T, filename, src, name string) (body string, imports []string) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, parser.ParseComments)
	if err != nil {
		t.Fatalf("%s does not parse: %v", filename, err)
	}
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		imports = append(imports, p)
	}
	slices.Sort(imports)
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == name && fd.Body != nil {
			start := fset.Position(fd.Body.Lbrace).Offset + 1
			end := fset.Position(fd.Body.Rbrace).Offset
			return src[start:end], imports
		}
	}
	t.Fatalf("%s has no function %s", filename, name)
	return "", nil
}

func readmeSnippet(t *testing.T, i int) string {
	t.Helper()
	md, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return goBlock(t, string(md), i)
}

func TestReadmeSnippetIsGofmtedProgram(t *testing.T) {
	for i := range snippets {
		checkGofmtedProgram(t, readmeSnippet(t, i))
	}
}

func checkGofmtedProgram(t *testing.T, code string) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "README.md", code, 0)
	if err != nil {
		t.Fatalf("README snippet does not parse: %v", err)
	}
	if f.Name.Name != "main" {
		t.Errorf("README snippet is package %s, want a main package", f.Name.Name)
	}
	formatted, err := format.Source([]byte(code))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(formatted, []byte(code)) {
		t.Errorf("README snippet is not gofmt-formatted; gofmt gives:\n%s", formatted)
	}
}

// The example in example_test.go is compiled and its output checked by go
// test; this test makes sure the README shows that same code, so the README
// snippet compiles and prints what it says.
func TestReadmeSnippetMatchesExample(t *testing.T) {
	for i, sn := range snippets {
		checkMatches(t, readmeSnippet(t, i), sn.file, sn.example)
	}
}

func checkMatches(t *testing.T, code, file, example string) {
	t.Helper()
	ex, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	readmeBody, readmeImports := funcBody(t, "README.md", code, "main")
	exBody, exImports := funcBody(t, file, string(ex), example)
	if readmeBody != exBody {
		t.Errorf("the body of main in README.md differs from %s in %s;"+
			" make them identical.\nREADME:\n%s\nexample:\n%s", example, file, readmeBody, exBody)
	}
	if !slices.Equal(readmeImports, exImports) {
		t.Errorf("README snippet imports %q, the example imports %q", readmeImports, exImports)
	}
	if !strings.Contains(readmeBody, "// Output:") {
		t.Error("README snippet does not state its output with an // Output: comment")
	}
}
