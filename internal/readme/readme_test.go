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

// firstGoBlock returns the contents of the first ```go fenced block.
func firstGoBlock(t *testing.T, markdown string) string {
	t.Helper()
	_, rest, ok := strings.Cut(markdown, "\n```go\n")
	if !ok {
		t.Fatal("README.md has no ```go block")
	}
	code, _, ok := strings.Cut(rest, "\n```\n")
	if !ok {
		t.Fatal("README.md: the first ```go block is not closed")
	}
	return code + "\n"
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

func readmeSnippet(t *testing.T) string {
	t.Helper()
	md, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return firstGoBlock(t, string(md))
}

func TestReadmeSnippetIsGofmtedProgram(t *testing.T) {
	code := readmeSnippet(t)
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
	code := readmeSnippet(t)
	ex, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	readmeBody, readmeImports := funcBody(t, "README.md", code, "main")
	exBody, exImports := funcBody(t, "example_test.go", string(ex), "Example_fitLine")
	if readmeBody != exBody {
		t.Errorf("the body of main in README.md differs from Example_fitLine in example_test.go;"+
			" make them identical.\nREADME:\n%s\nexample:\n%s", readmeBody, exBody)
	}
	if !slices.Equal(readmeImports, exImports) {
		t.Errorf("README snippet imports %q, the example imports %q", readmeImports, exImports)
	}
	if !strings.Contains(readmeBody, "// Output:") {
		t.Error("README snippet does not state its output with an // Output: comment")
	}
}
