package infer_test

import (
	"context"
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// Four measurements of an unknown quantity μ with unit noise, and a broad
// prior μ ~ N(0, 10²). The exact posterior is N(5, 0.4994²).
var measurements = []float64{4.8, 5.3, 4.6, 5.35}

func model(m *probgraph.Ctx) {
	g := m.Graph()
	mu := m.Sample("mu", dist.Normal(g.Scalar(0), g.Scalar(10)))
	m.Plate("data", len(measurements)).Observe("x", dist.Normal(mu, g.Scalar(1)), g.Constant(measurements, len(measurements)))
}

// The guide q(μ) = N(loc, scale²) is fitted to the posterior.
func guide(m *probgraph.Ctx) {
	loc := m.Param("loc", probgraph.Scalar(0))
	scale := m.Param("scale", probgraph.Scalar(1), probgraph.Constrained(dist.Positive()))
	m.Sample("mu", dist.Normal(loc, scale))
}

// fit fits the guide by SVI with Adam and a learning rate decaying from 0.1 to
// 0.001.
func fit() (*infer.SVI, error) {
	const steps = 2000
	opt, err := engine.NewAdam(engine.AdamOptions{Schedule: engine.ExponentialLR{Initial: 0.1, Gamma: math.Pow(0.01, 1.0/steps)}})
	if err != nil {
		return nil, err
	}
	svi, err := infer.NewSVI(model, guide, opt, infer.TraceELBO{NumParticles: 10}, infer.WithSeed(1))
	if err != nil {
		return nil, err
	}
	_, err = svi.Run(context.Background(), steps, nil)
	return svi, err
}

// Fit a normal guide to the posterior of a mean by stochastic variational
// inference.
func Example() {
	svi, err := fit()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("posterior of mu: mean %.1f, sd %.1f\n", svi.Param("loc")[0], svi.Param("scale")[0])
	// Output: posterior of mu: mean 5.0, sd 0.5
}

// Draw replicated data from the posterior predictive distribution of the
// fitted model: each new measurement is N(5, 0.4994² + 1), whose standard
// deviation is 1.1175.
func ExamplePredictive() {
	svi, err := fit()
	if err != nil {
		fmt.Println(err)
		return
	}
	pred, err := infer.NewPredictive(model, infer.PredictiveOptions{
		Guide:       guide,
		Params:      svi.Params(),
		NumSamples:  10000,
		ReturnSites: []string{"x"},
		Seed:        1,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	draws, err := pred.Sample()
	if err != nil {
		fmt.Println(err)
		return
	}
	x := draws["x"] // shape [10000 4]: a replicated data set per draw
	var sum, sumSq float64
	for _, v := range x.Data {
		sum += v
		sumSq += v * v
	}
	n := float64(len(x.Data))
	mean := sum / n
	fmt.Println("shape", x.Shape)
	fmt.Printf("mean %.1f, sd %.1f\n", mean, math.Sqrt(sumSq/n-mean*mean))
	// Output:
	// shape [10000 4]
	// mean 5.0, sd 1.1
}

// A two-component mixture with known parameters: each point's component is
// summed out by TraceEnumELBO (its loss is −log p(x)) and recovered by
// InferDiscrete.
func ExampleInferDiscrete() {
	x := []float64{-2.2, 3.1, -1.8, 2.7}
	mixture := func(m *probgraph.Ctx) {
		g := m.Graph()
		locs := g.Constant([]float64{-2, 3}, 2)
		p := m.Plate("data", len(x))
		z := p.Sample("z", dist.Categorical(g.Constant([]float64{0.5, 0.5}, 2)), probgraph.EnumerateParallel())
		p.Observe("x", dist.Normal(g.Take(locs, 0, z), g.Scalar(1)), g.Constant(x, len(x)))
	}
	g := engine.NewGraph()
	obj, err := infer.TraceEnumELBO{}.Build(g, mixture, func(*probgraph.Ctx) {}, probgraph.NewParamStore(g))
	if err != nil {
		fmt.Println(err)
		return
	}
	prog, err := g.Compile([]*engine.Node{obj.Loss})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := prog.Run(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("-log p(x) = %.4f\n", prog.Scalar(obj.Loss))
	z, err := infer.InferDiscrete(mixture, nil, infer.DiscreteOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("components:", z["z"].Data)
	// Output:
	// -log p(x) = 6.5383
	// components: [0 1 0 1]
}
