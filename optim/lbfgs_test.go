package optim_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/optim"
)

func rosenbrock(x, grad []float64) (float64, error) {
	a, b := 1-x[0], x[1]-x[0]*x[0]
	grad[0], grad[1] = -2*a-400*x[0]*b, 200*b
	return a*a + 100*b*b, nil
}

// TestMinimizeRosenbrock checks that L-BFGS reaches the minimum (1, 1) of
// Rosenbrock's function from the classic start, stopping on the gradient
// rule: at |∇f|∞ < 1e-8 and curvature ~1e3, x is within ~1e-8 of it.
func TestMinimizeRosenbrock(t *testing.T) {
	r, err := optim.Minimize(context.Background(), []float64{-1.2, 1}, rosenbrock, optim.Stop{GradTol: 1e-8, RelTol: 1e-300, Patience: 50})
	if err != nil {
		t.Fatal(err)
	}
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if math.Abs(r.X[0]-1) > 1e-6 || math.Abs(r.X[1]-1) > 1e-6 {
		t.Errorf("minimum at %v (status %s, %d iterations), want [1 1]", r.X, r.Status, r.Iterations)
	}
	if r.Status != "GradientThreshold" {
		t.Errorf("status %s, want GradientThreshold", r.Status)
	}
}

// TestMinimizeBatchMembersIndependent runs quadratics with different
// minima and conditioning as one batch and checks each member's minimum
// (the gradient rule |c(x − x*)| < 1e-9 bounds |x − x*| by 1e-9/c) and
// that the rounds are as many as the longest run needed: members that
// stopped early asked for nothing more.
func TestMinimizeBatchMembersIndependent(t *testing.T) {
	centres := []float64{-3, 0.5, 7, 2}
	curv := []float64{1, 100, 0.01, 10}
	x0 := [][]float64{{0, 0}, {1, 1}, {-5, 5}, {2, -2}}
	rounds, asked := 0, make([]int, len(x0))
	eval := func(idx []int, x [][]float64, f []float64, grad [][]float64) error {
		rounds++
		for i, m := range idx {
			asked[m]++
			f[i] = 0
			for j, v := range x[i] {
				d := v - centres[m]
				c := curv[m] * float64(j+1)
				f[i] += 0.5 * c * d * d
				grad[i][j] = c * d
			}
		}
		return nil
	}
	rs, err := optim.MinimizeBatch(context.Background(), x0, eval, optim.Stop{GradTol: 1e-9, RelTol: 1e-300, Patience: 10})
	if err != nil {
		t.Fatal(err)
	}
	longest := 0
	for m, r := range rs {
		if r.Evaluations != asked[m] {
			t.Errorf("member %d: %d evaluations reported, %d asked", m, r.Evaluations, asked[m])
		}
		longest = max(longest, r.Evaluations)
		for j, v := range r.X {
			if math.Abs(v-centres[m]) > 1e-9/(curv[m]*float64(j+1)) {
				t.Errorf("member %d coordinate %d: %v, want %v (status %s)", m, j, v, centres[m], r.Status)
			}
		}
	}
	if rounds != longest {
		t.Errorf("%d rounds for a longest run of %d evaluations", rounds, longest)
	}
}

// TestMinimizeBatchBadStart checks that a member whose start is not finite
// is reported and the others still run.
func TestMinimizeBatchBadStart(t *testing.T) {
	eval := func(idx []int, x [][]float64, f []float64, grad [][]float64) error {
		for i := range idx {
			if x[i][0] < 0 {
				f[i] = math.Inf(1)
				continue
			}
			f[i] = (x[i][0] - 2) * (x[i][0] - 2)
			grad[i][0] = 2 * (x[i][0] - 2)
		}
		return nil
	}
	rs, err := optim.MinimizeBatch(context.Background(), [][]float64{{-1}, {5}}, eval, optim.Stop{})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(rs[0].Err, optim.ErrNotFinite) {
		t.Errorf("member 0: error %v, want ErrNotFinite", rs[0].Err)
	}
	if rs[1].Err != nil || math.Abs(rs[1].X[0]-2) > 1e-5 {
		t.Errorf("member 1: %v at %v", rs[1].Err, rs[1].X)
	}
}

// TestMinimizeBatchCancel checks that a cancelled context ends every run
// and is returned.
func TestMinimizeBatchCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	eval := func(idx []int, x [][]float64, f []float64, grad [][]float64) error {
		n++
		if n == 3 {
			cancel()
		}
		return rosenbrockBatch(idx, x, f, grad)
	}
	_, err := optim.MinimizeBatch(ctx, [][]float64{{-1.2, 1}, {2, 2}}, eval, optim.Stop{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

func rosenbrockBatch(idx []int, x [][]float64, f []float64, grad [][]float64) error {
	for i := range idx {
		f[i], _ = rosenbrock(x[i], grad[i])
	}
	return nil
}

// TestStopValidate checks that each bad rule is an ErrOptions.
func TestStopValidate(t *testing.T) {
	for _, s := range []optim.Stop{{GradTol: -1}, {RelTol: math.NaN()}, {Patience: -1}, {MaxIter: -2}, {Memory: -1}} {
		if _, err := optim.Minimize(context.Background(), []float64{1}, rosenbrock, s); !errors.Is(err, optim.ErrOptions) {
			t.Errorf("%+v: error %v, want ErrOptions", s, err)
		}
	}
}

// TestPlateauStopsOnFlatNoisyLoss feeds a loss that falls then stays flat
// with noise of ±1 % and checks that Plateau stops within Patience windows
// of the flat part and not during the fall.
func TestPlateauStopsOnFlatNoisyLoss(t *testing.T) {
	p := &optim.Plateau{Window: 50, RelTol: 1e-2, Patience: 3}
	stopAt := -1
	for i := range 5000 {
		loss := 100.0
		if i < 1000 {
			loss = 1100 - float64(i)
		}
		loss *= 1 + 0.01*math.Sin(float64(i)*1.7)
		if p.Observe(loss) {
			stopAt = i
			break
		}
	}
	// The fall lowers every window's mean by ~50 (far above 1 %); the flat
	// part starts at 1000, so the third stale window ends by 1000 + 4·50.
	if stopAt < 1000 || stopAt > 1200 {
		t.Errorf("stopped at step %d, want within (1000, 1200]; means %v", stopAt, p.Means())
	}
}

// TestMinimizeProgramFitsLine fits the README's line y = 2x + 1 by least
// squares from a compiled program and checks L-BFGS finds w = 2, b = 1 to
// the gradient rule's precision, leaving them in the program.
func TestMinimizeProgramFitsLine(t *testing.T) {
	g := engine.NewGraph()
	x := g.Constant([]float64{0, 1, 2, 3, 4}, 5)
	y := g.Constant([]float64{1, 3, 5, 7, 9}, 5)
	w := g.Param("w", []float64{0})
	b := g.Param("b", []float64{0})
	loss := g.Mean(g.Square(g.Sub(g.Add(g.Mul(w, x), b), y)))
	grads := g.Grad(loss, w, b)
	prog, err := g.Compile(append([]*engine.Node{loss}, grads...))
	if err != nil {
		t.Fatal(err)
	}
	r, err := optim.MinimizeProgram(context.Background(), prog, loss, []*engine.Node{w, b}, grads, optim.Stop{GradTol: 1e-10, RelTol: 1e-300, Patience: 5})
	if err != nil || r.Err != nil {
		t.Fatal(err, r.Err)
	}
	// The loss's Hessian has eigenvalues ≥ 0.6, so |∇| < 1e-10 puts the
	// parameters within ~2e-10 of the solution.
	if math.Abs(prog.Scalar(w)-2) > 1e-9 || math.Abs(prog.Scalar(b)-1) > 1e-9 {
		t.Errorf("w = %v, b = %v (status %s)", prog.Scalar(w), prog.Scalar(b), r.Status)
	}
	if _, err := optim.MinimizeProgram(context.Background(), prog, loss, []*engine.Node{w}, grads, optim.Stop{}); !errors.Is(err, optim.ErrOptions) {
		t.Errorf("one parameter, two gradients: error %v", err)
	}
}
