package gp_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/ignis-ppl/ignis/gp"
)

// BenchmarkFitDiabetes is ignis's side of the scikit-learn comparison in
// bench/RESULTS.md: scikit-learn's diabetes data (442 × 10), C·RBF(ARD) +
// White, normalized targets, from the 11 starts scikit-learn used
// (testdata/sklearn_gp_bench.json, scripts/reference/sklearn_gp_bench.py).
// It reports the fitted log marginal likelihood beside scikit-learn's.
//
//	go test -run '^$' -bench FitDiabetes -benchtime 1x ./gp
func BenchmarkFitDiabetes(b *testing.B) {
	var data struct {
		X, Y []float64
		N, D int
	}
	var ref struct {
		Diabetes struct {
			Starts [][]float64
			LML    float64
			FitS   float64 `json:"fit_s"`
		}
	}
	for path, v := range map[string]any{"testdata/diabetes.json": &data, "testdata/sklearn_gp_bench.json": &ref} {
		raw, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := json.Unmarshal(raw, v); err != nil {
			b.Fatal(err)
		}
	}
	starts := ref.Diabetes.Starts
	prior := func(h *gp.Hypers) gp.Prior {
		return gp.Prior{
			Kernel: gp.Sum{
				gp.Product{gp.Constant{Value: h.Scalar("constant", starts[0][0])}, gp.RBF{Lengthscale: h.Vector("lengthscale", starts[0][1:11]...)}},
				gp.White{Noise: h.Scalar("noise_level", starts[0][11])},
			},
			Jitter: 1e-10, // scikit-learn's alpha
		}
	}
	for b.Loop() {
		start := time.Now()
		fit, err := gp.Fit(context.Background(), gp.Data{X: data.X, Y: data.Y, N: data.N, D: data.D}, prior,
			gp.FitOptions{Starts: starts[1:], NormalizeY: true})
		if err != nil {
			b.Fatal(err)
		}
		el := time.Since(start)
		b.ReportMetric(fit.Members[0].LogMarginalLikelihood, "lml")
		b.ReportMetric(ref.Diabetes.LML, "sklearn_lml")
		b.ReportMetric(el.Seconds(), "fit_s")
		b.Logf("%v", fit)
		for i, s := range fit.Members[0].Starts {
			b.Logf("start %d: lml %.4f, %d iterations, %d evaluations, %s", i, s.LogMarginalLikelihood, s.Iterations, s.Evaluations, s.Status)
		}
	}
}
