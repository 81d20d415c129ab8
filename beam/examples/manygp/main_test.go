package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
)

// The pipeline runs on Prism, in this process.
func TestMain(m *testing.M) { ptest.Main(m) }

// A short run from CSV: 100 series, and two broken ones: a row that does
// not parse, and a series whose points have different numbers of inputs; the pipeline's fits equal
// the in-process fits bit for bit (run fails otherwise) and the two broken
// series are dead letters.
func TestManyGPFromCSVMatchesInProcessFitsAndDeadLettersBrokenRows(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "in.csv")
	c := config{input: input, out: dir, steps: 10, bundle: 16, shards: 2, check: true}
	var b strings.Builder
	b.WriteString("key,index,x1,y\n")
	for k := range 100 {
		for i := range 6 {
			fmt.Fprintf(&b, "s%03d,%d,%d,%g\n", k, i, i, float64((k*7+i*3)%11)/10)
		}
	}
	b.WriteString("s100,0,zero,1\n")            // does not parse
	b.WriteString("s101,0,1,2\ns101,1,3,4,5\n") // points with one and two inputs
	if err := os.WriteFile(input, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if m["fits"] != 100 || m["mismatches"] != 0 || m["dead_letters"] != 2 {
		t.Errorf("fits %v, mismatches %v, dead letters %v; want 100, 0, 2", m["fits"], m["mismatches"], m["dead_letters"])
	}
	dead, err := readJSONL[struct{ Key, Stage, Error string }](filepath.Join(dir, "dead.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dead {
		if d.Stage != stageRead || !(strings.HasPrefix(d.Key, "s100,") || d.Key == "s101") {
			t.Errorf("dead letter %+v: want the two broken series at stage %q", d, stageRead)
		}
	}
}
