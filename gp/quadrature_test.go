package gp

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

// ghReference is gp/testdata/gauss_hermite.json
// (scripts/reference/gauss_hermite.py): rules computed in 60-digit
// arithmetic, rounded to float64.
type ghReference struct {
	Rules map[string]struct {
		Nodes   []float64 `json:"nodes"`
		Weights []float64 `json:"weights"`
	} `json:"rules"`
}

const eps = 0x1p-52

// TestGaussHermiteMatchesReference checks NewGaussHermite's nodes and
// weights against the 60-digit reference at orders 1 to 200. The tolerance
// follows from the error of each computed value: Newton leaves a node
// within a few ulps of the float64 root, δt ≈ 2ε max(1, |t|), and the
// weight, which falls like e^{−t²}, then moves by 2|t|δt relative; the
// n-step recurrence adds about nε. At order 20 (|t| ≤ 5.39) that bounds
// the weights' relative error by 7e−14, so 1e−13 holds there a fortiori;
// every order is held to its own bound.
func TestGaussHermiteMatchesReference(t *testing.T) {
	raw, err := os.ReadFile("testdata/gauss_hermite.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref ghReference
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Rules) == 0 {
		t.Fatal("no rules in the reference")
	}
	for key, r := range ref.Rules {
		n, err := strconv.Atoi(key)
		if err != nil {
			t.Fatal(err)
		}
		q, err := NewGaussHermite(n)
		if err != nil {
			t.Fatal(err)
		}
		if q.Order() != n || len(r.Nodes) != n || len(r.Weights) != n {
			t.Fatalf("order %d: %d nodes, reference %d", n, q.Order(), len(r.Nodes))
		}
		tmax := math.Abs(r.Nodes[0])
		nodeTol := 4 * eps
		weightTol := (4*tmax*tmax*2 + 4*float64(n)) * eps
		if n == 20 {
			nodeTol, weightTol = math.Min(nodeTol, 1e-13), math.Min(weightTol, 1e-13)
		}
		worstT, worstW := 0.0, 0.0
		for j := range n {
			et := math.Abs(q.Nodes[j]-r.Nodes[j]) / math.Max(1, math.Abs(r.Nodes[j]))
			ew := math.Abs(q.Weights[j]-r.Weights[j]) / r.Weights[j]
			worstT, worstW = math.Max(worstT, et), math.Max(worstW, ew)
			if !(et <= nodeTol) || !(ew <= weightTol) {
				t.Errorf("order %d, node %d: (%.17g, %.17g), reference (%.17g, %.17g)", n, j, q.Nodes[j], q.Weights[j], r.Nodes[j], r.Weights[j])
			}
		}
		t.Logf("order %3d: nodes within %.2g (bound %.2g), weights within %.2g relative (bound %.2g)", n, worstT, nodeTol, worstW, weightTol)
	}
}

// TestGaussHermiteIsExactToDegree2nMinus1 checks the defining property:
// Σ wⱼ tⱼᵏ equals ∫ e^{−t²} tᵏ dt = Γ((k+1)/2) (k even; 0 for k odd) for
// every degree k ≤ 2n − 1, and at degree 2n misses it by exactly the
// rule's remainder n! √π / 2ⁿ (so the rule is Gauss, not of a higher
// degree by accident; checked while the remainder stands above the
// moment's round-off). Odd moments cancel in mirrored pairs and are held to
// the round-off of the sum, nε times the sum of the terms' magnitudes; even
// moments are sums of positive terms, each with a relative error of at most
// (k + 4n + 8t²)ε from the node and weight errors above, and are held to
// that bound.
func TestGaussHermiteIsExactToDegree2nMinus1(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 7, 10, 20, 33, 60} {
		q, err := NewGaussHermite(n)
		if err != nil {
			t.Fatal(err)
		}
		// moment returns Σ wⱼ tⱼᵏ and Σ |wⱼ tⱼᵏ|.
		moment := func(k int) (s, abs float64) {
			for j, x := range q.Nodes {
				term := q.Weights[j] * math.Pow(x, float64(k))
				s += term
				abs += math.Abs(term)
			}
			return s, abs
		}
		tmax := q.Nodes[n-1]
		worst := 0.0
		for k := 0; k <= 2*n-1; k++ {
			got, abs := moment(k)
			if k%2 == 1 {
				// The terms cancel in mirrored pairs; the sum keeps the
				// round-off of adding n terms of size abs.
				if !(math.Abs(got) <= float64(n)*eps*abs) {
					t.Errorf("order %d: odd moment %d = %g, want 0 (terms of total size %g)", n, k, got, abs)
				}
				continue
			}
			want := math.Gamma(float64(k+1) / 2)
			e := math.Abs(got-want) / want
			worst = math.Max(worst, e)
			if tol := (float64(k) + 4*float64(n) + 8*tmax*tmax) * eps; !(e <= tol) {
				t.Errorf("order %d: moment %d = %.17g, exactly %.17g (relative error %.2g, bound %.2g)", n, k, got, want, e, tol)
			}
		}
		fn, _ := math.Lgamma(float64(n + 1))
		remainder := math.Exp(fn+0.5*math.Log(math.Pi)) / math.Pow(2, float64(n))
		exact := math.Gamma(float64(2*n+1) / 2)
		m2n, _ := moment(2 * n)
		miss := exact - m2n
		// The remainder is visible above the sum's round-off only while it
		// is a fair fraction of the moment (orders up to about 20).
		if remainder > 1e6*eps*exact {
			if e := math.Abs(miss-remainder) / remainder; !(e <= 1e-6) {
				t.Errorf("order %d: degree %d missed by %.6g, remainder n!√π/2ⁿ = %.6g", n, 2*n, miss, remainder)
			}
		}
		t.Logf("order %2d: moments to degree %d within %.2g relative; degree %d misses by %.6g (remainder %.6g)",
			n, 2*n-1, worst, 2*n, miss, remainder)
	}
}

// TestGaussHermiteBadOrders checks that orders outside 1 …
// MaxGaussHermiteOrder are errors wrapping ErrOptions, and that the
// largest order still gives sorted nodes whose weights sum to √π.
func TestGaussHermiteBadOrders(t *testing.T) {
	for _, n := range []int{0, -3, MaxGaussHermiteOrder + 1} {
		if _, err := NewGaussHermite(n); !errors.Is(err, ErrOptions) {
			t.Errorf("order %d: error %v, want ErrOptions", n, err)
		}
	}
	if testing.Short() {
		return
	}
	q, err := NewGaussHermite(MaxGaussHermiteOrder)
	if err != nil {
		t.Fatal(err)
	}
	s := 0.0
	for _, w := range q.Weights {
		s += w
	}
	if e := math.Abs(s-math.Sqrt(math.Pi)) / math.Sqrt(math.Pi); !(e <= 1e-13) {
		t.Errorf("order %d: weights sum to %.17g, want √π (relative error %.2g)", MaxGaussHermiteOrder, s, e)
	}
}

// expectProgram compiles the expectation of h under N(mean, variance) for
// constant moments of shape [2, 3] together with its gradients in the
// moments, runs it and returns the values.
func expectProgram(t *testing.T, q GaussHermite, mu, v []float64, h func(g *engine.Graph, f *engine.Node) *engine.Node) (val, dmu, dv []float64) {
	t.Helper()
	g := engine.NewGraph()
	mean := g.Param("mean", mu, 2, 3)
	variance := g.Param("var", v, 2, 3)
	e := q.Expect(g, mean, variance, func(f *engine.Node) *engine.Node { return h(g, f) })
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	if !e.Shape().Equal(engine.Shape{2, 3}) {
		t.Fatalf("expectation shape %v, want [2 3]", e.Shape())
	}
	grads := g.Grad(g.Sum(e), mean, variance)
	prog, err := g.Compile(append([]*engine.Node{e}, grads...))
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	return prog.Value(e), prog.Value(grads[0]), prog.Value(grads[1])
}

// TestExpectMomentsAndGradients checks Expect on a batch [2, 3] of
// Gaussians against closed forms: E[f⁴] = μ⁴ + 6μ²σ² + 3σ⁴, which a rule of
// order 3 or more integrates exactly, with its derivatives 4μ³ + 12μσ² in
// μ and 6μ² + 6σ² in σ², which the engine computes by differentiating
// through the rule; and E[eᶠ] = e^{μ + σ²/2}, not a polynomial, at order
// 20, whose remainder (√2σ)^{40} n! √π / (2ⁿ 40!) e^{ξ}/√π is below 1e−30
// here. All to 1e−13 relative (a sum of 20 terms of round-off), except
// the derivatives in σ², whose sum cancels to O(σ) and so has its
// round-off amplified by 1/σ (the case σ² = 1e−8 is there for that).
func TestExpectMomentsAndGradients(t *testing.T) {
	mu := []float64{0.3, -1.2, 2.5, 0, -0.7, 1.1}
	v := []float64{0.04, 1, 2.25, 0.5, 3, 1e-8}
	q, err := NewGaussHermite(20)
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, got []float64, want func(m, s2 float64) float64) {
		t.Helper()
		for i := range mu {
			w := want(mu[i], v[i])
			tol := 1e-13
			if strings.HasSuffix(what, "σ²") {
				// Σⱼ wⱼ h'(fⱼ) tⱼ / √(2σ²): terms of size |h'| cancel to
				// O(σ), so the round-off grows like 1/σ.
				tol *= 1 + 1/math.Sqrt(v[i])
			}
			if e := math.Abs(got[i]-w) / math.Max(1, math.Abs(w)); !(e <= tol) {
				t.Errorf("%s at μ=%g σ²=%g: %.17g, exactly %.17g", what, mu[i], v[i], got[i], w)
			}
		}
	}
	for _, order := range []int{3, 20} {
		q3, _ := NewGaussHermite(order)
		val, dmu, dv := expectProgram(t, q3, mu, v, func(g *engine.Graph, f *engine.Node) *engine.Node { return g.PowScalar(f, 4) })
		check("E[f⁴]", val, func(m, s2 float64) float64 { return m*m*m*m + 6*m*m*s2 + 3*s2*s2 })
		check("dE[f⁴]/dμ", dmu, func(m, s2 float64) float64 { return 4*m*m*m + 12*m*s2 })
		check("dE[f⁴]/dσ²", dv, func(m, s2 float64) float64 { return 6*m*m + 6*s2 })
	}
	val, dmu, dv := expectProgram(t, q, mu, v, func(g *engine.Graph, f *engine.Node) *engine.Node { return g.Exp(f) })
	check("E[eᶠ]", val, func(m, s2 float64) float64 { return math.Exp(m + s2/2) })
	check("dE[eᶠ]/dμ", dmu, func(m, s2 float64) float64 { return math.Exp(m + s2/2) })
	check("dE[eᶠ]/dσ²", dv, func(m, s2 float64) float64 { return math.Exp(m+s2/2) / 2 })
}

// TestExpectBroadcastsAndRejectsBadInput checks the shapes Expect accepts:
// a mean [2, 1] against variances [2, 3] and an integrand that broadcasts f
// against targets [2, 3] give expectations [2, 3] equal to the elementwise
// ones; and that a rule with no nodes, a nil integrand, an integrand that
// drops the rule's axis or returns nil, a nil mean and moments that do not
// broadcast are graph errors (and the returned node is invalid, not nil).
func TestExpectBroadcastsAndRejectsBadInput(t *testing.T) {
	q, _ := NewGaussHermite(5)
	g := engine.NewGraph()
	mean := g.Constant([]float64{0.5, -1}, 2, 1)
	variance := g.Constant([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	y := g.Constant([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	e := q.Expect(g, mean, variance, func(f *engine.Node) *engine.Node { return g.Square(g.Sub(f, y)) })
	prog, err := g.Compile([]*engine.Node{e})
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	mu := []float64{0.5, -1}
	for i, got := range prog.Value(e) {
		m, s2, yv := mu[i/3], float64(i+1), float64(i+1)
		if want := (m-yv)*(m-yv) + s2; math.Abs(got-want) > 1e-13*want {
			t.Errorf("E[(f − y)²][%d] = %.17g, want %.17g", i, got, want)
		}
	}

	bad := []struct {
		name string
		run  func(g *engine.Graph) *engine.Node
	}{
		{"empty rule", func(g *engine.Graph) *engine.Node {
			return GaussHermite{}.Expect(g, g.Scalar(0), g.Scalar(1), func(f *engine.Node) *engine.Node { return f })
		}},
		{"nil integrand", func(g *engine.Graph) *engine.Node { return q.Expect(g, g.Scalar(0), g.Scalar(1), nil) }},
		{"integrand drops the rule's axis", func(g *engine.Graph) *engine.Node {
			return q.Expect(g, g.Fill(0, 3), g.Fill(1, 3), func(f *engine.Node) *engine.Node { return g.Sum(f, 0) })
		}},
		{"nil mean", func(g *engine.Graph) *engine.Node {
			return q.Expect(g, nil, g.Scalar(1), func(f *engine.Node) *engine.Node { return f })
		}},
		{"integrand returns nil", func(g *engine.Graph) *engine.Node {
			return q.Expect(g, g.Scalar(0), g.Scalar(1), func(*engine.Node) *engine.Node { return nil })
		}},
		{"moments do not broadcast", func(g *engine.Graph) *engine.Node {
			return q.Expect(g, g.Fill(0, 3), g.Fill(1, 4), func(f *engine.Node) *engine.Node { return f })
		}},
	}
	for _, c := range bad {
		g := engine.NewGraph()
		out := c.run(g)
		if g.Err() == nil || out == nil {
			t.Errorf("%s: error %v, node %v", c.name, g.Err(), out)
		}
	}
}
