package gp

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// testData draws points x [n, d] uniform on [0, 3) and targets y [b, n].
func testData(seed uint64, b, n, d int) (x, y []float64) {
	r := rand.New(rand.NewPCG(seed, 1))
	x = make([]float64, n*d)
	for i := range x {
		x[i] = 3 * r.Float64()
	}
	y = make([]float64, b*n)
	for i := range y {
		y[i] = r.NormFloat64()
	}
	return x, y
}

// hyperGraph builds an RBF prior with a constant mean whose hyperparameters
// are parameters of g, for b members and d dimensions.
func hyperGraph(g *engine.Graph, b, d int) (Prior, []*engine.Node) {
	ls := make([]float64, b*d)
	v, nz, c := make([]float64, b), make([]float64, b), make([]float64, b)
	for i := range ls {
		ls[i] = 0.6 + 0.3*float64(i%5)
	}
	for i := range v {
		v[i], nz[i], c[i] = 1+0.5*float64(i), 0.1+0.05*float64(i), 0.2*float64(i)-0.3
	}
	pl, pv, pn, pc := g.Param("ls", ls, b, d), g.Param("var", v, b), g.Param("noise", nz, b), g.Param("c", c, b)
	return Prior{Kernel: RBF{Lengthscale: pl, Variance: pv}, Mean: ConstantMean{C: pc}, Noise: pn},
		[]*engine.Node{pl, pv, pn, pc}
}

// TestMLLGradientMatchesGeneralCholeskyPath checks the fused gradient of the
// marginal likelihood (½(ααᵀ − K⁻¹) through the kernel) against the same
// log-density written as a MultivariateNormal over the engine's Cholesky op,
// whose backward is the general one; both are exact float64 formulas, so they
// agree to round-off amplified by the condition number (< 1e4 here): 1e-9.
// At n = 200 the factor and K⁻¹ come from ignis's blocked kernels (on
// processors with AVX2 and FMA) and the general path from triangular solves.
func TestMLLGradientMatchesGeneralCholeskyPath(t *testing.T) {
	for _, n := range []int{30, 200} {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) { mllMatchesGeneral(t, 3, n, 2) })
	}
}

func mllMatchesGeneral(t *testing.T, b, n, d int) {
	xv, yv := testData(1, b, n, d)
	g := engine.NewGraph()
	x, y := g.Constant(xv, n, d), g.Constant(yv, b, n)
	p, params := hyperGraph(g, b, d)
	mll := MarginalLogLikelihood(g, p, x, y)
	fused := g.Grad(g.Sum(mll.Value), params...)

	cov, res, _, _ := noisyCov(g, p, x, y)
	mvn := dist.MultivariateNormal(g.ZerosLike(res), g.Cholesky(cov))
	lp := mvn.LogProb(res)
	general := g.Grad(g.Sum(lp), params...)

	outs := append([]*engine.Node{mll.Value, lp}, append(fused, general...)...)
	prog, err := g.Compile(outs)
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	for i, v := range prog.Value(mll.Value) {
		if e := relErr(v, prog.Value(lp)[i]); e > 1e-12 {
			t.Errorf("mll[%d] = %v, MVN log-density %v", i, v, prog.Value(lp)[i])
		}
	}
	for k := range params {
		f, gen := prog.Value(fused[k]), prog.Value(general[k])
		for i := range f {
			if math.Abs(f[i]-gen[i]) > 1e-9*(1+math.Abs(gen[i])) {
				t.Errorf("%s gradient[%d]: fused %.12g, general %.12g", params[k].Name(), i, f[i], gen[i])
			}
		}
	}
}

// TestMLLGradientFiniteDifferences checks the fused gradient against central
// differences with step h = 1e-5: truncation error O(h²)·|f”'| ≈ 1e-9 and
// round-off ε|f|/h ≈ 1e-10 for |f| ≈ 50, so 1e-6 relative is a safe bound.
func TestMLLGradientFiniteDifferences(t *testing.T) {
	const b, n, d = 2, 15, 3
	xv, _ := testData(2, 1, b*n, d) // batched points [b, n, d]
	_, yv := testData(3, b, n, d)
	for _, mk := range []func(ls, v *engine.Node) Kernel{
		func(ls, v *engine.Node) Kernel { return Matern{Nu: 1.5, Lengthscale: ls, Variance: v} },
		func(ls, v *engine.Node) Kernel { return Matern{Nu: 2.5, Lengthscale: ls, Variance: v} },
		func(ls, v *engine.Node) Kernel {
			return Sum{Periodic{Lengthscale: ls, Period: ls, Variance: v}, Scale{Base: Linear{}, Outputscale: v}}
		},
		func(ls, v *engine.Node) Kernel {
			return Product{RBF{Lengthscale: ls}, Matern{Nu: 0.5, Lengthscale: ls, Variance: v}}
		},
	} {
		g := engine.NewGraph()
		x, y := g.Constant(xv, b, n, d), g.Constant(yv, b, n)
		p, params := hyperGraph(g, b, d)
		p.Kernel = mk(params[0], params[1])
		loss := g.Sum(MarginalLogLikelihood(g, p, x, y).Value)
		grads := g.Grad(loss, params...)
		prog, err := g.Compile(append([]*engine.Node{loss}, grads...))
		if err != nil {
			t.Fatal(err)
		}
		if err := prog.Run(); err != nil {
			t.Fatal(err)
		}
		wants := make([][]float64, len(params)) // before any perturbation
		for k := range params {
			wants[k] = append([]float64(nil), prog.Value(grads[k])...)
		}
		for k, pn := range params {
			want := wants[k]
			pv := prog.Value(pn)
			for i := range pv {
				const h = 1e-5
				old := pv[i]
				pv[i] = old + h
				_ = prog.Run()
				up := prog.Scalar(loss)
				pv[i] = old - h
				_ = prog.Run()
				down := prog.Scalar(loss)
				pv[i] = old
				fd := (up - down) / (2 * h)
				if math.Abs(fd-want[i]) > 1e-6*(1+math.Abs(fd)) {
					t.Errorf("%T: %s[%d]: gradient %.10g, finite difference %.10g", p.Kernel, pn.Name(), i, want[i], fd)
				}
			}
		}
	}
}

// TestBatchedEqualsSingle checks that a member of a batch of GPs has the
// marginal likelihood and gradient of the same GP built alone: the batched
// ops compute members independently.
func TestBatchedEqualsSingle(t *testing.T) {
	const b, n, d = 4, 40, 3
	xv, yv := testData(3, b, n, d)
	g := engine.NewGraph()
	p, params := hyperGraph(g, b, d)
	mll := MarginalLogLikelihood(g, p, g.Constant(xv, n, d), g.Constant(yv, b, n))
	grads := g.Grad(g.Sum(mll.Value), params...)
	prog, err := g.Compile(append([]*engine.Node{mll.Value}, grads...))
	if err != nil {
		t.Fatal(err)
	}
	if err := prog.Run(); err != nil {
		t.Fatal(err)
	}
	for m := range b {
		gs := engine.NewGraph()
		ps, sp := hyperGraph(gs, b, d)
		// Keep only member m of each hyperparameter.
		for k, pn := range sp {
			v, _ := pn.InitValue()
			per := len(v) / b
			sp[k] = gs.Param(pn.Name()+"1", v[m*per:(m+1)*per], append([]int{1}, pn.Shape()[1:]...)...)
		}
		ps = Prior{Kernel: RBF{Lengthscale: sp[0], Variance: sp[1]}, Mean: ConstantMean{C: sp[3]}, Noise: sp[2]}
		ms := MarginalLogLikelihood(gs, ps, gs.Constant(xv, n, d), gs.Constant(yv[m*n:(m+1)*n], 1, n))
		gg := gs.Grad(gs.Sum(ms.Value), sp...)
		ps2, err := gs.Compile(append([]*engine.Node{ms.Value}, gg...))
		if err != nil {
			t.Fatal(err)
		}
		if err := ps2.Run(); err != nil {
			t.Fatal(err)
		}
		if got, want := prog.Value(mll.Value)[m], ps2.Scalar(ms.Value); math.Abs(got-want) > 1e-12*math.Abs(want) {
			t.Errorf("member %d: batched mll %.15g, alone %.15g", m, got, want)
		}
		for k := range sp {
			per := len(prog.Value(grads[k])) / b
			for i, want := range ps2.Value(gg[k]) {
				if got := prog.Value(grads[k])[m*per+i]; math.Abs(got-want) > 1e-12*(1+math.Abs(want)) {
					t.Errorf("member %d: gradient of %s[%d]: batched %.15g, alone %.15g", m, sp[k].Name(), i, got, want)
				}
			}
		}
	}
}

// duplicatedProblem is three GPs on 1-D points where member 1's points are
// ten copies of three values, with zero noise: its covariance is singular
// (rank 3) and not positive definite in floating point. Members 0 and 2 have
// distinct points and noise.
func duplicatedProblem(g *engine.Graph) (Prior, *engine.Node, *engine.Node) {
	const b, n = 3, 30
	xv := make([]float64, b*n)
	for m := range b {
		for i := range n {
			xv[m*n+i] = float64(i) / n
			if m == 1 {
				xv[m*n+i] = float64(i%3) / 3
			}
		}
	}
	yv := make([]float64, b*n)
	for i := range yv {
		yv[i] = math.Sin(float64(i))
	}
	p := Prior{
		Kernel: RBF{Lengthscale: g.Constant([]float64{0.3, 0.3, 0.3}, b, 1), Variance: g.Constant([]float64{1, 1, 1}, b)},
		Noise:  g.Constant([]float64{0.1, 0, 0.1}, b),
	}
	return p, g.Constant(xv, b, n, 1), g.Constant(yv, b, n)
}

// TestJitterPolicyRecovers checks that the default policy factors the
// singular member after adding jitter, leaves the others at zero jitter, and
// never exceeds its bound.
func TestJitterPolicyRecovers(t *testing.T) {
	g := engine.NewGraph()
	p, x, y := duplicatedProblem(g)
	mll := MarginalLogLikelihood(g, p, x, y)
	prog, err := g.Compile([]*engine.Node{mll.Value})
	if err != nil {
		t.Fatal(err)
	}
	var npd *engine.NotPositiveDefiniteError
	if err := prog.Run(); !errors.As(err, &npd) || npd.Batch != 1 {
		t.Fatalf("without jitter: %v, want the engine's not-positive-definite error for member 1", err)
	}
	pol := JitterPolicy{}
	if err := pol.Run(prog, mll.Jitter); err != nil {
		t.Fatal(err)
	}
	j := prog.Value(mll.Jitter)
	if j[0] != 0 || j[2] != 0 || !(j[1] > 0 && j[1] <= pol.Bound()) {
		t.Errorf("jitter %v: want 0 for members 0 and 2 and (0, %g] for member 1", j, pol.Bound())
	}
	for _, v := range prog.Value(mll.Value) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("mll %v after jitter", prog.Value(mll.Value))
		}
	}
}

// TestJitterPolicyGivesUp checks the typed error: with jitters far below the
// round-off of a unit-variance kernel (1e-30, 1e-29), member 1 stays not
// positive definite, and the error names it and the largest jitter tried,
// which is the policy's bound.
func TestJitterPolicyGivesUp(t *testing.T) {
	g := engine.NewGraph()
	p, x, y := duplicatedProblem(g)
	mll := MarginalLogLikelihood(g, p, x, y)
	prog, err := g.Compile([]*engine.Node{mll.Value})
	if err != nil {
		t.Fatal(err)
	}
	pol := JitterPolicy{Initial: 1e-30, Factor: 10, MaxTries: 2}
	err = pol.Run(prog, mll.Jitter)
	var e *NotPositiveDefiniteError
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want *gp.NotPositiveDefiniteError", err)
	}
	if e.Batch != 1 || e.Tries != 2 || relErr(e.Jitter, pol.Bound()) > 1e-15 {
		t.Errorf("error %+v: want member 1, 2 tries, jitter %g", e, pol.Bound())
	}
	for i, v := range prog.Value(mll.Jitter) {
		if v > pol.Bound() {
			t.Errorf("jitter[%d] = %g exceeds the bound %g", i, v, pol.Bound())
		}
	}
	var npd *engine.NotPositiveDefiniteError
	if !errors.As(err, &npd) {
		t.Errorf("the error does not wrap the engine's: %v", err)
	}
	if err := (JitterPolicy{MaxTries: -1}).Run(prog, mll.Jitter); !errors.As(err, &e) || e.Tries != 0 || e.Jitter != 0 {
		t.Errorf("no retries: got %v", err)
	}
}

func TestJitterPolicyValidate(t *testing.T) {
	for _, p := range []JitterPolicy{{Initial: -1}, {Factor: 0.5}, {Initial: math.Inf(1)}, {Factor: math.NaN()}} {
		if err := p.WithDefaults().Validate(); !errors.Is(err, ErrOptions) {
			t.Errorf("%+v: got %v, want ErrOptions", p, err)
		}
	}
	if b := (JitterPolicy{}).Bound(); relErr(b, 1e-4) > 1e-15 {
		t.Errorf("default bound %g, want 1e-4", b)
	}
}

// TestUnbatchedGP checks a GP with no batch dimensions at all (x [N, D],
// y [N], scalar hyperparameters) against member 0 of a batch of one: the
// same numbers, to round-off.
func TestUnbatchedGP(t *testing.T) {
	const n, d = 12, 2
	xv, yv := testData(9, 1, n, d)
	run := func(batched bool) float64 {
		g := engine.NewGraph()
		shape := func(s ...int) []int {
			if batched {
				return append([]int{1}, s...)
			}
			return s
		}
		p := Prior{
			Kernel: Matern{Nu: 2.5, Lengthscale: g.Constant([]float64{0.8, 1.4}, shape(d)...), Variance: g.Constant([]float64{1.3}, shape()...)},
			Mean:   ConstantMean{C: g.Constant([]float64{0.2}, shape()...)},
			Noise:  g.Constant([]float64{0.2}, shape()...),
		}
		mll := MarginalLogLikelihood(g, p, g.Constant(xv, n, d), g.Constant(yv, shape(n)...))
		prog, err := g.Compile([]*engine.Node{mll.Value})
		if err != nil {
			t.Fatal(err)
		}
		if err := (JitterPolicy{}).Run(prog, mll.Jitter); err != nil {
			t.Fatal(err)
		}
		if want := shape(); !mll.Value.Shape().Equal(want) {
			t.Fatalf("mll shape %v, want %v", mll.Value.Shape(), want)
		}
		return prog.Scalar(mll.Value)
	}
	if a, b := run(false), run(true); relErr(a, b) > 1e-14 {
		t.Errorf("unbatched %.15g, batch of one %.15g", a, b)
	}
}
