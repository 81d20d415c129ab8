package vmath

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// gen draws one input from a region of a function's domain.
type gen func(r *rand.Rand) float64

func uniform(lo, hi float64) gen {
	return func(r *rand.Rand) float64 { return lo + (hi-lo)*r.Float64() }
}

// logMag draws ±2ᵘ, u uniform in [lo, hi]: every binade from lo to hi
// equally often, subnormals included where lo < -1022.
func logMag(lo, hi float64) gen {
	return func(r *rand.Rand) float64 {
		x := math.Exp2(lo + (hi-lo)*r.Float64())
		if r.IntN(2) == 0 {
			return -x
		}
		return x
	}
}

// shifted draws c + s·2ᵘ, u uniform in [lo, hi]: values crowding towards c
// from one side (s = ±1).
func shifted(c, s, lo, hi float64) gen {
	return func(r *rand.Rand) float64 { return c + s*math.Exp2(lo+(hi-lo)*r.Float64()) }
}

// anyPositive draws a uniformly random positive finite float64 bit pattern:
// every binade equally often, subnormals included.
func anyPositive(r *rand.Rand) float64 {
	return math.Float64frombits(1 + r.Uint64N(0x7fefffffffffffff))
}

// domains lists, for each function, the regions the sweeps draw from in
// equal shares: the whole domain, the region where the result changes
// fastest, all magnitudes, and the edges of the fast paths and of
// overflow and underflow.
var domains = map[string][]gen{
	"Exp": {uniform(-746, 710), uniform(-2, 2), logMag(-1074, 9.48),
		uniform(707, 709.8), uniform(-745.2, -707)},
	"Expm1": {uniform(-50, 710), uniform(-1.5, 1.5), logMag(-1074, 9.47),
		uniform(-40, -36), uniform(707, 709.8)},
	"Log": {anyPositive, uniform(0.5, 2), shifted(1, 1, -52, -1),
		shifted(1, -1, -53, -1), logMag(-1074, -1021)},
	"Log1p": {uniform(-1, 1), anyPositive, logMag(-1074, -1),
		shifted(-1, 1, -53, -1), uniform(-0.3, 0.42)},
	"Tanh":       {uniform(-22, 22), uniform(-1, 1), logMag(-1074, 5), uniform(0.6, 0.7)},
	"Sigmoid":    {uniform(-750, 750), uniform(-40, 40), logMag(-1074, 9.6), uniform(-746, -700)},
	"Softplus":   {uniform(-750, 750), uniform(-40, 40), logMag(-1074, 9.6), uniform(-746, -700)},
	"LogSigmoid": {uniform(-750, 750), uniform(-40, 40), logMag(-1074, 9.6), uniform(700, 746)},
}

// sweepInputs returns n inputs drawn from all the domains, for tests that
// need varied values rather than a thorough sweep.
func sweepInputs(seed uint64, n int) []float64 {
	r := rand.New(rand.NewPCG(seed, 0))
	var gens []gen
	for _, f := range functions {
		gens = append(gens, domains[f.name]...)
	}
	x := make([]float64, n)
	for i := range x {
		x[i] = gens[r.IntN(len(gens))](r)
	}
	return x
}

// worst records the largest errors a sweep saw.
type worst struct {
	dist    uint64
	distX   float64
	refErr  float64
	refX    float64
	bad     int
	firstX  float64
	firstGo float64
}

func (w *worst) add(x, got float64, f *function, withRef bool) {
	ref := f.ref
	if !withRef {
		ref = func(float64) (xdd, bool) { return xdd{}, false }
	}
	g := *f
	g.ref = ref
	d, e, ok := g.check(x, got)
	if !ok {
		if w.bad == 0 {
			w.firstX, w.firstGo = x, got
		}
		w.bad++
		return
	}
	if d > w.dist {
		w.dist, w.distX = d, x
	}
	if e > w.refErr {
		w.refErr, w.refX = e, x
	}
}

// sweepSize is the number of inputs per function in the dense sweeps; the
// error against the double-double reference, slower to compute, is taken
// on every refEvery-th input.
func sweepSize() (n, refEvery int) {
	if testing.Short() {
		return 1 << 17, 8
	}
	return 1 << 21, 8
}

// TestSweep runs every function on both paths over dense draws from its
// domain and holds each result within mathBound ulps of the scalar
// reference and within refBound ulps of the exact value.
func TestSweep(t *testing.T) {
	n, refEvery := sweepSize()
	for _, f := range functions {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			sweep(t, f, n, refEvery, uint64(len(f.name)))
		})
	}
}

// sweep checks f on both paths at n inputs drawn in chunks from each of its
// domains in turn, against the exact value at every refEvery-th input.
func sweep(t *testing.T, f *function, n, refEvery int, seed uint64) {
	ps := paths()
	w := make([]worst, len(ps))
	gens := domains[f.name]
	r := rand.New(rand.NewPCG(seed, 7))
	const chunk = 4096
	x := make([]float64, chunk)
	out := make([][]float64, len(ps))
	for i := range out {
		out[i] = make([]float64, chunk)
	}
	for done := 0; done < n; done += chunk {
		g := gens[(done/chunk)%len(gens)]
		for i := range x {
			x[i] = g(r)
		}
		for i, p := range ps {
			p.pick(f)(out[i], x)
		}
		for j, v := range x {
			for i := range ps {
				w[i].add(v, out[i][j], f, j%refEvery == 0)
			}
		}
	}
	for i, p := range ps {
		report(t, f, p.name, &w[i])
	}
}

func report(t *testing.T, f *function, path string, w *worst) {
	t.Helper()
	if w.bad > 0 {
		v, _ := f.ref(w.firstX)
		t.Errorf("%s/%s: %d results out of bounds, first %s(%v) = %v; scalar reference %v, exact %v",
			f.name, path, w.bad, f.name, w.firstX, w.firstGo, f.scalar(w.firstX), math.Ldexp(v.v.hi, v.e))
	}
	t.Logf("%s/%s: %d ulp from the scalar reference (at %v), %.3f ulp from exact (at %v)",
		f.name, path, w.dist, w.distX, w.refErr, w.refX)
}

// TestPathsAgree holds the Go and AVX2 kernels within mathBound ulps of each
// other (and reports how far apart they are), special results bit for bit.
func TestPathsAgree(t *testing.T) {
	if !useAsm {
		t.Skip("no assembly kernels in this build")
	}
	x := sweepInputs(2, 1<<16)
	a, b := make([]float64, len(x)), make([]float64, len(x))
	for _, f := range functions {
		f.goPath(a, x)
		f.asmPath(b, x)
		var most uint64
		for i := range x {
			special := !finite(a[i]) || a[i] == 0 || !finite(b[i]) || b[i] == 0
			if special && !sameFloat(a[i], b[i]) || ulpDist(a[i], b[i]) > mathBound {
				t.Fatalf("%s(%v): go %v, avx2 %v", f.name, x[i], a[i], b[i])
			}
			most = max(most, ulpDist(a[i], b[i]))
		}
		t.Logf("%s: paths at most %d ulp apart", f.name, most)
	}
}

// edgeInputs are values at which functions change regime: signed zeros,
// subnormal and normal limits, infinities, NaN, the thresholds of exp's
// overflow, underflow and subnormal results, and the points where the
// kernels switch method.
var edgeInputs = func() []float64 {
	base := []float64{
		0, 5e-324, 0x1p-1022 - 5e-324, 0x1p-1022, math.MaxFloat64, math.Inf(1),
		1, 0.5, 2, 0x1p-54, 0x1p-53, 0x1p-28, 1e-300, math.Ln2 / 2, 3 * math.Ln2 / 2,
		0.625, 19.06, 20, 22, 36.7, 37.43, 38.8, 40, 44, 45, 700, 708, 708.4,
		709.43, 709.44, 709.78, expOverflow, 709.79, 710, 745.13, 745.1332191019411,
		745.1332191019412, 745.14, 746, 800, 1e300, 0x1p1023,
	}
	var xs []float64
	for _, v := range base {
		for _, s := range []float64{v, -v} {
			xs = append(xs, s, math.Nextafter(s, math.Inf(1)), math.Nextafter(s, math.Inf(-1)))
		}
	}
	xs = append(xs, math.NaN(), math.Float64frombits(0xfff8000000000001), -1, math.Nextafter(-1, 0),
		math.Nextafter(-1, -2), -0.5, -0.2928932188134524, 0.41421356237309515,
		-708.3964185322641, -708.39641853226408, -707.7, -744.4400719213812)
	return xs
}()

// TestEdges checks every function on both paths at the edge inputs: special
// results (NaN, ±Inf, ±0) equal the scalar reference's bit for bit, the
// sign of zero included; the others are within the sweep's bounds.
func TestEdges(t *testing.T) {
	for _, f := range functions {
		for _, p := range paths() {
			got := make([]float64, len(edgeInputs))
			p.pick(f)(got, edgeInputs)
			for i, x := range edgeInputs {
				if d, e, ok := f.check(x, got[i]); !ok {
					t.Errorf("%s/%s(%v) = %v; scalar reference %v (%d ulp apart, %.3g ulp from exact)",
						f.name, p.name, x, got[i], f.scalar(x), d, e)
				}
			}
		}
	}
}

// TestSpecialValues pins the documented special cases, independently of
// the scalar references.
func TestSpecialValues(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	negz := math.Copysign(0, -1)
	cases := []struct {
		f    string
		x    float64
		want float64
	}{
		{"Exp", 0, 1}, {"Exp", negz, 1}, {"Exp", inf, inf}, {"Exp", -inf, 0},
		{"Exp", nan, nan}, {"Exp", 710, inf}, {"Exp", -746, 0}, {"Exp", 5e-324, 1},
		{"Expm1", negz, negz}, {"Expm1", 0, 0}, {"Expm1", inf, inf}, {"Expm1", -inf, -1},
		{"Expm1", -50, -1}, {"Expm1", 1e-300, 1e-300}, {"Expm1", -5e-324, -5e-324},
		{"Expm1", 710, inf}, {"Expm1", nan, nan},
		{"Log", 0, -inf}, {"Log", negz, -inf}, {"Log", 1, 0}, {"Log", -1, nan},
		{"Log", -inf, nan}, {"Log", inf, inf}, {"Log", nan, nan}, {"Log", -5e-324, nan},
		{"Log1p", -1, -inf}, {"Log1p", -1.5, nan}, {"Log1p", negz, negz}, {"Log1p", 0, 0},
		{"Log1p", inf, inf}, {"Log1p", -inf, nan}, {"Log1p", nan, nan},
		{"Log1p", 5e-324, 5e-324}, {"Log1p", -1e-300, -1e-300},
		{"Tanh", negz, negz}, {"Tanh", 0, 0}, {"Tanh", inf, 1}, {"Tanh", -inf, -1},
		{"Tanh", 30, 1}, {"Tanh", -30, -1}, {"Tanh", 1e-300, 1e-300},
		{"Tanh", -5e-324, -5e-324}, {"Tanh", nan, nan},
		{"Sigmoid", inf, 1}, {"Sigmoid", -inf, 0}, {"Sigmoid", 0, 0.5}, {"Sigmoid", negz, 0.5},
		{"Sigmoid", 800, 1}, {"Sigmoid", -800, 0}, {"Sigmoid", -740, math.Exp(-740)},
		{"Sigmoid", nan, nan},
		{"Softplus", inf, inf}, {"Softplus", -inf, 0}, {"Softplus", 800, 800},
		{"Softplus", 1e300, 1e300}, {"Softplus", 40, 40}, {"Softplus", -740, math.Exp(-740)},
		{"Softplus", -800, 0}, {"Softplus", nan, nan},
		{"LogSigmoid", inf, negz}, {"LogSigmoid", -inf, -inf}, {"LogSigmoid", -800, -800},
		{"LogSigmoid", 740, -math.Exp(-740)}, {"LogSigmoid", 800, negz}, {"LogSigmoid", nan, nan},
	}
	byName := map[string]*function{}
	for _, f := range functions {
		byName[f.name] = f
	}
	for _, c := range cases {
		f := byName[c.f]
		for _, p := range paths() {
			var got [1]float64
			p.pick(f)(got[:], []float64{c.x})
			if !sameFloat(got[0], c.want) {
				t.Errorf("%s/%s(%v) = %v; want %v", c.f, p.name, c.x, got[0], c.want)
			}
		}
	}
	// Softplus(0) and LogSigmoid(0) are ±ln 2 to within an ulp.
	for _, p := range paths() {
		var got [2]float64
		p.pick(byName["Softplus"])(got[:1], []float64{0})
		p.pick(byName["LogSigmoid"])(got[1:], []float64{0})
		if ulpDist(got[0], math.Ln2) > 1 || ulpDist(got[1], -math.Ln2) > 1 {
			t.Errorf("%s: Softplus(0), LogSigmoid(0) = %v, %v; want ±ln 2", p.name, got[0], got[1])
		}
	}
}

// TestLengthsAndAliasing runs every length from 0 to 35 (all tails, around
// the vector width) on fresh and aliased slices: each element must equal
// the one-element result, whatever its position.
func TestLengthsAndAliasing(t *testing.T) {
	x := sweepInputs(3, 35)
	for _, f := range functions {
		for _, p := range paths() {
			k := p.pick(f)
			one := make([]float64, len(x))
			for i := range x {
				k(one[i:i+1], x[i:i+1])
			}
			for n := 0; n <= len(x); n++ {
				dst := make([]float64, n+1)
				dst[n] = 42
				k(dst[:n], x)
				inPlace := append([]float64(nil), x[:n]...)
				k(inPlace, inPlace)
				for i := range n {
					if !sameFloat(dst[i], one[i]) || !sameFloat(inPlace[i], one[i]) {
						t.Fatalf("%s/%s n=%d: element %d is %v (in place %v); alone %v",
							f.name, p.name, n, i, dst[i], inPlace[i], one[i])
					}
				}
				if dst[n] != 42 {
					t.Fatalf("%s/%s n=%d wrote past len(dst)", f.name, p.name, n)
				}
			}
		}
	}
}

// TestShortInputPanics checks that x shorter than dst is refused before
// anything is written, also where x's capacity would cover dst.
func TestShortInputPanics(t *testing.T) {
	for _, f := range functions {
		func() {
			dst := make([]float64, 5)
			defer func() {
				if r := recover(); r != errShort {
					t.Errorf("%s with len(x) < len(dst): recovered %v, want %q", f.name, r, errShort)
				}
				for _, v := range dst {
					if v != 0 {
						t.Errorf("%s wrote %v before refusing", f.name, dst)
						break
					}
				}
			}()
			f.public(dst, make([]float64, 4, 8))
		}()
	}
}

func TestNoAllocations(t *testing.T) {
	x := sweepInputs(4, 1000)
	dst := make([]float64, len(x))
	for _, f := range functions {
		if a := testing.AllocsPerRun(50, func() { f.public(dst, x) }); a != 0 {
			t.Errorf("%s allocates %v times per call", f.name, a)
		}
	}
}

// TestConcurrentUse runs the functions from several goroutines at once:
// the package holds no state, so the results must not differ.
func TestConcurrentUse(t *testing.T) {
	x := sweepInputs(5, 4096)
	want := make([][]float64, len(functions))
	for i, f := range functions {
		want[i] = make([]float64, len(x))
		f.public(want[i], x)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := make([]float64, len(x))
			for i, f := range functions {
				f.public(got, x)
				for j := range got {
					if !sameFloat(got[j], want[i][j]) {
						errs <- fmt.Errorf("%s(%v) = %v concurrently, %v alone", f.name, x[j], got[j], want[i][j])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
