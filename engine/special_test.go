package engine

import (
	"encoding/json"
	"math"
	"os"
	"strconv"
	"testing"
)

// specialFile is engine/testdata/special.json, written by
// scripts/reference/special_reference.py. Floats are strings so that the
// file can hold Inf and NaN.
type specialFile struct {
	Versions  map[string]string
	Functions []struct {
		Name      string
		Arity     int
		Reference string
		Points    []struct {
			X      []string
			Scipy  string
			Mpmath string
			Cond   string
		}
	}
}

// specialImpl is how one reference function is computed by ignis: through a
// graph op, and through the scalar Go function the kernel calls.
type specialImpl struct {
	unary   func(g *Graph, x *Node) *Node
	binary  func(g *Graph, a, b *Node) *Node
	scalar1 func(x float64) float64
	scalar2 func(a, b float64) float64
}

func specialImpls() map[string]specialImpl {
	m := map[string]specialImpl{
		"gammaln":    {unary: (*Graph).Lgamma, scalar1: lgamma},
		"digamma":    {unary: (*Graph).Digamma, scalar1: Digamma},
		"erf":        {unary: (*Graph).Erf, scalar1: math.Erf},
		"log1p":      {unary: (*Graph).Log1p, scalar1: math.Log1p},
		"expm1":      {unary: (*Graph).Expm1, scalar1: math.Expm1},
		"softplus":   {unary: (*Graph).Softplus, scalar1: softplus},
		"logsigmoid": {unary: (*Graph).LogSigmoid, scalar1: func(x float64) float64 { return -softplus(-x) }},
		"ndtr":       {unary: (*Graph).Ndtr, scalar1: Ndtr},
		"log_ndtr":   {unary: (*Graph).LogNdtr, scalar1: LogNdtr},
		"log1mexp":   {unary: (*Graph).Log1mExp, scalar1: Log1mExp},
		"betaln":     {binary: (*Graph).Lbeta, scalar2: Lbeta},
		"xlogy":      {binary: (*Graph).Xlogy, scalar2: Xlogy},
		"logaddexp":  {binary: (*Graph).LogAddExp, scalar2: LogAddExp},
	}
	for _, n := range []int{1, 2, 3, 4, 7, 12} {
		m["polygamma"+strconv.Itoa(n)] = specialImpl{
			unary:   func(g *Graph, x *Node) *Node { return g.Polygamma(n, x) },
			scalar1: func(x float64) float64 { return Polygamma(n, x) },
		}
	}
	return m
}

// The accuracy asked of every special function: relative error at most
//
//	tol = max(1e−13, 8·κ·ε),  ε = 2⁻⁵³,
//
// against the exact value, where κ = Σ|xᵢ ∂f/∂xᵢ|/|f| is the condition
// number at the argument (stored in the file). That is 1e−13 wherever f is
// well-conditioned (κ ≤ 100). Where κ is larger, rounding the argument by
// half an ulp alone moves f by κ·ε/2, so a method that goes through
// intermediate quantities of the argument's size cannot promise better; the
// allowance is for
//   - ψ⁽ⁿ⁾ for x < 0 near a root of ψ⁽ⁿ⁾ or with |x| large (the reflection
//     formula; κ reaches 1e18 for ψ⁗(−1000.5)),
//   - log Γ near its roots 1 and 2 and at negative x,
//   - Lbeta with a negative argument (three log-gamma terms).
//
// In the committed data ignis needs none of it: every point is within 3e−15
// of the exact value (worst: ψ(−10.7) at κ = 1.2e3).
//
// Against SciPy the bound is tol plus SciPy's own error against the exact
// value. SciPy 1.17 misses 1e−13 at: polygamma(n, −1000.5) for even n
// (3e−10 for n = 2, 7e−3 for n = 4, and for n = 12 it returns 3.5e−4 where
// the value is −3.9e−29), where it sums the shifted series; ndtr(−37)
// (1.1e−13, the rounding of x/√2 that Ndtr compensates); betaln(20, 1e6)
// (2e−12) and betaln(1e5, 3) (8e−13), where it subtracts log-gamma values.
const specialCondFactor = 8

// specialRelErr is |got − want|/|want| with the denominator floored at the
// smallest normal number, so a subnormal value is judged on an absolute scale.
func specialRelErr(got, want float64) float64 {
	return math.Abs(got-want) / math.Max(math.Abs(want), 0x1p-1022)
}

// sameSpecial reports whether got matches a want that is NaN, ±Inf or 0.
func sameSpecial(got, want float64) bool {
	switch {
	case math.IsNaN(want):
		return math.IsNaN(got)
	case math.IsInf(want, 0):
		return got == want
	}
	return got == 0
}

func parseF(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("special.json: %v", err)
	}
	return v
}

// evalSpecial computes impl at every argument through a compiled graph.
func evalSpecial(t *testing.T, impl specialImpl, args [][]float64) []float64 {
	t.Helper()
	g := NewGraph()
	in := make([]*Node, len(args))
	for i := range in {
		in[i] = g.Input("x"+strconv.Itoa(i), len(args[i]))
	}
	var out *Node
	if impl.unary != nil {
		out = impl.unary(g, in[0])
	} else {
		out = impl.binary(g, in[0], in[1])
	}
	prog, err := g.Compile([]*Node{out})
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range in {
		if err := prog.Set(n, args[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	return prog.Value(out)
}

func TestSpecialReference(t *testing.T) {
	raw, err := os.ReadFile("testdata/special.json")
	if err != nil {
		t.Fatal(err)
	}
	var file specialFile
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	impls := specialImpls()
	const eps = 0x1p-53
	for _, fn := range file.Functions {
		t.Run(fn.Name, func(t *testing.T) {
			impl, ok := impls[fn.Name]
			if !ok {
				t.Fatalf("no ignis implementation for %q", fn.Name)
			}
			args := make([][]float64, fn.Arity)
			for _, p := range fn.Points {
				for i := range args {
					args[i] = append(args[i], parseF(t, p.X[i]))
				}
			}
			got := evalSpecial(t, impl, args)
			worstExact, worstScipy := 0.0, 0.0
			var worstExactAt, worstScipyAt []string
			for j, p := range fn.Points {
				exact, scipy, cond := parseF(t, p.Mpmath), parseF(t, p.Scipy), parseF(t, p.Cond)
				var scalar float64
				if impl.scalar1 != nil {
					scalar = impl.scalar1(args[0][j])
				} else {
					scalar = impl.scalar2(args[0][j], args[1][j])
				}
				v := got[j]
				// Functions evaluated over slices by internal/vmath are
				// within 2 ulp of the scalar ones; the others are the
				// scalar ones.
				allowed := uint64(0)
				if vectorized[fn.Name] != nil {
					allowed = 2
				}
				if ulpDiff(scalar, v) > allowed && !(math.IsNaN(v) && math.IsNaN(scalar)) {
					t.Errorf("%v: graph kernel gives %v, scalar function %v (more than %d ulp apart)", p.X, v, scalar, allowed)
				}
				if math.IsNaN(exact) || math.IsInf(exact, 0) || exact == 0 {
					if !sameSpecial(v, exact) || !sameSpecial(v, scipy) {
						t.Errorf("%v: got %v, want %v (SciPy %v)", p.X, v, exact, scipy)
					}
					continue
				}
				tol := math.Max(1e-13, specialCondFactor*cond*eps)
				eExact := specialRelErr(v, exact)
				eScipy := specialRelErr(v, scipy)
				scipyOwn := specialRelErr(scipy, exact)
				if !(eExact <= tol) {
					t.Errorf("%v: got %v, exact %v: relative error %.3g > %.3g (κ = %.3g)", p.X, v, exact, eExact, tol, cond)
				}
				if !(eScipy <= tol+scipyOwn) {
					t.Errorf("%v: got %v, SciPy %v: relative error %.3g > %.3g + SciPy's own %.3g", p.X, v, scipy, eScipy, tol, scipyOwn)
				}
				if eExact > worstExact {
					worstExact, worstExactAt = eExact, p.X
				}
				if eScipy > worstScipy {
					worstScipy, worstScipyAt = eScipy, p.X
				}
			}
			t.Logf("%s: %d points; worst relative error vs exact %.2g at %v, vs SciPy %.2g at %v",
				fn.Name, len(fn.Points), worstExact, worstExactAt, worstScipy, worstScipyAt)
		})
	}
}

// ulpDiff counts the floats between a and b (0 when equal; the maximum for
// values of opposite signs or NaN).
func ulpDiff(a, b float64) uint64 {
	if a == b {
		return 0
	}
	if math.IsNaN(a) || math.IsNaN(b) || math.Signbit(a) != math.Signbit(b) {
		return math.MaxUint64
	}
	x, y := math.Float64bits(math.Abs(a)), math.Float64bits(math.Abs(b))
	if x > y {
		return x - y
	}
	return y - x
}
