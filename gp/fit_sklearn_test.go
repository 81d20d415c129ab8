package gp_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/ignis-ppl/ignis/gp"
)

// sklearnFit is testdata/sklearn_fit.json (scripts/reference/sklearn_fit_reference.py).
type sklearnFit struct {
	X, Y, Xs  []float64
	N, D      int
	Starts    [][]float64
	Fitted    []float64
	LML       float64
	Mean, Std []float64
	Alpha     float64
}

func loadSklearnFit(t *testing.T) sklearnFit {
	t.Helper()
	raw, err := os.ReadFile("testdata/sklearn_fit.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref sklearnFit
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	return ref
}

// sklearnPrior is scikit-learn's C * RBF(ARD) + WhiteKernel term for term,
// with its alpha (1e-10) on the diagonal; fixed holds every hyperparameter
// at init.
func sklearnPrior(init []float64, fixed bool) gp.PriorFunc {
	return func(h *gp.Hypers) gp.Prior {
		c := h.Add(gp.Hyper{Name: "constant", Init: init[:1], Fixed: fixed})
		ls := h.Add(gp.Hyper{Name: "lengthscale", Init: init[1:3], Size: 2, Fixed: fixed})
		w := h.Add(gp.Hyper{Name: "noise_level", Init: init[3:], Fixed: fixed})
		return gp.Prior{
			Kernel: gp.Sum{gp.Product{gp.Constant{Value: c}, gp.RBF{Lengthscale: ls}}, gp.White{Noise: w}},
			Jitter: 1e-10,
		}
	}
}

// TestFitMatchesScikitLearn fits scikit-learn's model from the starts it
// used and checks that the fitted log marginal likelihood is scikit-learn's
// to 1e-4 nats: both stop at a gradient below 1e-5 in the
// log-hyperparameters, where the likelihood is within ~1e-8 of the
// optimum, so a larger gap would be a different optimum or a wrong
// objective.
func TestFitMatchesScikitLearn(t *testing.T) {
	ref := loadSklearnFit(t)
	fit, err := gp.Fit(context.Background(), gp.Data{X: ref.X, Y: ref.Y, N: ref.N, D: ref.D},
		sklearnPrior(ref.Starts[0], false), gp.FitOptions{Starts: ref.Starts[1:], NormalizeY: true})
	if err != nil {
		t.Fatal(err)
	}
	m := fit.Members[0]
	if m.Err != nil {
		t.Fatal(m.Err)
	}
	if len(m.Starts) != len(ref.Starts) {
		t.Errorf("%d starts, want %d", len(m.Starts), len(ref.Starts))
	}
	if d := m.LogMarginalLikelihood - ref.LML; math.Abs(d) > 1e-4 {
		t.Errorf("log marginal likelihood %.8g, scikit-learn %.8g (diff %.2g)\n%v", m.LogMarginalLikelihood, ref.LML, d, fit)
	}
	for i, s := range m.Starts {
		if s.Err != nil || s.Status == "" {
			t.Errorf("start %d: status %q, error %v", i, s.Status, s.Err)
		}
	}
}

// TestPredictMatchesScikitLearn holds the hyperparameters at scikit-learn's
// fitted values and checks the log marginal likelihood and the predictive
// means and standard deviations (of y, the White term included) against
// scikit-learn's to 1e-9 relative: the same numbers from the same
// formulas, up to round-off in factorizations of a 60×60 matrix.
func TestPredictMatchesScikitLearn(t *testing.T) {
	ref := loadSklearnFit(t)
	fit, err := gp.Fit(context.Background(), gp.Data{X: ref.X, Y: ref.Y, N: ref.N, D: ref.D},
		sklearnPrior(ref.Fitted, true), gp.FitOptions{NormalizeY: true})
	if err != nil {
		t.Fatal(err)
	}
	if l := fit.LogMarginalLikelihood()[0]; math.Abs(l-ref.LML) > 1e-9*math.Abs(ref.LML) {
		t.Errorf("log marginal likelihood %.12g, scikit-learn %.12g", l, ref.LML)
	}
	p, err := fit.Predict(ref.Xs)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ref.Mean {
		if math.Abs(p.Mean[i]-ref.Mean[i]) > 1e-9*math.Abs(ref.Mean[i]) {
			t.Errorf("mean %d: %.12g, scikit-learn %.12g", i, p.Mean[i], ref.Mean[i])
		}
		if sd := math.Sqrt(p.Var[i]); math.Abs(sd-ref.Std[i]) > 1e-9*ref.Std[i] {
			t.Errorf("sd %d: %.12g, scikit-learn %.12g", i, sd, ref.Std[i])
		}
	}
}
