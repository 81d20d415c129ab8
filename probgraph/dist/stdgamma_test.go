package dist

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"gonum.org/v1/gonum/mathext"

	"github.com/ignis-ppl/ignis/engine"
)

type dzdaPoint struct {
	Alpha, Q, Z, Dzda float64
}

// loadDzDa reads the 60-digit reference values written by
// scripts/reference/stdgamma_grad_reference.py.
func loadDzDa(t *testing.T) []dzdaPoint {
	t.Helper()
	b, err := os.ReadFile("testdata/stdgamma_grad.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Points []dzdaPoint }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Points) < 100 {
		t.Fatalf("only %d reference points", len(doc.Points))
	}
	return doc.Points
}

// The series and the continued fraction sum terms of one sign, so their
// error is round-off that grows with the number of terms (O(√a) near the
// mode): below 5e-13 up to a = 1e3, below 1e-11 for the ~10⁵ terms of the
// far tails at a = 1e9. The numerical derivative near the mode for larger a
// stays below 5e-13.
func TestStdGammaDzDaMatchesHighPrecision(t *testing.T) {
	worstSmall, worstLarge := 0.0, 0.0
	for _, p := range loadDzDa(t) {
		got := stdGammaDzDa(p.Alpha, p.Z)
		rel := math.Abs(got-p.Dzda) / p.Dzda
		tol := 5e-13
		if p.Alpha > dzdaLargeA {
			tol = 1e-11
			worstLarge = math.Max(worstLarge, rel)
		} else {
			worstSmall = math.Max(worstSmall, rel)
		}
		if !(rel <= tol) {
			t.Errorf("α=%g, z=%.17g (quantile %g): dz/dα = %.17g, want %.17g (relative error %.2g > %g)",
				p.Alpha, p.Z, p.Q, got, p.Dzda, rel, tol)
		}
	}
	t.Logf("worst relative error: %.2g for α ≤ %g, %.2g above", worstSmall, dzdaLargeA, worstLarge)
}

// Holding the CDF value u = P(α, z) of a draw fixed, dz/dα is the derivative
// of the quantile function in α: compare with a central difference of the
// quantile function, solved
// by Newton's method in log z on gonum's P, which is accurate to about 1e-15
// relative where these draws fall. The step is 1e-4 of the scale on which
// log z changes (α, or z/(dz/dα) for small α where draws are tiny), so the
// truncation error is about 2e-9 relative.
func TestStdGammaDzDaMatchesQuantileDifference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 7))
	checked := 0
	for _, a := range []float64{0.05, 0.5, 1, 3, 25, 400} {
		for range 20 {
			z := stdGammaDraw(r, a)
			u := mathext.GammaIncReg(a, z)
			if u < 1e-300 || u > 0.5 {
				// Far left: P underflows. Right half: 1 − P loses the digits
				// this difference needs; the reference values cover it.
				continue
			}
			got := stdGammaDzDa(a, z)
			h := 1e-4 * math.Min(a, z/got)
			fd := (gammaQuantile(a+h, u, z) - gammaQuantile(a-h, u, z)) / (2 * h)
			if rel := math.Abs(got-fd) / fd; !(rel < 1e-8) {
				t.Errorf("α=%g, z=%g: dz/dα = %.12g, quantile difference %.12g (relative %.2g)", a, z, got, fd, rel)
			}
			checked++
		}
	}
	if checked < 50 {
		t.Errorf("only %d draws checked", checked)
	}
}

// gammaQuantile solves P(a, z) = u for z by Newton's method in log z from z0.
func gammaQuantile(a, u, z0 float64) float64 {
	lz := math.Log(z0)
	for range 50 {
		z := math.Exp(lz)
		lg, _ := math.Lgamma(a)
		// d P / d log z = z f(z) = exp(a log z − z − lgamma(a))
		step := (mathext.GammaIncReg(a, z) - u) / math.Exp(a*lz-z-lg)
		lz -= step
		if math.Abs(step) < 1e-15 {
			break
		}
	}
	return math.Exp(lz)
}

// At the switches between methods both sides must agree. Above a = 1e3 the
// numerical derivative is the accurate one near the mode (5e-13 against the
// reference values); the series and the continued fraction accumulate
// round-off over their O(√a) terms, about 3e-11 at a = 3e7.
func TestStdGammaDzDaMethodsAgreeAtSwitches(t *testing.T) {
	for _, a := range []float64{2e3, 2e5, 3e7} {
		for _, e := range []float64{-3.9, -1, -0.01, 0.5, 2, 3.9} {
			z := a + e*math.Sqrt(a)
			var direct float64
			if math.Log(z) < engine.Digamma(a+1) {
				direct = dzdaSeries(a, z)
			} else {
				direct = dzdaFraction(a, z)
			}
			if rel := math.Abs(dzdaNearMode(a, z)/direct - 1); rel > 5e-11 {
				t.Errorf("α=%g, z=α%+g√α: near-mode difference %.17g, series/fraction %.17g (relative %.2g)",
					a, e, dzdaNearMode(a, z), direct, rel)
			}
		}
	}
	a := dzdaHugeA
	for _, e := range []float64{-3.9, -1, 0, 1, 3.9} {
		z := a + e*math.Sqrt(a)
		below := dzdaNearMode(a, z)
		above := stdGammaDzDa(math.Nextafter(a, math.Inf(1)), z)
		if rel := math.Abs(above/below - 1); rel > 1e-12 {
			t.Errorf("α=%g, z=α%+g√α: asymptotic %.17g, near-mode difference %.17g (relative %.2g)", a, e, above, below, rel)
		}
	}
}

func TestStdGammaDzDaEdgeValues(t *testing.T) {
	for _, c := range []struct{ a, z, want float64 }{
		{-1, 1, math.NaN()}, {0, 1, math.NaN()}, {math.NaN(), 1, math.NaN()}, {1, math.NaN(), math.NaN()},
		{2, 0, 0}, {2, math.Inf(1), math.Inf(1)},
	} {
		got := stdGammaDzDa(c.a, c.z)
		if !(got == c.want || math.IsNaN(got) && math.IsNaN(c.want)) {
			t.Errorf("dz/dα(%v, %v) = %v, want %v", c.a, c.z, got, c.want)
		}
	}
	// A draw clamped to the smallest normal number still has a finite, tiny gradient.
	if v := stdGammaDzDa(1e-3, gammaTiny); !(v >= 0 && v < 1e-300) {
		t.Errorf("dz/dα(1e-3, tiny) = %v", v)
	}
}

func TestStdGammaDrawEdgeValues(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	if v := stdGammaDraw(r, 0); !math.IsNaN(v) {
		t.Errorf("draw with α = 0: %v, want NaN", v)
	}
	if v := stdGammaDraw(r, math.NaN()); !math.IsNaN(v) {
		t.Errorf("draw with α = NaN: %v, want NaN", v)
	}
	if v := stdGammaDraw(r, math.Inf(1)); !math.IsInf(v, 1) {
		t.Errorf("draw with α = +Inf: %v, want +Inf", v)
	}
	// Gamma(1e-3) draws underflow most of the time; they stop at the smallest normal.
	for range 100 {
		if v := stdGammaDraw(r, 1e-3); !(v >= gammaTiny) {
			t.Fatalf("draw with α = 1e-3: %v below the clamp", v)
		}
	}
}

// The noise input is the only randomness: the same seed gives the same
// draws in a new program, replaying redraws nothing, and another seed gives
// other draws.
func TestStdGammaSameNoiseSameDraws(t *testing.T) {
	run := func(seed uint64, replay bool) []float64 {
		g := engine.NewGraph()
		x := Gamma(g.Constant([]float64{0.4, 3}, 2), g.Scalar(1)).Sample(50)
		prog, err := g.Compile([]*engine.Node{x}, engine.WithSeed(seed))
		if err != nil {
			t.Fatal(err)
		}
		if err := prog.Run(); err != nil {
			t.Fatal(err)
		}
		if replay {
			if err := prog.Replay(); err != nil {
				t.Fatal(err)
			}
		}
		return append([]float64(nil), prog.Value(x)...)
	}
	a, b, c := run(3, false), run(3, true), run(4, false)
	same := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("draw %d: %v, then %v with the same noise", i, a[i], b[i])
		}
		if a[i] == c[i] {
			same++
		}
	}
	if same > 0 {
		t.Errorf("%d of %d draws equal under another seed", same, len(a))
	}
}

func TestStdGammaKernelsDoNotAllocate(t *testing.T) {
	shape := engine.Shape{64}
	spec := engine.KernelSpec{In: []engine.Shape{shape, shape}, Out: shape, Device: engine.CPU()}
	alpha, noise, out := make([]float64, 64), make([]float64, 64), make([]float64, 64)
	for i := range alpha {
		alpha[i] = 0.1 + float64(i)
		noise[i] = (float64(i) + 0.5) / 64
	}
	draw, err := stdGammaOp{}.Kernel(spec)
	if err != nil {
		t.Fatal(err)
	}
	grad, err := stdGammaGradOp{}.Kernel(spec)
	if err != nil {
		t.Fatal(err)
	}
	drawIn := [][]float64{alpha, noise}
	if n := testing.AllocsPerRun(20, func() { _ = draw.Run(out, drawIn) }); n != 0 {
		t.Errorf("std_gamma kernel: %v allocations per run", n)
	}
	z := append([]float64(nil), out...)
	gradIn := [][]float64{alpha, z}
	if n := testing.AllocsPerRun(20, func() { _ = grad.Run(out, gradIn) }); n != 0 {
		t.Errorf("std_gamma_grad kernel: %v allocations per run", n)
	}
}

func TestStdGammaOpRejectsMismatchedShapes(t *testing.T) {
	g := engine.NewGraph()
	g.Apply(stdGammaOp{}, g.Fill(1, 3), g.Noise(engine.Uniform01, 4))
	if err := g.Err(); !errors.Is(err, engine.ErrShape) {
		t.Errorf("std_gamma of shapes [3] and [4]: error %v, want one wrapping engine.ErrShape", err)
	}
}

// Standard Gamma draws for concentrations on both sides of the boost at 1
// and far above it.
func TestStdGammaSampleMoments(t *testing.T) {
	alpha := []float64{0.02, 0.3, 0.999, 1, 2.5, 40, 2e4}
	checkMoments(t, func(g *engine.Graph) Distribution {
		return Gamma(g.Constant(alpha, len(alpha)), g.Scalar(1))
	}, alpha, alpha)
}
