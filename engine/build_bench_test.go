package engine

import (
	"fmt"
	"testing"
	"time"
)

// recurrence builds h ← tanh(φ·h + x_t), loss += Σh unrolled over T steps:
// about 10 nodes per step once differentiated.
func recurrence(T int) (*Graph, *Node, []*Node) {
	g := NewGraph()
	phi := g.Param("phi", []float64{0.5})
	xs := make([]float64, T*4)
	for i := range xs {
		xs[i] = float64(i%7)/7 - 0.5
	}
	x := g.Constant(xs, T, 4)
	h := g.Fill(0, 4)
	loss := g.Scalar(0)
	for t := range T {
		h = g.Tanh(g.Add(g.Mul(g.BroadcastTo(phi, 4), h), g.Reshape(g.Slice(x, 0, t, t+1), 4)))
		loss = g.Add(loss, g.Sum(h))
	}
	return g, loss, []*Node{phi}
}

// buildDiffCompile builds the recurrence, differentiates and compiles it.
func buildDiffCompile(tb testing.TB, T int) (nodes int) {
	g, loss, wrt := recurrence(T)
	grads := g.Grad(loss, wrt...)
	if err := g.Err(); err != nil {
		tb.Fatal(err)
	}
	if _, err := g.Compile(append([]*Node{loss}, grads...)); err != nil {
		tb.Fatal(err)
	}
	return len(g.nodes)
}

// BenchmarkBuild times building, differentiating and compiling the
// unrolled recurrence at about 1k, 10k and 100k nodes.
func BenchmarkBuild(b *testing.B) {
	for _, T := range []int{50, 500, 5000} {
		b.Run(fmt.Sprintf("T=%d", T), func(b *testing.B) {
			var nodes int
			for b.Loop() {
				nodes = buildDiffCompile(b, T)
			}
			b.ReportMetric(float64(nodes), "nodes")
		})
	}
}

// A graph of about 100k nodes builds, differentiates and compiles in well
// under the time a cost quadratic in the nodes would take (minutes); the
// bound leaves room for slow and loaded machines.
func TestBuildIsLinear(t *testing.T) {
	start := time.Now()
	nodes := buildDiffCompile(t, 5000)
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("%d nodes took %v", nodes, d)
	} else {
		t.Logf("%d nodes built, differentiated and compiled in %v", nodes, d)
	}
}
