package gp_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/gp"
	"github.com/ignis-ppl/ignis/optim"
)

// sineData draws b members of n 1-D points sharing x, member m's targets
// being sin(x/(m+1)) plus noise of standard deviation 0.1.
func sineData(b, n int) gp.Data {
	r := rand.New(rand.NewPCG(3, 4))
	x := make([]float64, n)
	y := make([]float64, b*n)
	for i := range x {
		x[i] = 10 * r.Float64()
	}
	for m := range b {
		for i := range n {
			y[m*n+i] = math.Sin(x[i]/float64(m+1)) + 0.1*r.NormFloat64()
		}
	}
	return gp.Data{X: x, Y: y, N: n, D: 1}
}

func rbfPrior(h *gp.Hypers) gp.Prior {
	return gp.Prior{
		Kernel: gp.RBF{Lengthscale: h.Vector("lengthscale", 1), Variance: h.Scalar("variance", 1)},
		Noise:  h.Scalar("noise", 1),
	}
}

// TestFitBatchEqualsMembersAlone fits three members from four starts as
// one batch and each member alone, and checks the batch gives every member
// the log marginal likelihood it gets alone (1e-6 nats: the same runs,
// stopped by the same rules), and that the printout names the fit.
func TestFitBatchEqualsMembersAlone(t *testing.T) {
	d := sineData(3, 40)
	opts := gp.FitOptions{Restarts: 3, Seed: 5}
	fit, err := gp.Fit(context.Background(), d, rbfPrior, opts)
	if err != nil {
		t.Fatal(err)
	}
	for m := range 3 {
		alone := gp.Data{X: d.X, Y: d.Y[m*40 : (m+1)*40], N: 40, D: 1}
		one, err := gp.Fit(context.Background(), alone, rbfPrior, opts)
		if err != nil {
			t.Fatal(err)
		}
		got, want := fit.Members[m], one.Members[0]
		if got.Err != nil || math.Abs(got.LogMarginalLikelihood-want.LogMarginalLikelihood) > 1e-6 {
			t.Errorf("member %d: %v in the batch, %v alone (error %v)", m, got.LogMarginalLikelihood, want.LogMarginalLikelihood, got.Err)
		}
		if len(got.Starts) != 4 {
			t.Errorf("member %d: %d starts, want 4", m, len(got.Starts))
		}
		for s, st := range got.Starts {
			if st.LogMarginalLikelihood > got.LogMarginalLikelihood+1e-12 {
				t.Errorf("member %d: start %d has %v, above the chosen %v", m, s, st.LogMarginalLikelihood, got.LogMarginalLikelihood)
			}
		}
	}
	s := fit.String()
	for _, want := range []string{"member 2:", "RBF(lengthscale=", "variance=", "noise:", "log marginal likelihood"} {
		if !strings.Contains(s, want) {
			t.Errorf("printout lacks %q:\n%s", want, s)
		}
	}
}

// TestFitGradientVanishes fits with tight stopping rules and checks the
// fitted point is a stationary point: a central finite difference of the
// log marginal likelihood in each log-hyperparameter (step 1e-4, error
// ~1e-8 times the third derivative) is below 1e-6; and that the default
// rules (scikit-learn's) stop within 1e-6 nats of it.
func TestFitGradientVanishes(t *testing.T) {
	d := sineData(1, 50)
	fit, err := gp.Fit(context.Background(), d, rbfPrior, gp.FitOptions{Stop: optim.Stop{GradTol: 1e-9, RelTol: 1e-300, Patience: 20}})
	if err != nil {
		t.Fatal(err)
	}
	loose, err := gp.Fit(context.Background(), d, rbfPrior, gp.FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := fit.Members[0].LogMarginalLikelihood, loose.Members[0].LogMarginalLikelihood; math.Abs(a-b) > 1e-6 {
		t.Errorf("log marginal likelihood %v with tight rules, %v with the defaults", a, b)
	}
	v := fit.Members[0].Values
	lml := func(v [][]float64) float64 {
		f, err := gp.Fit(context.Background(), d, func(h *gp.Hypers) gp.Prior {
			return gp.Prior{
				Kernel: gp.RBF{Lengthscale: h.Add(gp.Hyper{Name: "lengthscale", Init: v[0], Size: 1, Fixed: true}),
					Variance: h.Add(gp.Hyper{Name: "variance", Init: v[1], Fixed: true})},
				Noise: h.Add(gp.Hyper{Name: "noise", Init: v[2], Fixed: true}),
			}
		}, gp.FitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return f.Members[0].LogMarginalLikelihood
	}
	const h = 1e-4
	for i := range v {
		up, dn := [][]float64{v[0], v[1], v[2]}, [][]float64{v[0], v[1], v[2]}
		up[i] = []float64{v[i][0] * math.Exp(h)}
		dn[i] = []float64{v[i][0] * math.Exp(-h)}
		if g := (lml(up) - lml(dn)) / (2 * h); math.Abs(g) > 1e-6 {
			t.Errorf("∂ log p / ∂ log θ_%d = %v at the fit", i, g)
		}
	}
}

// TestPredictYAddsNoise checks PredictY's variance is Predict's plus the
// fitted noise (normalized targets scale it by the targets' variance), and
// the 95 % interval is mean ± 1.959964 sd.
func TestPredictYAddsNoise(t *testing.T) {
	d := sineData(2, 30)
	fit, err := gp.Fit(context.Background(), d, rbfPrior, gp.FitOptions{NormalizeY: true})
	if err != nil {
		t.Fatal(err)
	}
	xs := []float64{0.5, 4, 9.5}
	pf, err := fit.Predict(xs)
	if err != nil {
		t.Fatal(err)
	}
	py, err := fit.PredictY(xs)
	if err != nil {
		t.Fatal(err)
	}
	noise, err := fit.Value("noise")
	if err != nil {
		t.Fatal(err)
	}
	for m := range 2 {
		y := d.Y[m*30 : (m+1)*30]
		mu, ss := 0.0, 0.0
		for _, v := range y {
			mu += v / 30
		}
		for _, v := range y {
			ss += (v - mu) * (v - mu) / 30
		}
		for i := range xs {
			k := m*3 + i
			want := pf.Var[k] + noise[m]*ss
			if math.Abs(py.Var[k]-want) > 1e-12*want || py.Mean[k] != pf.Mean[k] {
				t.Errorf("member %d point %d: var(y) %v, want %v", m, i, py.Var[k], want)
			}
		}
	}
	lo, hi, err := py.Interval(0.95)
	if err != nil {
		t.Fatal(err)
	}
	for i := range lo {
		if sd := math.Sqrt(py.Var[i]); math.Abs(hi[i]-py.Mean[i]-1.959963984540054*sd) > 1e-12*sd || math.Abs(py.Mean[i]-lo[i]-(hi[i]-py.Mean[i])) > 1e-12*sd {
			t.Errorf("interval %d: [%v, %v] around %v ± 1.96·%v", i, lo[i], hi[i], py.Mean[i], sd)
		}
	}
}

// flipKernel is a kernel that is not positive semi-definite for a member
// whose points are negative: k(x, x') = 100(x₀ + x'₀) (so K = 200a·11ᵀ for
// points all equal to a), used to make one member fail.
type flipKernel struct{}

func (flipKernel) Matrix(g *engine.Graph, x1, x2 *engine.Node) *engine.Node {
	s1, s2 := x1.Shape(), x2.Shape()
	n, m := s1[len(s1)-2], s2[len(s2)-2]
	return g.Scale(g.Add(g.MatMulT(x1, g.Fill(1, m, 1), false, true), g.MatMulT(g.Fill(1, n, 1), x2, false, true)), 100)
}

func (flipKernel) Diag(g *engine.Graph, x *engine.Node) *engine.Node {
	return g.Scale(g.Sum(x, -1), 200)
}

// TestFitReportsFailingMember fits two members whose second has an
// indefinite covariance under any hyperparameters in their bounds (its
// most negative eigenvalue, −1200 + RBF's 6, is beyond a noise bounded by
// 10): the second is reported with a NotPositiveDefiniteError naming it,
// the first is fitted.
func TestFitReportsFailingMember(t *testing.T) {
	const n = 6
	x := make([]float64, 2*n)
	y := make([]float64, 2*n)
	for i := range n {
		x[i], x[n+i] = 1, -1
		y[i], y[n+i] = float64(i%2), float64(i%3)
	}
	fit, err := gp.Fit(context.Background(), gp.Data{X: x, Y: y, N: n, D: 1}, func(h *gp.Hypers) gp.Prior {
		return gp.Prior{
			Kernel: gp.Sum{flipKernel{}, gp.RBF{Lengthscale: h.Vector("lengthscale", 1)}},
			Noise:  h.Add(gp.Hyper{Name: "noise", Init: []float64{0.5}, Lower: 1e-3, Upper: 10, Bounded: true}),
		}
	}, gp.FitOptions{Restarts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if fit.Members[0].Err != nil || math.IsNaN(fit.Members[0].LogMarginalLikelihood) {
		t.Errorf("member 0: %v, %v", fit.Members[0].Err, fit.Members[0].LogMarginalLikelihood)
	}
	var npd *gp.NotPositiveDefiniteError
	if err := fit.Members[1].Err; !errors.As(err, &npd) || npd.Batch != 1 || npd.Tries != 3 {
		t.Errorf("member 1: error %v, want a NotPositiveDefiniteError for member 1 after 3 jitters", err)
	}
	p, err := fit.Predict([]float64{1})
	if err != nil {
		t.Fatal(err)
	}
	if math.IsNaN(p.Mean[0]) || !math.IsNaN(p.Mean[1]) {
		t.Errorf("predictions %v: want a number for member 0 and NaN for member 1", p.Mean)
	}
}

// TestFitBoundedAndPrior checks a bounded hyperparameter stays within its
// bounds when the likelihood pulls it out (the noise of nearly noiseless
// data, bounded below by 0.01), and that a prior moves the fit: a tight
// log-normal prior on the lengthscale around 3 holds it near 3.
func TestFitBoundedAndPrior(t *testing.T) {
	d := sineData(1, 40)
	for i := range d.Y {
		d.Y[i] = math.Sin(d.X[i])
	}
	fit, err := gp.Fit(context.Background(), d, func(h *gp.Hypers) gp.Prior {
		return gp.Prior{
			Kernel: gp.RBF{Lengthscale: h.Vector("lengthscale", 1)},
			Noise:  h.Add(gp.Hyper{Name: "noise", Init: []float64{0.1}, Lower: 0.01, Upper: 1, Bounded: true}),
		}
	}, gp.FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	noise, _ := fit.Value("noise")
	if !(noise[0] > 0.01 && noise[0] < 0.0102) {
		t.Errorf("bounded noise %v, want just above its lower bound 0.01", noise[0])
	}
	logNormal := func(g *engine.Graph, v *engine.Node) *engine.Node {
		z := g.Scale(g.AddScalar(g.Log(v), -math.Log(3)), 1/0.01)
		return g.Neg(g.Add(g.Scale(g.Square(z), 0.5), g.Log(v)))
	}
	fit, err = gp.Fit(context.Background(), d, func(h *gp.Hypers) gp.Prior {
		return gp.Prior{
			Kernel: gp.RBF{Lengthscale: h.Add(gp.Hyper{Name: "lengthscale", Init: []float64{1}, Size: 1, Prior: logNormal})},
			Noise:  h.Scalar("noise", 0.1),
		}
	}, gp.FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ls, _ := fit.Value("lengthscale")
	if math.Abs(math.Log(ls[0]/3)) > 0.05 {
		t.Errorf("lengthscale %v under a log-normal(log 3, 0.01) prior", ls[0])
	}
}

// TestSaveLoadPredictsTheSame saves a normalized batch fit, loads it with
// the same prior and checks predictions, values and printout are the
// same, and that a prior declaring other hyperparameters is refused.
func TestSaveLoadPredictsTheSame(t *testing.T) {
	d := sineData(2, 25)
	fit, err := gp.Fit(context.Background(), d, rbfPrior, gp.FitOptions{NormalizeY: true})
	if err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	if err := fit.Save(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := gp.Load(strings.NewReader(buf.String()), rbfPrior, nil)
	if err != nil {
		t.Fatal(err)
	}
	xs := []float64{1, 5.5, 11}
	p1, err := fit.PredictY(xs)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := back.PredictY(xs)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p1.Mean {
		if p1.Mean[i] != p2.Mean[i] || p1.Var[i] != p2.Var[i] {
			t.Errorf("point %d: %v ± %v saved, %v ± %v loaded", i, p1.Mean[i], p1.Var[i], p2.Mean[i], p2.Var[i])
		}
	}
	if !strings.Contains(back.String(), "RBF(lengthscale=") {
		t.Errorf("loaded printout:\n%v", back)
	}
	other := func(h *gp.Hypers) gp.Prior {
		return gp.Prior{Kernel: gp.RBF{Lengthscale: h.Vector("ls", 1)}, Noise: h.Scalar("noise", 1)}
	}
	if _, err := gp.Load(strings.NewReader(buf.String()), other, nil); !errors.Is(err, gp.ErrOptions) {
		t.Errorf("another prior: error %v, want ErrOptions", err)
	}
}
