package engine

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// optCase builds one optimizer configuration under test.
type optCase struct {
	name string
	new  func() (StatefulOptimizer, error)
	wd   float64 // the weight decay new sets, which moves a loss's optimum
}

// optCases covers every optimizer and each of its update paths (schedule,
// decay, clipping, momentum variants, weight decay).
func optCases() []optCase {
	return []optCase{
		{name: "adam", new: func() (StatefulOptimizer, error) { return NewAdam(AdamOptions{LR: 0.1}) }},
		{name: "adam/exponential", new: func() (StatefulOptimizer, error) {
			return NewAdam(AdamOptions{Schedule: ExponentialLR{Initial: 0.1, Gamma: 0.995}})
		}},
		{name: "adam/weight-decay", new: func() (StatefulOptimizer, error) { return NewAdam(AdamOptions{LR: 0.1, WeightDecay: 0.25}) }, wd: 0.25},
		{name: "clipped_adam/lrd", new: func() (StatefulOptimizer, error) {
			return NewClippedAdam(ClippedAdamOptions{LR: 0.1, LRD: 0.999, ClipNorm: 2})
		}},
		{name: "sgd", new: func() (StatefulOptimizer, error) { return NewSGD(SGDOptions{LR: 0.1}) }},
		{name: "sgd/momentum", new: func() (StatefulOptimizer, error) { return NewSGD(SGDOptions{LR: 0.05, Momentum: 0.9}) }},
		{name: "sgd/nesterov", new: func() (StatefulOptimizer, error) {
			return NewSGD(SGDOptions{LR: 0.05, Momentum: 0.9, Nesterov: true})
		}},
		{name: "sgd/step-schedule", new: func() (StatefulOptimizer, error) {
			return NewSGD(SGDOptions{Schedule: StepLR{Initial: 0.1, Gamma: 0.5, StepSize: 100}, Momentum: 0.5, Dampening: 0.1, WeightDecay: 0.5})
		}, wd: 0.5},
	}
}

func mustNew(t testing.TB, c optCase) StatefulOptimizer {
	t.Helper()
	o, err := c.new()
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	return o
}

// program is a compiled loss with its parameters and their gradients, and
// the live buffers an optimizer steps on.
type program struct {
	prog         *Program
	loss         *Node
	params       []*Node
	pbufs, gbufs [][]float64
}

func compileLoss(t testing.TB, g *Graph, loss *Node, params ...*Node) *program {
	t.Helper()
	grads := g.Grad(loss, params...)
	if err := g.Err(); err != nil {
		t.Fatalf("build: %v", err)
	}
	prog, err := g.Compile(append([]*Node{loss}, grads...))
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	p := &program{prog: prog, loss: loss, params: params}
	for i := range params {
		p.pbufs = append(p.pbufs, prog.Value(params[i]))
		p.gbufs = append(p.gbufs, prog.Value(grads[i]))
	}
	return p
}

// minimize runs the program and steps opt n times.
func (p *program) minimize(t testing.TB, opt Optimizer, n int) {
	t.Helper()
	for k := 0; k < n; k++ {
		if err := p.prog.Run(); err != nil {
			t.Fatalf("run %d: %v", k, err)
		}
		if err := opt.Step(p.pbufs, p.gbufs); err != nil {
			t.Fatalf("step %d: %v", k, err)
		}
	}
}

// bowl builds f = Σ a_i (x_i − c_i)² over a vector and a 2×2 matrix
// parameter, with curvatures 2a_i from 1 to 8. It returns the minimizer
// of f + (wd/2)·Σx_i², the point an optimizer with weight decay wd reaches:
// x_i = 2a_i·c_i / (2a_i + wd), which is c when wd = 0.
func bowl(t testing.TB, wd float64) (*program, [][]float64) {
	g := NewGraph()
	centres := [][]float64{{1, -2, 0.5}, {3, -1, 0.25, -0.75}}
	curv := [][]float64{{0.5, 1, 2}, {4, 3, 1.5, 0.75}}
	x := g.Param("x", []float64{-2, 2, 2}, 3)
	w := g.Param("w", []float64{-1, 1, 0, 1}, 2, 2)
	term := func(p *Node, a, c []float64) *Node {
		s := p.Shape()
		return g.Sum(g.Mul(g.Constant(a, s...), g.Square(g.Sub(p, g.Constant(c, s...)))))
	}
	loss := g.Add(term(x, curv[0], centres[0]), term(w, curv[1], centres[1]))
	xstar := make([][]float64, len(centres))
	for i := range centres {
		for j, c := range centres[i] {
			a2 := 2 * curv[i][j]
			xstar[i] = append(xstar[i], a2*c/(a2+wd))
		}
	}
	return compileLoss(t, g, loss, x, w), xstar
}

func maxAbsDiff(a, b [][]float64) float64 {
	d := 0.0
	for i := range a {
		for j := range a[i] {
			d = math.Max(d, math.Abs(a[i][j]-b[i][j]))
		}
	}
	return d
}

func TestOptimizersReachQuadraticOptimum(t *testing.T) {
	for _, c := range optCases() {
		t.Run(c.name, func(t *testing.T) {
			p, want := bowl(t, c.wd)
			opt := mustNew(t, c)
			p.minimize(t, opt, 2000)
			if d := maxAbsDiff(p.pbufs, want); !(d <= 1e-6) {
				t.Errorf("after 2000 steps max |x − x*| = %.3g > 1e-6; x = %v, x* = %v", d, p.pbufs, want)
			} else {
				t.Logf("max |x − x*| = %.2g", d)
			}
			if opt.StepCount() != 2000 {
				t.Errorf("StepCount = %d, want 2000", opt.StepCount())
			}
		})
	}
}

func TestAdamReachesRosenbrockMinimum(t *testing.T) {
	// f(x, y) = (1 − x)² + 100(y − x²)², minimum 0 at (1, 1), from (−1.5, 2).
	g := NewGraph()
	p := g.Param("xy", []float64{-1.5, 2}, 2)
	x, y := g.Slice(p, 0, 0, 1), g.Slice(p, 0, 1, 2)
	loss := g.Sum(g.Add(g.Square(g.AddScalar(g.Neg(x), 1)), g.Scale(g.Square(g.Sub(y, g.Square(x))), 100)))
	prog := compileLoss(t, g, loss, p)
	opt, err := NewAdam(AdamOptions{LR: 3e-3})
	if err != nil {
		t.Fatal(err)
	}
	prog.minimize(t, opt, 10000)
	xy := prog.pbufs[0]
	if d := math.Max(math.Abs(xy[0]-1), math.Abs(xy[1]-1)); !(d <= 1e-3) {
		t.Errorf("after 10000 steps (x, y) = %v, %.3g from (1, 1) > 1e-3", xy, d)
	} else {
		t.Logf("(x, y) − (1, 1) = (%.2g, %.2g)", xy[0]-1, xy[1]-1)
	}
}

func TestAdamFirstStepIsLRTimesSign(t *testing.T) {
	// Bias correction makes the first step lr·g/(|g| + ε): lr·sign(g) up to
	// lr·ε/|g| ≤ 1e-3·1e-8/100 = 1e-13 here, plus round-off of a few ulp.
	for _, lr := range []float64{1e-3, 0.25} {
		opt, err := NewAdam(AdamOptions{LR: lr})
		if err != nil {
			t.Fatal(err)
		}
		p0 := [][]float64{{0.5, -1, 3}, {2, 0, -7.25, 1e-3}}
		grads := [][]float64{{100, -250, 3e4}, {-1e6, 123.456, -100, 1e8}}
		params := [][]float64{slices.Clone(p0[0]), slices.Clone(p0[1])}
		if err := opt.Step(params, grads); err != nil {
			t.Fatal(err)
		}
		tol := lr * (1e-8/100 + 1e-12)
		for i := range params {
			for j := range params[i] {
				want := p0[i][j] - lr*math.Copysign(1, grads[i][j])
				if d := math.Abs(params[i][j] - want); !(d <= tol) {
					t.Errorf("lr %g: param %d[%d] = %.17g, want %.17g (|Δ| = %.3g)", lr, i, j, params[i][j], want, d)
				}
			}
		}
	}
}

func TestAdamSecondStepMatchesTextbook(t *testing.T) {
	// Two steps of Kingma & Ba's Adam, with ε after the bias-corrected √v̂
	// as PyTorch places it, computed here from m̂ and v̂ directly.
	const lr, b1, b2, eps, wd = 0.01, 0.8, 0.95, 1e-6, 0.5
	opt, err := NewAdam(AdamOptions{LR: lr, Beta1: b1, Beta2: b2, Eps: eps, WeightDecay: wd})
	if err != nil {
		t.Fatal(err)
	}
	p := []float64{0.25, -1.5}
	want := slices.Clone(p)
	m, v := make([]float64, 2), make([]float64, 2)
	for step, g := range [][]float64{{1, -0.1}, {3, 0.2}} {
		for j := range want {
			gj := g[j] + wd*want[j]
			m[j] = b1*m[j] + (1-b1)*gj
			v[j] = b2*v[j] + (1-b2)*gj*gj
			mhat := m[j] / (1 - math.Pow(b1, float64(step+1)))
			vhat := v[j] / (1 - math.Pow(b2, float64(step+1)))
			want[j] -= lr * mhat / (math.Sqrt(vhat) + eps)
		}
		if err := opt.Step([][]float64{p}, [][]float64{g}); err != nil {
			t.Fatal(err)
		}
		for j := range p {
			if d := math.Abs(p[j] - want[j]); !(d <= 1e-15) {
				t.Errorf("step %d: param[%d] = %.17g, want %.17g", step+1, j, p[j], want[j])
			}
		}
	}
}

func TestWeightDecayAddsToGradient(t *testing.T) {
	// Weight decay wd must act exactly like adding wd·param to the gradient
	// (for ClippedAdam, after clipping, so gradients stay inside ClipNorm).
	const wd = 0.125
	cases := []struct {
		name          string
		withWD, plain func() (Optimizer, error)
	}{
		{"adam",
			func() (Optimizer, error) { return NewAdam(AdamOptions{LR: 0.01, WeightDecay: wd}) },
			func() (Optimizer, error) { return NewAdam(AdamOptions{LR: 0.01}) }},
		{"clipped_adam",
			func() (Optimizer, error) {
				return NewClippedAdam(ClippedAdamOptions{LR: 0.01, WeightDecay: wd, LRD: 0.9})
			},
			func() (Optimizer, error) { return NewClippedAdam(ClippedAdamOptions{LR: 0.01, LRD: 0.9}) }},
		{"sgd/nesterov",
			func() (Optimizer, error) {
				return NewSGD(SGDOptions{LR: 0.01, Momentum: 0.9, Nesterov: true, WeightDecay: wd})
			},
			func() (Optimizer, error) { return NewSGD(SGDOptions{LR: 0.01, Momentum: 0.9, Nesterov: true}) }},
	}
	r := rand.New(rand.NewPCG(7, 11))
	for _, c := range cases {
		a, err := c.withWD()
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.plain()
		if err != nil {
			t.Fatal(err)
		}
		pa := []float64{1, -2, 0.5, 4}
		pb := slices.Clone(pa)
		g, gb := make([]float64, 4), make([]float64, 4)
		for step := 0; step < 5; step++ {
			for j := range g {
				g[j] = r.NormFloat64()
				gb[j] = g[j] + wd*pb[j]
			}
			if err := a.Step([][]float64{pa}, [][]float64{g}); err != nil {
				t.Fatal(err)
			}
			if err := b.Step([][]float64{pb}, [][]float64{gb}); err != nil {
				t.Fatal(err)
			}
			if !bitsEqual(pa, pb) {
				t.Fatalf("%s step %d: with weight decay %v, with decayed gradient %v", c.name, step+1, pa, pb)
			}
		}
	}
}

func TestClippedAdamClipsOneStep(t *testing.T) {
	// One step by hand. The gradient is clamped to [−2, 2] before weight
	// decay; the rate is already decayed once (Pyro decays before updating):
	//   ĝ = clamp(g) + wd·p,  m = (1−β₁)ĝ,  v = (1−β₂)ĝ²,
	//   Δ = LR·LRD · √(1−β₂)/(1−β₁) · m/(√v + ε) = LR·LRD·ĝ·√(1−β₂)/(√(1−β₂)|ĝ| + ε).
	const lr, lrd, clip, b1, b2, eps = 0.1, 0.5, 2, 0.8, 0.9, 1e-3
	for _, wd := range []float64{0, 0.5} {
		opt, err := NewClippedAdam(ClippedAdamOptions{LR: lr, LRD: lrd, ClipNorm: clip, Beta1: b1, Beta2: b2, Eps: eps, WeightDecay: wd})
		if err != nil {
			t.Fatal(err)
		}
		p0 := []float64{1, -1, 0.5, 2}
		g := []float64{5, -0.5, -3, 1e9}
		g0 := slices.Clone(g)
		p := slices.Clone(p0)
		if err := opt.Step([][]float64{p}, [][]float64{g}); err != nil {
			t.Fatal(err)
		}
		if !bitsEqual(g, g0) {
			t.Errorf("wd %g: Step modified the gradient buffer: %v", wd, g)
		}
		s := math.Sqrt(1 - b2)
		for j := range p {
			gh := math.Max(-clip, math.Min(clip, g0[j])) + wd*p0[j]
			want := p0[j] - lr*lrd*gh*s/(s*math.Abs(gh)+eps)
			if d := math.Abs(p[j] - want); !(d <= 1e-15) {
				t.Errorf("wd %g: param[%d] = %.17g, want %.17g", wd, j, p[j], want)
			}
		}
		if got := opt.LR(); got != lr*lrd {
			t.Errorf("wd %g: LR after one step = %v, want %v", wd, got, lr*lrd)
		}
	}
}

func TestClippedAdamSeesOnlyClippedGradients(t *testing.T) {
	// Gradients beyond ±ClipNorm must train exactly like the clamped ones.
	newOpt := func() *ClippedAdam {
		o, err := NewClippedAdam(ClippedAdamOptions{LR: 0.05, ClipNorm: 1.5, LRD: 0.99})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	a, b := newOpt(), newOpt()
	pa := []float64{0.3, -0.7, 1.1}
	pb := slices.Clone(pa)
	r := rand.New(rand.NewPCG(3, 5))
	g, gc := make([]float64, 3), make([]float64, 3)
	for step := 0; step < 10; step++ {
		for j := range g {
			g[j] = 4 * r.NormFloat64()
			gc[j] = math.Max(-1.5, math.Min(1.5, g[j]))
		}
		if err := a.Step([][]float64{pa}, [][]float64{g}); err != nil {
			t.Fatal(err)
		}
		if err := b.Step([][]float64{pb}, [][]float64{gc}); err != nil {
			t.Fatal(err)
		}
	}
	if !bitsEqual(pa, pb) {
		t.Errorf("raw gradients gave %v, clamped ones %v", pa, pb)
	}
}

func TestSGDMatchesReference(t *testing.T) {
	// PyTorch's SGD written out plainly. All inputs are dyadic rationals
	// with few bits, so every operation is exact and the comparison is ==.
	p0 := []float64{1, -2, 0.5}
	grads := [][]float64{{0.5, 1, -0.25}, {-1, 0.25, 0.75}, {0.125, -0.5, 1}}
	for _, o := range []SGDOptions{
		{LR: 0.25},
		{LR: 0.25, WeightDecay: 0.125},
		{LR: 0.25, Momentum: 0.5},
		{LR: 0.25, Momentum: 0.5, Dampening: 0.25, WeightDecay: 0.125},
		{LR: 0.25, Momentum: 0.5, Nesterov: true, WeightDecay: 0.125},
	} {
		opt, err := NewSGD(o)
		if err != nil {
			t.Fatal(err)
		}
		p := slices.Clone(p0)
		want := slices.Clone(p0)
		var buf []float64
		for step, g := range grads {
			if err := opt.Step([][]float64{p}, [][]float64{g}); err != nil {
				t.Fatal(err)
			}
			d := make([]float64, len(want))
			for j := range want {
				d[j] = g[j] + o.WeightDecay*want[j]
			}
			if o.Momentum != 0 {
				if buf == nil {
					buf = slices.Clone(d)
				} else {
					for j := range buf {
						buf[j] = o.Momentum*buf[j] + (1-o.Dampening)*d[j]
					}
				}
				for j := range d {
					if o.Nesterov {
						d[j] += o.Momentum * buf[j]
					} else {
						d[j] = buf[j]
					}
				}
			}
			for j := range want {
				want[j] -= o.LR * d[j]
			}
			if !slices.Equal(p, want) {
				t.Errorf("%+v step %d: got %v, want %v", o, step+1, p, want)
			}
		}
	}
}

func TestOptimizersFollowSchedule(t *testing.T) {
	// Plain SGD moves by exactly lr_t·g with dyadic numbers, so the rates
	// used can be read back from the parameter; the schedule must be asked
	// for steps 0, 1, 2, … in order.
	var asked []int
	sched := ScheduleFunc(func(step int) float64 {
		asked = append(asked, step)
		return math.Ldexp(1, -step-1) // 1/2, 1/4, 1/8, …
	})
	opt, err := NewSGD(SGDOptions{Schedule: sched})
	if err != nil {
		t.Fatal(err)
	}
	p := []float64{0}
	for step := 0; step < 6; step++ {
		before := p[0]
		if err := opt.Step([][]float64{p}, [][]float64{{-1}}); err != nil {
			t.Fatal(err)
		}
		if lr := p[0] - before; lr != math.Ldexp(1, -step-1) {
			t.Errorf("step %d used rate %v, want %v", step, lr, math.Ldexp(1, -step-1))
		}
	}
	if !slices.Equal(asked, []int{0, 1, 2, 3, 4, 5}) {
		t.Errorf("schedule asked for steps %v", asked)
	}
}

func TestStepRejectsBadScheduledRate(t *testing.T) {
	for _, bad := range []float64{-1, math.NaN(), math.Inf(1)} {
		sched := ScheduleFunc(func(step int) float64 {
			if step == 2 {
				return bad
			}
			return 0.1
		})
		adam, err := NewAdam(AdamOptions{Schedule: sched})
		if err != nil {
			t.Fatal(err)
		}
		sgd, err := NewSGD(SGDOptions{Schedule: sched, Momentum: 0.5})
		if err != nil {
			t.Fatal(err)
		}
		for _, opt := range []StatefulOptimizer{adam, sgd} {
			p := []float64{1, 2}
			g := []float64{0.5, -0.5}
			for k := 0; k < 2; k++ {
				if err := opt.Step([][]float64{p}, [][]float64{g}); err != nil {
					t.Fatal(err)
				}
			}
			before, st := slices.Clone(p), opt.State()
			err := opt.Step([][]float64{p}, [][]float64{g})
			if !errors.Is(err, ErrArgument) {
				t.Errorf("%T rate %v: err = %v, want ErrArgument", opt, bad, err)
			}
			if !bitsEqual(p, before) || !statesEqual(opt.State(), st) {
				t.Errorf("%T rate %v: a rejected step changed the parameters or state", opt, bad)
			}
		}
	}
}

func TestStepDoesNotAllocateAfterFirst(t *testing.T) {
	for _, c := range optCases() {
		opt := mustNew(t, c)
		r := rand.New(rand.NewPCG(1, 2))
		params, grads := randomBuffers(r, 10, 100), randomBuffers(r, 10, 100)
		if err := opt.Step(params, grads); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(100, func() {
			if err := opt.Step(params, grads); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per Step after the first, want 0", c.name, allocs)
		}
	}
}

func TestOptionsDefaults(t *testing.T) {
	a, err := NewAdam(AdamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := a.Options(), (AdamOptions{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}); got != want {
		t.Errorf("Adam defaults %+v, want %+v", got, want)
	}
	c, err := NewClippedAdam(ClippedAdamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Options(), (ClippedAdamOptions{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, ClipNorm: 10, LRD: 1}); got != want {
		t.Errorf("ClippedAdam defaults %+v, want %+v", got, want)
	}
	s, err := NewSGD(SGDOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Options(); got.LR != 1e-3 || got.Momentum != 0 || got.Dampening != 0 || got.Nesterov || got.WeightDecay != 0 {
		t.Errorf("SGD defaults %+v", got)
	}
	// A schedule stands in for LR, which then stays zero.
	sa, err := NewAdam(AdamOptions{Schedule: ConstantLR(0.5)})
	if err != nil {
		t.Fatal(err)
	}
	if sa.Options().LR != 0 {
		t.Errorf("Adam with a schedule got LR %v", sa.Options().LR)
	}
}

func TestOptionsRejectBadValues(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	type validator interface{ Validate() error }
	type badCase struct {
		name  string
		opts  validator
		build func() error
	}
	var cases []badCase
	adam := func(name string, o AdamOptions) {
		cases = append(cases, badCase{"adam/" + name, o, func() error { _, err := NewAdam(o); return err }})
	}
	clipped := func(name string, o ClippedAdamOptions) {
		cases = append(cases, badCase{"clipped_adam/" + name, o, func() error { _, err := NewClippedAdam(o); return err }})
	}
	sgd := func(name string, o SGDOptions) {
		cases = append(cases, badCase{"sgd/" + name, o, func() error { _, err := NewSGD(o); return err }})
	}
	adam("negative-lr", AdamOptions{LR: -1e-3})
	adam("nan-lr", AdamOptions{LR: nan})
	adam("inf-lr", AdamOptions{LR: inf})
	adam("beta1=1", AdamOptions{Beta1: 1})
	adam("beta1<0", AdamOptions{Beta1: -0.1})
	adam("beta2=1", AdamOptions{Beta2: 1})
	adam("beta2>1", AdamOptions{Beta2: 1.5})
	adam("nan-beta", AdamOptions{Beta2: nan})
	adam("negative-eps", AdamOptions{Eps: -1e-8})
	adam("nan-eps", AdamOptions{Eps: nan})
	adam("negative-weight-decay", AdamOptions{WeightDecay: -1})
	adam("lr-and-schedule", AdamOptions{LR: 0.1, Schedule: ConstantLR(0.1)})
	adam("negative-constant-schedule", AdamOptions{Schedule: ConstantLR(-0.1)})
	adam("negative-gamma", AdamOptions{Schedule: ExponentialLR{Initial: 0.1, Gamma: -0.5}})
	adam("zero-step-size", AdamOptions{Schedule: StepLR{Initial: 0.1, Gamma: 0.5}})
	clipped("negative-lr", ClippedAdamOptions{LR: -1})
	clipped("beta1=1", ClippedAdamOptions{Beta1: 1})
	clipped("negative-eps", ClippedAdamOptions{Eps: -1})
	clipped("negative-clip", ClippedAdamOptions{ClipNorm: -1})
	clipped("inf-clip", ClippedAdamOptions{ClipNorm: inf})
	clipped("negative-lrd", ClippedAdamOptions{LRD: -0.5})
	clipped("nan-lrd", ClippedAdamOptions{LRD: nan})
	sgd("negative-lr", SGDOptions{LR: -0.1})
	sgd("negative-momentum", SGDOptions{Momentum: -0.1})
	sgd("nan-dampening", SGDOptions{Momentum: 0.5, Dampening: nan})
	sgd("nesterov-without-momentum", SGDOptions{Nesterov: true})
	sgd("nesterov-with-dampening", SGDOptions{Momentum: 0.9, Dampening: 0.1, Nesterov: true})
	sgd("negative-weight-decay", SGDOptions{WeightDecay: -1})
	sgd("lr-and-schedule", SGDOptions{LR: 0.1, Schedule: StepLR{Initial: 0.1, Gamma: 0.5, StepSize: 10}})
	for _, c := range cases {
		if err := c.opts.Validate(); !errors.Is(err, ErrArgument) {
			t.Errorf("%s: Validate() = %v, want ErrArgument", c.name, err)
		}
		if err := c.build(); !errors.Is(err, ErrArgument) {
			t.Errorf("%s: constructor error = %v, want ErrArgument", c.name, err)
		}
	}
	for _, o := range []validator{AdamOptions{}, AdamOptions{Beta1: 0.5, Schedule: ExponentialLR{Initial: 1, Gamma: 0.9}},
		ClippedAdamOptions{LRD: 0.99}, SGDOptions{Momentum: 0.9, Nesterov: true}} {
		if err := o.Validate(); err != nil {
			t.Errorf("%+v: unexpected error %v", o, err)
		}
	}
}

func TestStepRejectsShapeMismatch(t *testing.T) {
	for _, c := range optCases() {
		opt := mustNew(t, c)
		params := [][]float64{{1, 2, 3}, {4, 5, 6, 7}}
		grads := [][]float64{{1, 1, 1}, {1, 1, 1, 1}}
		if err := opt.Step(params, grads); err != nil {
			t.Fatal(err)
		}
		bad := []struct {
			name          string
			params, grads [][]float64
		}{
			{"fewer-gradients", params, grads[:1]},
			{"gradient-length", params, [][]float64{{1, 1, 1}, {1, 1, 1}}},
			{"fewer-parameters", params[:1], grads[:1]},
			{"more-parameters", append(slices.Clone(params), []float64{0}), append(slices.Clone(grads), []float64{0})},
			{"parameter-length", [][]float64{{1, 2, 3}, {4, 5, 6}}, [][]float64{{1, 1, 1}, {1, 1, 1}}},
		}
		for _, b := range bad {
			before := [][]float64{slices.Clone(b.params[0]), nil}
			err := opt.Step(b.params, b.grads)
			if !errors.Is(err, ErrShape) {
				t.Errorf("%s/%s: err = %v, want ErrShape", c.name, b.name, err)
			}
			if !bitsEqual(b.params[0], before[0]) {
				t.Errorf("%s/%s: a rejected step changed parameter 0", c.name, b.name)
			}
		}
		if opt.StepCount() != 1 {
			t.Errorf("%s: StepCount = %d after rejected steps, want 1", c.name, opt.StepCount())
		}
	}
}

func TestStepRejectsNonFiniteGradient(t *testing.T) {
	for _, c := range optCases() {
		for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			opt := mustNew(t, c)
			params := [][]float64{{1, 2, 3}, {4, 5, 6, 7}}
			if err := opt.Step(params, [][]float64{{1, 1, 1}, {1, 1, 1, 1}}); err != nil {
				t.Fatal(err)
			}
			before := [][]float64{slices.Clone(params[0]), slices.Clone(params[1])}
			st := opt.State()
			err := opt.Step(params, [][]float64{{1, 1, 1}, {1, 1, bad, 1}})
			var ge *GradientNotFiniteError
			if !errors.As(err, &ge) || !errors.Is(err, ErrNotFinite) {
				t.Fatalf("%s %v: err = %v, want *GradientNotFiniteError", c.name, bad, err)
			}
			if ge.Param != 1 || ge.Index != 2 {
				t.Errorf("%s %v: error names parameter %d element %d, want 1 and 2", c.name, bad, ge.Param, ge.Index)
			}
			if !bitsEqual(params[0], before[0]) || !bitsEqual(params[1], before[1]) {
				t.Errorf("%s %v: parameters changed: %v", c.name, bad, params)
			}
			if !statesEqual(opt.State(), st) {
				t.Errorf("%s %v: state changed", c.name, bad)
			}
		}
	}
}

func TestStateRestoreReproducesNextStep(t *testing.T) {
	for _, c := range optCases() {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(42, 43))
			a := mustNew(t, c)
			params := randomBuffers(r, 3, 5)
			for k := 0; k < 7; k++ {
				if err := a.Step(params, randomBuffers(r, 3, 5)); err != nil {
					t.Fatal(err)
				}
			}
			// Through JSON, as a parameter store would save it.
			data, err := json.Marshal(a.State())
			if err != nil {
				t.Fatal(err)
			}
			var st OptimizerState
			if err := json.Unmarshal(data, &st); err != nil {
				t.Fatal(err)
			}
			b := mustNew(t, c)
			if err := b.SetState(st); err != nil {
				t.Fatal(err)
			}
			if b.StepCount() != 7 {
				t.Errorf("restored StepCount = %d, want 7", b.StepCount())
			}
			pb := [][]float64{slices.Clone(params[0]), slices.Clone(params[1]), slices.Clone(params[2])}
			for k := 0; k < 3; k++ {
				grads := randomBuffers(r, 3, 5)
				if err := a.Step(params, grads); err != nil {
					t.Fatal(err)
				}
				if err := b.Step(pb, grads); err != nil {
					t.Fatal(err)
				}
				for i := range params {
					if !bitsEqual(params[i], pb[i]) {
						t.Fatalf("step %d after restore: parameter %d is %v, original optimizer gave %v", k+1, i, pb[i], params[i])
					}
				}
			}
			if !statesEqual(a.State(), b.State()) {
				t.Errorf("states differ after stepping both")
			}
		})
	}
}

func TestStateIsACopy(t *testing.T) {
	for _, c := range optCases() {
		opt := mustNew(t, c)
		params := [][]float64{{1, 2}}
		if err := opt.Step(params, [][]float64{{0.5, -0.5}}); err != nil {
			t.Fatal(err)
		}
		st := opt.State()
		snap, _ := json.Marshal(st)
		if err := opt.Step(params, [][]float64{{0.25, 1}}); err != nil {
			t.Fatal(err)
		}
		if again, _ := json.Marshal(st); string(again) != string(snap) {
			t.Errorf("%s: a later Step changed an earlier snapshot", c.name)
		}
		// Restoring and then scribbling on the snapshot must not reach the optimizer.
		if err := opt.SetState(st); err != nil {
			t.Fatal(err)
		}
		for _, b := range append(st.First, st.Second...) {
			for j := range b {
				b[j] = 1e300
			}
		}
		if got, _ := json.Marshal(opt.State()); string(got) != string(snap) {
			t.Errorf("%s: SetState kept a reference to the caller's buffers", c.name)
		}
	}
}

func TestResetStartsAfresh(t *testing.T) {
	for _, c := range optCases() {
		opt := mustNew(t, c)
		for k := 0; k < 3; k++ {
			if err := opt.Step([][]float64{{1, 2, 3}}, [][]float64{{1, -1, 2}}); err != nil {
				t.Fatal(err)
			}
		}
		opt.Reset()
		if opt.StepCount() != 0 {
			t.Errorf("%s: StepCount after Reset = %d", c.name, opt.StepCount())
		}
		// New sizes are allowed, and the step equals a fresh optimizer's.
		p, g := [][]float64{{0.5}, {1, 2}}, [][]float64{{3}, {-1, 0.25}}
		fresh := mustNew(t, c)
		pf := [][]float64{slices.Clone(p[0]), slices.Clone(p[1])}
		if err := opt.Step(p, g); err != nil {
			t.Fatalf("%s: step after Reset: %v", c.name, err)
		}
		if err := fresh.Step(pf, g); err != nil {
			t.Fatal(err)
		}
		if !bitsEqual(p[0], pf[0]) || !bitsEqual(p[1], pf[1]) {
			t.Errorf("%s: first step after Reset gave %v, a new optimizer %v", c.name, p, pf)
		}
	}
}

func TestSetStateRejectsForeignState(t *testing.T) {
	adam, _ := NewAdam(AdamOptions{})
	sgdM, _ := NewSGD(SGDOptions{Momentum: 0.9})
	sgd, _ := NewSGD(SGDOptions{})
	clipped, _ := NewClippedAdam(ClippedAdamOptions{})
	p := [][]float64{{1, 2}}
	for _, o := range []StatefulOptimizer{adam, sgdM, clipped} {
		if err := o.Step(p, [][]float64{{1, 1}}); err != nil {
			t.Fatal(err)
		}
	}
	good := adam.State()
	mutate := func(f func(*OptimizerState)) OptimizerState {
		s := adam.State()
		f(&s)
		return s
	}
	cases := []struct {
		name string
		opt  StatefulOptimizer
		st   OptimizerState
	}{
		{"adam-into-sgd", sgdM, good},
		{"sgd-into-adam", adam, sgdM.State()},
		{"momentum-into-plain-sgd", sgd, sgdM.State()},
		{"negative-steps", adam, mutate(func(s *OptimizerState) { s.Steps = -1 })},
		{"missing-second-moment", adam, mutate(func(s *OptimizerState) { s.Second = nil })},
		{"wrong-buffer-length", adam, mutate(func(s *OptimizerState) { s.First[0] = s.First[0][:1] })},
		{"sizes-disagree", adam, mutate(func(s *OptimizerState) { s.Sizes = []int{2, 2} })},
		{"negative-second-moment", adam, mutate(func(s *OptimizerState) { s.Second[0][1] = -1 })},
		{"nan-moment", adam, mutate(func(s *OptimizerState) { s.First[0][0] = math.NaN() })},
		{"buffers-without-steps", adam, mutate(func(s *OptimizerState) { s.Steps = 0 })},
		{"clipped-nan-lr", clipped, func() OptimizerState { s := clipped.State(); s.LR = math.NaN(); return s }()},
	}
	for _, c := range cases {
		before := c.opt.State()
		if err := c.opt.SetState(c.st); !errors.Is(err, ErrArgument) {
			t.Errorf("%s: err = %v, want ErrArgument", c.name, err)
		}
		if !statesEqual(c.opt.State(), before) {
			t.Errorf("%s: a rejected SetState changed the state", c.name)
		}
	}
	// An empty state is a Reset.
	if err := adam.SetState(OptimizerState{Optimizer: "adam"}); err != nil || adam.StepCount() != 0 {
		t.Errorf("empty state: err %v, StepCount %d", err, adam.StepCount())
	}
}

func randomBuffers(r *rand.Rand, n, size int) [][]float64 {
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, size)
		for j := range out[i] {
			out[i][j] = r.NormFloat64()
		}
	}
	return out
}

func bitsEqual(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
}

func statesEqual(a, b OptimizerState) bool {
	eq := func(x, y [][]float64) bool {
		return slices.EqualFunc(x, y, func(u, v []float64) bool { return bitsEqual(u, v) })
	}
	return a.Optimizer == b.Optimizer && a.Steps == b.Steps && math.Float64bits(a.LR) == math.Float64bits(b.LR) &&
		slices.Equal(a.Sizes, b.Sizes) && eq(a.First, b.First) && eq(a.Second, b.Second)
}

// BenchmarkOptimizerStep times one step of each optimizer on ten
// parameters of 100 elements after the first step has allocated the state;
// every step after that must allocate nothing.
func BenchmarkOptimizerStep(b *testing.B) {
	cases := []struct {
		name string
		make func() (Optimizer, error)
	}{
		{"adam", func() (Optimizer, error) { return NewAdam(AdamOptions{}) }},
		{"clipped_adam", func() (Optimizer, error) { return NewClippedAdam(ClippedAdamOptions{}) }},
		{"sgd_momentum", func() (Optimizer, error) { return NewSGD(SGDOptions{Momentum: 0.9, WeightDecay: 1e-4}) }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			params, grads := randomBuffers(r, 10, 100), randomBuffers(r, 10, 100)
			opt, err := c.make()
			if err != nil {
				b.Fatal(err)
			}
			if err := opt.Step(params, grads); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := opt.Step(params, grads); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
