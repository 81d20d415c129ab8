package gp

import (
	"encoding/json"
	"maps"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

type refCase struct {
	Name     string               `json:"name"`
	Kernel   string               `json:"kernel"`
	Mean     string               `json:"mean"`
	SharedX  bool                 `json:"shared_x"`
	B        int                  `json:"B"`
	N        int                  `json:"N"`
	M        int                  `json:"M"`
	D        int                  `json:"D"`
	X        []float64            `json:"x"`
	Y        []float64            `json:"y"`
	XS       []float64            `json:"xs"`
	Hyper    map[string][]float64 `json:"-"`
	RawHyper map[string]any       `json:"hyper"`
	Cond     []float64            `json:"cond"`
	MLL      []float64            `json:"mll"`
	Grad     map[string][]float64 `json:"grad"`
	PredMean []float64            `json:"pred_mean"`
	PredVar  []float64            `json:"pred_var"`
}

func loadReference(t *testing.T) []refCase {
	t.Helper()
	raw, err := os.ReadFile("testdata/gpytorch_reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []refCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	for i := range ref.Cases {
		c := &ref.Cases[i]
		c.Hyper = map[string][]float64{}
		for k, v := range c.RawHyper {
			c.Hyper[k] = flatten(v)
		}
	}
	return ref.Cases
}

func flatten(v any) []float64 {
	switch x := v.(type) {
	case float64:
		return []float64{x}
	case []any:
		var out []float64
		for _, e := range x {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return nil
}

// refPrior builds the case's prior with its hyperparameters as parameters
// of g, returned by name.
func refPrior(g *engine.Graph, c refCase) (Prior, map[string]*engine.Node) {
	params := map[string]*engine.Node{}
	h := func(name string, shape ...int) *engine.Node {
		p := g.Param(name, c.Hyper[name], shape...)
		params[name] = p
		return p
	}
	ls, v := h("ls", c.B, c.D), h("var", c.B)
	var k Kernel
	switch c.Kernel {
	case "rbf":
		k = RBF{Lengthscale: ls, Variance: v}
	case "matern12":
		k = Matern{Nu: 0.5, Lengthscale: ls, Variance: v}
	case "matern32":
		k = Matern{Nu: 1.5, Lengthscale: ls, Variance: v}
	case "matern52":
		k = Matern{Nu: 2.5, Lengthscale: ls, Variance: v}
	case "periodic":
		k = Periodic{Lengthscale: ls, Period: h("period", c.B, c.D), Variance: v}
	case "linear":
		k = Linear{Variance: h("linvar", c.B)}
	}
	var m Mean
	switch c.Mean {
	case "constant":
		m = ConstantMean{C: h("c", c.B)}
	case "linear":
		m = LinearMean{W: h("w", c.B, c.D), B: h("b", c.B)}
	}
	return Prior{Kernel: k, Mean: m, Noise: h("noise", c.B)}, params
}

func relErr(got, want float64) float64 { return math.Abs(got-want) / math.Abs(want) }

// TestGPyTorchReference checks marginal log-likelihoods, their gradients in
// every hyperparameter, and latent predictive means and variances of
// batch-mode GPs (every kernel, every mean, shared and batched inputs, N = 25
// and N = 300, the latter factored and inverted by ignis's blocked kernels)
// against GPyTorch at 1e-9 relative. Both sides are float64 computations of
// the same formulas through a Cholesky factor; the script records κ(K) per
// member (at most about 1100 here). A value computed through the factor
// carries a relative round-off of order κ·ε ≈ 2.4e-13, and the generator
// has checked that GPyTorch agrees with the textbook formulas to 1e-11
// (values) and 1e-9 (gradients), so 1e-9 leaves room for the sums of N²
// terms in a gradient, but no more.
func TestGPyTorchReference(t *testing.T) {
	for _, c := range loadReference(t) {
		t.Run(c.Name, func(t *testing.T) {
			g := engine.NewGraph()
			xs := []int{c.B, c.N, c.D}
			ts := []int{c.B, c.M, c.D}
			if c.SharedX {
				xs, ts = xs[1:], ts[1:]
			}
			x, y, xt := g.Constant(c.X, xs...), g.Constant(c.Y, c.B, c.N), g.Constant(c.XS, ts...)
			p, params := refPrior(g, c)
			mll := MarginalLogLikelihood(g, p, x, y)
			post := Predict(g, p, x, y, xt)
			names := slices.Sorted(maps.Keys(c.Grad))
			wrt := make([]*engine.Node, len(names))
			for i, name := range names {
				if wrt[i] = params[name]; wrt[i] == nil {
					t.Fatalf("reference has a gradient in %q, which the case has no parameter for", name)
				}
			}
			grads := g.Grad(g.Sum(mll.Value), wrt...)
			prog, err := g.Compile(append([]*engine.Node{mll.Value, post.Mean, post.Var}, grads...))
			if err != nil {
				t.Fatal(err)
			}
			if err := (JitterPolicy{}).Run(prog, mll.Jitter); err != nil {
				t.Fatal(err)
			}
			check := func(what string, got, want []float64) {
				if len(got) != len(want) {
					t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
				}
				worst := 0.0
				for i := range want {
					e := relErr(got[i], want[i])
					if !(e <= 1e-9) {
						t.Errorf("%s[%d] = %.15g, GPyTorch %.15g (relative error %.2g)", what, i, got[i], want[i], e)
					}
					worst = max(worst, e)
				}
				t.Logf("%s: largest relative error %.2g", what, worst)
			}
			check("mll", prog.Value(mll.Value), c.MLL)
			check("mean", prog.Value(post.Mean), c.PredMean)
			check("var", prog.Value(post.Var), c.PredVar)
			for i, name := range names {
				check("d mll/d "+name, prog.Value(grads[i]), c.Grad[name])
			}
		})
	}
}
