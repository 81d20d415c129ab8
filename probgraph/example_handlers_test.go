package probgraph_test

import (
	"fmt"
	"log"
	"slices"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// measure is a model of two measurements x of an unknown quantity μ:
// μ ~ N(0, 1), x_i ~ N(μ, 1).
func measure(m *probgraph.Ctx) {
	g := m.Graph()
	mu := m.Sample("mu", dist.Normal(g.Scalar(0), g.Scalar(1)))
	m.Plate("data", 2).Observe("x", dist.Normal(mu, g.Scalar(1)), g.Constant([]float64{0.5, 1.5}, 2))
}

// eval compiles nodes on g and returns their values after one run.
func eval(g *engine.Graph, nodes ...*engine.Node) [][]float64 {
	prog, err := g.Compile(nodes, engine.WithSeed(1))
	if err != nil {
		log.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		log.Fatal(err)
	}
	out := make([][]float64, len(nodes))
	for i, n := range nodes {
		out[i] = slices.Clone(prog.Value(n))
	}
	return out
}

// A trace records every site of one run of a model, in order: what it is,
// whether it is observed, and its shapes.
func ExampleTraceModel() {
	tr, err := probgraph.TraceModel(engine.NewGraph(), measure)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range tr.Sites() {
		fmt.Printf("%v, observed %v, value shape %v\n", s, s.Observed, s.Value.Shape())
	}
	// Output:
	// sample site "mu" (Normal), observed false, value shape []
	// sample site "x" (Normal), observed true, value shape [2]
}

// Condition turns a latent site into an observed one. With μ fixed at 1
// the trace's log joint density is log N(1; 0, 1) + log N(0.5; 1, 1) +
// log N(1.5; 1, 1) = −3.5068.
func ExampleCondition() {
	g := engine.NewGraph()
	conditioned := probgraph.Condition(map[string]*engine.Node{"mu": g.Scalar(1)})(measure)
	tr, err := probgraph.TraceModel(g, conditioned)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("mu observed:", tr.Site("mu").Observed)
	fmt.Printf("log p(mu = 1, x) = %.4f\n", eval(g, tr.LogProbSum())[0][0])
	// Output:
	// mu observed: true
	// log p(mu = 1, x) = -3.5068
}

// Substitute fixes a site's value but leaves it latent: guides and samplers
// still see it as a variable to infer.
func ExampleSubstitute() {
	g := engine.NewGraph()
	fixed := probgraph.Substitute(map[string]*engine.Node{"mu": g.Scalar(1)})(measure)
	tr, err := probgraph.TraceModel(g, fixed)
	if err != nil {
		log.Fatal(err)
	}
	mu := tr.Site("mu")
	fmt.Printf("mu = %v, latent %v\n", eval(g, mu.Value)[0][0], mu.IsLatent())
	// Output: mu = 1, latent true
}

// Hide blocks sites from the handlers outside it: the trace around the
// blocked model records only the observations.
func ExampleHide() {
	tr := probgraph.NewTrace()
	model := probgraph.Chain(probgraph.Record(tr), probgraph.Hide("mu"))(measure)
	if err := probgraph.Run(engine.NewGraph(), model); err != nil {
		log.Fatal(err)
	}
	for _, s := range tr.Sites() {
		fmt.Println(s.Name)
	}
	// Output: x
}

// Replay runs the model with its latent values taken from another trace —
// the guide's, when a model is scored against a guide, as ELBOs do.
func ExampleReplay() {
	g := engine.NewGraph()
	guide := func(m *probgraph.Ctx) {
		m.Sample("mu", dist.Normal(g.Scalar(2), g.Scalar(0.1)))
	}
	guideTrace, err := probgraph.TraceModel(g, guide)
	if err != nil {
		log.Fatal(err)
	}
	modelTrace, err := probgraph.TraceModel(g, probgraph.Replay(guideTrace)(measure))
	if err != nil {
		log.Fatal(err)
	}
	v := eval(g, guideTrace.Site("mu").Value, modelTrace.Site("mu").Value)
	fmt.Println("the model's mu is the guide's draw:", v[0][0] == v[1][0])
	// Output: the model's mu is the guide's draw: true
}

// Scale multiplies every log-density by a factor: a mini-batch of n points
// stands for a data set of N with factor N/n.
func ExampleScale() {
	g := engine.NewGraph()
	cond := probgraph.Condition(map[string]*engine.Node{"mu": g.Scalar(1)})
	plain, err := probgraph.TraceModel(g, cond(measure))
	if err != nil {
		log.Fatal(err)
	}
	scaled, err := probgraph.TraceModel(g, probgraph.Chain(probgraph.Scale(10), cond)(measure))
	if err != nil {
		log.Fatal(err)
	}
	v := eval(g, plain.LogProbSum(), scaled.LogProbSum())
	fmt.Printf("log p: %.4f, scaled by 10: %.4f\n", v[0][0], v[1][0])
	// Output: log p: -3.5068, scaled by 10: -35.0682
}

// Mask drops elements of the log-density: here the second measurement, so
// that only log N(0.5; μ = 1, 1) = −1.0439 is left of the observations.
func ExampleMask() {
	g := engine.NewGraph()
	observed := func(m *probgraph.Ctx) {
		mu := g.Scalar(1)
		m.Plate("data", 2).Observe("x", dist.Normal(mu, g.Scalar(1)), g.Constant([]float64{0.5, 1.5}, 2))
	}
	tr, err := probgraph.TraceModel(g, probgraph.Mask(g.Constant([]float64{1, 0}, 2))(observed))
	if err != nil {
		log.Fatal(err)
	}
	v := eval(g, tr.Site("x").LogProb())
	fmt.Printf("log p per point: [%.4f %.4f]\n", v[0][0], v[0][1])
	// Output: log p per point: [-1.0439 0.0000]
}

// Seed fixes the seed of the noise that programs compiled from a trace
// draw: two programs from the same seed draw the same μ.
func ExampleSeed() {
	draw := func() float64 {
		g := engine.NewGraph()
		tr, err := probgraph.TraceModel(g, probgraph.Seed(7)(measure))
		if err != nil {
			log.Fatal(err)
		}
		seed, ok := tr.Seed()
		if !ok {
			log.Fatal("no seed recorded")
		}
		prog, err := g.Compile([]*engine.Node{tr.Site("mu").Value}, engine.WithSeed(seed))
		if err != nil {
			log.Fatal(err)
		}
		if err := prog.Run(); err != nil {
			log.Fatal(err)
		}
		return prog.Scalar(tr.Site("mu").Value)
	}
	fmt.Println("same draw from the same seed:", draw() == draw())
	// Output: same draw from the same seed: true
}
