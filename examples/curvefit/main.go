// Command curvefit fits the decay curve y = a·exp(−b·x) + c to noisy points
// with the ignis engine alone: a graph for the loss, its gradients, one
// compiled program run every step, and Adam updating the parameters in place.
// It is the smallest complete use of the engine; the probabilistic layer
// builds on exactly this loop.
//
//	go run ./examples/curvefit [-quick] [-seed N] [-out DIR]
package main

import (
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/internal/examples/cli"
	"github.com/ignis-ppl/ignis/internal/examples/plotutil"
)

const name = "curvefit"

// The curve the data come from.
var truth = struct{ a, b, c float64 }{a: 3, b: 0.7, c: 0.5}

func main() {
	flags := cli.ParseAbout(name, "fits y = a·exp(−b·x) + c to noisy points with the engine alone: a compiled loss, its gradients and Adam.")
	n, steps := 2000, 3000
	if flags.Quick {
		n, steps = 200, 1500
	}
	r := rand.New(rand.NewPCG(flags.Seed, 1))
	xs, ys := make([]float64, n), make([]float64, n)
	for i := range xs {
		xs[i] = 5 * r.Float64()
		ys[i] = truth.a*math.Exp(-truth.b*xs[i]) + truth.c + 0.1*r.NormFloat64()
	}

	// The model: parameters start away from the truth; b is kept positive
	// through a softplus of an unconstrained parameter.
	g := engine.NewGraph()
	x := g.Input("x", n)
	y := g.Input("y", n)
	a := g.Param("a", []float64{1})
	braw := g.Param("b_raw", []float64{0})
	c := g.Param("c", []float64{0})
	b := g.Softplus(braw)
	pred := g.Add(g.Mul(a, g.Exp(g.Neg(g.Mul(b, x)))), c)
	loss := g.Mean(g.Square(g.Sub(pred, y)))
	params := []*engine.Node{a, braw, c}
	grads := g.Grad(loss, params...)
	prog, err := g.Compile(append([]*engine.Node{loss, b}, grads...), engine.WithSeed(flags.Seed))
	if err != nil {
		log.Fatal(err)
	}
	if err := prog.Set(x, xs); err != nil {
		log.Fatal(err)
	}
	if err := prog.Set(y, ys); err != nil {
		log.Fatal(err)
	}
	opt, err := engine.NewAdam(engine.AdamOptions{LR: 0.05})
	if err != nil {
		log.Fatal(err)
	}
	pv := [][]float64{prog.Value(a), prog.Value(braw), prog.Value(c)}
	gv := [][]float64{prog.Value(grads[0]), prog.Value(grads[1]), prog.Value(grads[2])}

	progress := cli.Progress(os.Stderr, steps)
	losses := make([]float64, steps)
	start := time.Now()
	for step := range steps {
		if err := prog.Run(); err != nil {
			log.Fatal(err)
		}
		losses[step] = prog.Scalar(loss)
		if err := opt.Step(pv, gv); err != nil {
			log.Fatal(err)
		}
		progress(step, losses[step])
	}
	perStep := time.Since(start).Seconds() / float64(steps) * 1e6
	if err := prog.Run(); err != nil { // loss and b at the final parameters
		log.Fatal(err)
	}
	fa, fb, fc := prog.Scalar(a), prog.Scalar(b), prog.Scalar(c)
	fmt.Printf("fitted a = %.4f (true %v), b = %.4f (true %v), c = %.4f (true %v)\n", fa, truth.a, fb, truth.b, fc, truth.c)

	if err := plotutil.LossCurve(flags.File("loss.png"), "curvefit: mean squared error", losses); err != nil {
		log.Fatal(err)
	}
	grid := make([]float64, 100)
	fit, want := make([]float64, len(grid)), make([]float64, len(grid))
	for i := range grid {
		grid[i] = 5 * float64(i) / float64(len(grid)-1)
		fit[i] = fa*math.Exp(-fb*grid[i]) + fc
		want[i] = truth.a*math.Exp(-truth.b*grid[i]) + truth.c
	}
	if err := plotutil.Lines(flags.File("fit.png"), "curvefit: data, fitted and true curve", "x", "y",
		plotutil.Series{Name: "data", X: xs, Y: ys, Points: true},
		plotutil.Series{Name: fmt.Sprintf("fitted: %.2f·exp(−%.2f·x) + %.2f", fa, fb, fc), X: grid, Y: fit},
		plotutil.Series{Name: fmt.Sprintf("true: %g·exp(−%g·x) + %g", truth.a, truth.b, truth.c), X: grid, Y: want}); err != nil {
		log.Fatal(err)
	}
	cli.Result(name, map[string]float64{
		"a_err":       math.Abs(fa - truth.a),
		"b_err":       math.Abs(fb - truth.b),
		"c_err":       math.Abs(fc - truth.c),
		"final_mse":   prog.Scalar(loss),
		"us_per_step": perStep,
	})
}
