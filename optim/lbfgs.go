package optim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/optimize"
)

// Sentinel errors of package optim.
var (
	// ErrOptions reports stopping rules or starts that cannot be used.
	ErrOptions = errors.New("optim: invalid options")
	// ErrNotFinite reports an objective or gradient that is not finite at
	// a start, where no line search can begin.
	ErrNotFinite = errors.New("optim: objective not finite")
)

// Stop holds the stopping rules of an L-BFGS run; a zero field takes its
// default. A run stops at the first rule that holds.
type Stop struct {
	// GradTol stops when every |∂f/∂xᵢ| is below it (default 1e-5, the
	// pgtol of scikit-learn's L-BFGS-B).
	GradTol float64
	// RelTol: an iteration decreases f enough when
	// f_best − f > RelTol·(1 + max(|f|, |f_best|)) (default 2.22e-9,
	// L-BFGS-B's factr = 1e7 times the machine epsilon).
	RelTol float64
	// Patience is the number of iterations in a row without enough
	// decrease after which the run stops (default 1).
	Patience int
	// MaxIter caps the iterations (default 15000).
	MaxIter int
	// Memory is the number of correction pairs L-BFGS keeps (default 10).
	Memory int
}

// WithDefaults returns s with zero fields set to their defaults.
func (s Stop) WithDefaults() Stop {
	if s.GradTol == 0 {
		s.GradTol = 1e-5
	}
	if s.RelTol == 0 {
		s.RelTol = 1e7 * 0x1p-52
	}
	if s.Patience == 0 {
		s.Patience = 1
	}
	if s.MaxIter == 0 {
		s.MaxIter = 15000
	}
	if s.Memory == 0 {
		s.Memory = 10
	}
	return s
}

// Validate reports rules that cannot be followed.
func (s Stop) Validate() error {
	switch {
	case !(s.GradTol >= 0) || math.IsInf(s.GradTol, 0):
		return fmt.Errorf("%w: GradTol %v must be non-negative and finite", ErrOptions, s.GradTol)
	case !(s.RelTol >= 0) || math.IsInf(s.RelTol, 0):
		return fmt.Errorf("%w: RelTol %v must be non-negative and finite", ErrOptions, s.RelTol)
	case s.Patience < 0:
		return fmt.Errorf("%w: Patience %d must be non-negative", ErrOptions, s.Patience)
	case s.MaxIter < 0:
		return fmt.Errorf("%w: MaxIter %d must be non-negative", ErrOptions, s.MaxIter)
	case s.Memory < 0:
		return fmt.Errorf("%w: Memory %d must be non-negative", ErrOptions, s.Memory)
	}
	return nil
}

// Result is where one member's run ended.
type Result struct {
	// X is the best point found, F the objective there and Grad its
	// gradient.
	X    []float64
	F    float64
	Grad []float64
	// Iterations counts L-BFGS iterations; Evaluations counts the points at
	// which the objective was evaluated, the start included.
	Iterations, Evaluations int
	// Status is the rule that stopped the run, in gonum's words
	// ("GradientThreshold", "FunctionConvergence", "IterationLimit",
	// "Failure" for a line search that could not go on).
	Status string
	// Err is why the run ended early: a start where the objective is not
	// finite (ErrNotFinite, and X is the start), or a line search that
	// failed (X is then still the best point found).
	Err error
}

// BatchFunc evaluates the members idx of a batch of objectives at the
// points x (x[i] is member idx[i]'s point), writing each objective into
// f[i] and its gradient into grad[i]. A member whose objective cannot be
// evaluated at its point gets f[i] = +Inf; its line search then steps
// back. An error ends every member's run.
type BatchFunc func(idx []int, x [][]float64, f []float64, grad [][]float64) error

// Func is one objective: it returns f(x) and writes ∇f(x) into grad.
type Func func(x, grad []float64) (float64, error)

// Minimize minimizes f from x0 with L-BFGS.
func Minimize(ctx context.Context, x0 []float64, f Func, stop Stop) (Result, error) {
	eval := func(_ []int, x [][]float64, fs []float64, grad [][]float64) error {
		v, err := f(x[0], grad[0])
		fs[0] = v
		return err
	}
	rs, err := MinimizeBatch(ctx, [][]float64{x0}, eval, stop)
	if rs == nil {
		return Result{}, err
	}
	return rs[0], err
}

// message is what a member's run sends to the coordinator: a point to
// evaluate, or its result when it has stopped.
type message struct {
	m      int
	x      []float64
	done   bool
	result Result
}

type reply struct {
	f   float64
	g   []float64
	err error
}

// MinimizeBatch minimizes len(x0) independent objectives, member m from
// x0[m], each with its own L-BFGS run. The runs advance in lock step:
// every round, each run that has not stopped asks for one point, and eval
// evaluates all of them in one call. It returns each member's result; the
// error is eval's, or the context's when it is cancelled (the results then
// hold the best points found so far).
func MinimizeBatch(ctx context.Context, x0 [][]float64, eval BatchFunc, stop Stop) ([]Result, error) {
	stop = stop.WithDefaults()
	if err := stop.Validate(); err != nil {
		return nil, err
	}
	n := len(x0)
	if n == 0 {
		return nil, fmt.Errorf("%w: no starts", ErrOptions)
	}
	dim := len(x0[0])
	for m, x := range x0 {
		if len(x) != dim || dim == 0 {
			return nil, fmt.Errorf("%w: start %d has %d coordinates, start 0 has %d", ErrOptions, m, len(x), dim)
		}
	}
	idx := make([]int, n)
	f := make([]float64, n)
	grad := make([][]float64, n)
	for m := range idx {
		idx[m] = m
		grad[m] = make([]float64, dim)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := eval(idx, x0, f, grad); err != nil {
		return nil, err
	}
	res := make([]Result, n)
	msgs := make(chan message)
	replies := make([]chan reply, n)
	alive := 0
	for m := range n {
		if !finite(f[m]) || !allFinite(grad[m]) {
			res[m] = Result{X: slices.Clone(x0[m]), F: f[m], Grad: grad[m], Evaluations: 1, Status: optimize.Failure.String(),
				Err: fmt.Errorf("%w: member %d: objective %v at its start", ErrNotFinite, m, f[m])}
			continue
		}
		replies[m] = make(chan reply)
		alive++
		go run(m, x0[m], f[m], grad[m], stop, msgs, replies[m])
	}
	var fatal error
	var reqs []message
	for alive > 0 {
		reqs = reqs[:0]
		for range alive {
			msg := <-msgs
			if msg.done {
				res[msg.m] = msg.result
				alive--
				continue
			}
			reqs = append(reqs, msg)
		}
		if len(reqs) == 0 {
			continue
		}
		if fatal == nil {
			fatal = ctx.Err()
		}
		if fatal == nil {
			fatal = evalRound(reqs, dim, eval, replies)
			continue
		}
		for _, r := range reqs {
			replies[r.m] <- reply{err: fatal}
		}
	}
	return res, fatal
}

// evalRound evaluates one round's points and answers each member.
func evalRound(reqs []message, dim int, eval BatchFunc, replies []chan reply) error {
	k := len(reqs)
	idx, xs := make([]int, k), make([][]float64, k)
	f, g := make([]float64, k), make([][]float64, k)
	for i, r := range reqs {
		idx[i], xs[i], g[i] = r.m, r.x, make([]float64, dim)
	}
	if err := eval(idx, xs, f, g); err != nil {
		for _, r := range reqs {
			replies[r.m] <- reply{err: err}
		}
		return err
	}
	for i, r := range reqs {
		fi := f[i]
		if math.IsNaN(fi) || !allFinite(g[i]) {
			fi = math.Inf(1) // a point to step back from
		}
		replies[r.m] <- reply{f: fi, g: g[i]}
	}
	return nil
}

// run is one member's L-BFGS run; it asks the coordinator for every
// evaluation and sends its result when it stops.
func run(m int, x0 []float64, f0 float64, g0 []float64, stop Stop, msgs chan<- message, replies <-chan reply) {
	var (
		cx, cg  []float64
		cf      float64
		stopped error
		evals   = 1
	)
	cx, cf, cg = slices.Clone(x0), f0, slices.Clone(g0)
	ask := func(x []float64) bool {
		if stopped != nil {
			return false
		}
		if slices.Equal(cx, x) {
			return true
		}
		msgs <- message{m: m, x: slices.Clone(x)}
		r := <-replies
		if r.err != nil {
			stopped = r.err
			return false
		}
		evals++
		cx, cf, cg = slices.Clone(x), r.f, r.g
		return true
	}
	p := optimize.Problem{
		Func: func(x []float64) float64 {
			if !ask(x) {
				return math.NaN()
			}
			return cf
		},
		Grad: func(g, x []float64) {
			if !ask(x) {
				for i := range g {
					g[i] = math.NaN()
				}
				return
			}
			copy(g, cg)
		},
		Status: func() (optimize.Status, error) {
			if stopped != nil {
				return optimize.Failure, stopped
			}
			return optimize.NotTerminated, nil
		},
	}
	settings := &optimize.Settings{
		InitValues:        &optimize.Location{F: f0, Gradient: slices.Clone(g0)},
		GradientThreshold: stop.GradTol,
		Converger:         &optimize.FunctionConverge{Absolute: stop.RelTol, Relative: stop.RelTol, Iterations: stop.Patience},
		MajorIterations:   stop.MaxIter,
	}
	out, err := optimize.Minimize(p, x0, settings, &optimize.LBFGS{Store: stop.Memory})
	r := Result{X: slices.Clone(x0), F: f0, Grad: slices.Clone(g0), Evaluations: evals, Status: optimize.Failure.String()}
	if out != nil {
		r.Iterations = out.Stats.MajorIterations
		r.Status = out.Status.String()
		if out.Location.X != nil && out.Location.F <= f0 {
			r.X, r.F, r.Grad = slices.Clone(out.Location.X), out.Location.F, slices.Clone(out.Location.Gradient)
		}
	}
	switch {
	case stopped != nil:
		r.Err = stopped
	case err != nil:
		r.Err = fmt.Errorf("optim: member %d: %w", m, err)
	}
	msgs <- message{m: m, done: true, result: r}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func allFinite(v []float64) bool {
	for _, x := range v {
		if !finite(x) {
			return false
		}
	}
	return true
}
