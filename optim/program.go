package optim

import (
	"context"
	"fmt"
	"slices"

	"github.com/ignis-ppl/ignis/engine"
)

// MinimizeProgram minimizes a compiled scalar objective over parameter
// nodes with L-BFGS: prog computes loss and grads (grads[i] the gradient
// of loss in params[i], as Graph.Grad returns them). The parameters start
// from their current values in prog and hold the best point found when it
// returns. Each evaluation draws fresh noise (Program.Run), so the
// objective must not use any for the result to mean anything: L-BFGS
// needs a deterministic objective (use Plateau with SVI for stochastic
// ones).
func MinimizeProgram(ctx context.Context, prog *engine.Program, loss *engine.Node, params, grads []*engine.Node, stop Stop) (Result, error) {
	if prog == nil || loss == nil || len(params) == 0 || len(params) != len(grads) {
		return Result{}, fmt.Errorf("%w: a program, a loss and as many gradients as parameters (%d and %d)", ErrOptions, len(params), len(grads))
	}
	if len(prog.Value(loss)) != 1 {
		return Result{}, fmt.Errorf("%w: the loss must be a scalar held by the program", ErrOptions)
	}
	var x0 []float64
	for i, p := range params {
		v, g := prog.Value(p), prog.Value(grads[i])
		if v == nil || g == nil || len(v) != len(g) {
			return Result{}, fmt.Errorf("%w: parameter %d (%v) or its gradient is not held by the program, or their sizes differ", ErrOptions, i, p)
		}
		x0 = append(x0, v...)
	}
	set := func(x []float64) {
		off := 0
		for _, p := range params {
			v := prog.Value(p)
			copy(v, x[off:off+len(v)])
			off += len(v)
		}
	}
	f := func(x, grad []float64) (float64, error) {
		set(x)
		if err := prog.Run(); err != nil {
			return 0, err
		}
		off := 0
		for _, g := range grads {
			off += copy(grad[off:], prog.Value(g))
		}
		return prog.Value(loss)[0], nil
	}
	r, err := Minimize(ctx, slices.Clone(x0), f, stop)
	if r.X != nil {
		set(r.X)
	}
	return r, err
}
