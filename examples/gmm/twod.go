package main

import (
	"context"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/internal/examples/cli"
	"github.com/ignis-ppl/ignis/internal/examples/models"
	"github.com/ignis-ppl/ignis/internal/examples/plotutil"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/infer"
	"gonum.org/v1/gonum/stat"
)

const (
	k2 = 3 // components of the 2-D mixtures
	d2 = 2 // dimensions
	// nesting2 is the 2-D models' max plate nesting: the plates "dims" and
	// "components" take two batch dimensions.
	nesting2 = 2
)

// shapes prints a model's trace shapes for 11 points drawn from the prior,
// as they are and with the assignment enumerated from firstDim.
func shapes(kind models.GMM2DScale, firstDims ...int) {
	model := models.GMM2D(kind, k2, nil, 11)
	print := func(title string, m probgraph.Model) {
		tr, err := probgraph.TraceModel(engine.NewGraph(), m)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("\n2-D mixture, %s, %s:\n%s", kind, title, tr.FormatShapes(true))
	}
	print("trace shapes", model)
	for _, d := range firstDims {
		print(fmt.Sprintf("enumerated from dim %d", d), probgraph.Enum(d)(model))
	}
}

// twoD runs part two; verbose adds the trace shapes of the four models.
func twoD(flags cli.Flags, verbose bool, metrics map[string]float64) {
	if verbose {
		shapes(models.GlobalScale, -(nesting2 + 1))
		shapes(models.ComponentScale, -(nesting2 + 1))
		shapes(models.ComponentScaleAlt, -(nesting2 + 1))
		shapes(models.DimScale, -2, -(nesting2 + 1))
	}

	// The seed's last run: 100 points from the per-dimension model's prior
	// and 100 steps from AutoDelta's default initialization.
	sim := simulate(models.GMM2D(models.DimScale, k2, nil, 100), flags.Seed, "weights", "scale", "locs", "obs")
	fmt.Printf("\n2-D mixture with a scale per dimension, 100 points drawn from the prior\n")
	fmt.Printf("weights %.4f\nscale %.4f\nlocs %.4f\n", sim["weights"], sim["scale"], sim["locs"])
	prior, err := newFit(models.GMM2D(models.DimScale, k2, sim["obs"], 0), nil, nesting2)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := prior.svi.Run(context.Background(), 100, nil); err != nil {
		log.Fatal(err)
	}
	params := prior.svi.Params()
	for _, e := range prior.svi.ParamStore().Entries() {
		fmt.Printf("%s %.4f\n", e.Name, params[e.Name].Data)
	}

	separated(flags, metrics)
}

// separated fits the per-dimension-scale mixture to well-separated data and
// scores the MAP assignments of infer_discrete against the true labels.
func separated(flags cli.Flags, metrics map[string]float64) {
	n, fitSteps, tries := 300, 300, 20
	if flags.Quick {
		n, fitSteps, tries = 150, 150, 10
	}
	centers := [k2][d2]float64{{-5, -3}, {5, -3}, {0, 5}}
	scale := [d2]float64{1.0, 0.7}
	weights := []float64{0.3, 0.3, 0.4}
	r := rand.New(rand.NewPCG(flags.Seed, 59))
	data, labels := make([]float64, n*d2), make([]int, n)
	for i := range labels {
		u, c := r.Float64(), 0
		for c < k2-1 && u > weights[c] {
			u -= weights[c]
			c++
		}
		labels[i] = c
		for j := 0; j < d2; j++ {
			data[i*d2+j] = centers[c][j] + scale[j]*r.NormFloat64()
		}
	}
	model := models.GMM2D(models.DimScale, k2, data, 0)
	variance := make([]float64, d2)
	for j := range variance {
		col := make([]float64, n)
		for i := range col {
			col[i] = data[i*d2+j]
		}
		_, variance[j] = stat.MeanVariance(col, nil)
	}
	initFor := func(seed uint64) map[string]probgraph.Tensor {
		r := rand.New(rand.NewPCG(seed, 3))
		locs := make([]float64, d2*k2) // [D, K]
		for c, i := range pick(r, n, k2) {
			for j := 0; j < d2; j++ {
				locs[j*k2+c] = data[i*d2+j]
			}
		}
		return map[string]probgraph.Tensor{
			"weights": probgraph.Full(1.0/k2, k2),
			"scale":   {Data: []float64{math.Sqrt(variance[0] / 2), math.Sqrt(variance[1] / 2)}, Shape: []int{d2, 1}},
			"locs":    {Data: locs, Shape: []int{d2, k2}},
		}
	}
	fit, seed, loss := bestInit(model, nesting2, tries, initFor)
	fmt.Printf("\nwell-separated 2-D data, %d points: seed = %d, initial_loss = %.4f\n", n, seed, loss)
	if _, err := fit.svi.Run(context.Background(), fitSteps, cli.LabeledProgress(os.Stderr, "2-D mixture, well separated", fitSteps)); err != nil {
		log.Fatal(err)
	}
	est, err := fit.guide.Median(fit.svi.Params())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("weights %.4f\nscale %.4f\nlocs %.4f\n", est["weights"].Data, est["scale"].Data, est["locs"].Data)
	assign, err := infer.InferDiscrete(model, est, infer.DiscreteOptions{MaxPlateNesting: nesting2})
	if err != nil {
		log.Fatal(err)
	}
	z := assign["assignment"].Data
	acc := permutedAccuracy(z, labels)
	fmt.Printf("infer_discrete MAP assignment accuracy (best label permutation): %.4f\n", acc)

	series := make([]plotutil.Series, k2)
	for c := range series {
		series[c].Name = fmt.Sprintf("assigned to component %d", c)
	}
	for i, c := range z {
		s := &series[int(c)]
		s.X = append(s.X, data[i*d2])
		s.Y = append(s.Y, data[i*d2+1])
	}
	var nonEmpty []plotutil.Series
	for _, s := range series {
		if len(s.X) > 0 {
			nonEmpty = append(nonEmpty, s)
		}
	}
	if err := plotutil.Scatter(flags.File("assignments_2d.png"), "gmm 2-D: MAP assignments from infer_discrete", "x₁", "x₂", nonEmpty...); err != nil {
		log.Fatal(err)
	}
	if err := plotutil.LossCurve(flags.File("loss_2d.png"), "gmm 2-D: SVI with TraceEnum and AutoDelta (−ELBO)", fit.svi.History()); err != nil {
		log.Fatal(err)
	}
	metrics["assign_acc"] = acc
	metrics["final_loss_2d"] = fit.svi.History()[len(fit.svi.History())-1]
}

// permutedAccuracy is the fraction of points whose assignment matches the
// label under the best relabelling of the K components.
func permutedAccuracy(z []float64, labels []int) float64 {
	best := 0
	perm := []int{0, 1, 2}
	var rec func(i int)
	rec = func(i int) {
		if i == len(perm) {
			hits := 0
			for j, c := range z {
				if perm[int(c)] == labels[j] {
					hits++
				}
			}
			best = max(best, hits)
			return
		}
		for j := i; j < len(perm); j++ {
			perm[i], perm[j] = perm[j], perm[i]
			rec(i + 1)
			perm[i], perm[j] = perm[j], perm[i]
		}
	}
	rec(0)
	return float64(best) / float64(len(z))
}
