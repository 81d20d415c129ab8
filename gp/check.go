package gp

import (
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// Hyperparameters are graph nodes whose values are known only when a
// program runs, so their checks are ops: checkOp passes its input through
// unchanged (its gradient too) and fails the run, with an error that names
// the hyperparameter, the offending value and where it is, when a value
// breaks its rule. A constant input (fixed hyperparameters, the training
// points) is checked on the first run only.

// rule is what a checked value must be.
type rule int

const (
	rulePositive    rule = iota // > 0 and finite
	ruleNonNegative             // ≥ 0 and finite
	ruleFinite                  // finite
)

func (r rule) String() string {
	switch r {
	case rulePositive:
		return "positive and finite"
	case ruleNonNegative:
		return "non-negative and finite"
	}
	return "finite"
}

func (r rule) holds(v float64) bool {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return false
	}
	switch r {
	case rulePositive:
		return v > 0
	case ruleNonNegative:
		return v >= 0
	}
	return true
}

// checkOp is the identity on values that keep rule; what names the value
// in errors ("RBF lengthscale", "training points x").
type checkOp struct {
	what string
	rule rule
	data bool // a data check (ErrData) rather than a hyperparameter's (ErrHyperparameter)
}

func (o checkOp) String() string { return fmt.Sprintf("gp_check(%s,%v)", o.what, o.rule) }

func (o checkOp) Shape(in []engine.Shape) (engine.Shape, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("%w: %v takes 1 input, got %d", engine.ErrArgument, o, len(in))
	}
	return in[0].Clone(), nil
}

func (o checkOp) Kernel(spec engine.KernelSpec) (engine.Kernel, error) {
	shape := spec.In[0].Clone()
	constant := len(spec.Const) > 0 && spec.Const[0]
	checked := false
	sentinel := ErrHyperparameter
	if o.data {
		sentinel = ErrData
	}
	return engine.KernelFunc(func(out []float64, in [][]float64) error {
		x := in[0]
		if !(constant && checked) {
			for i, v := range x {
				if !o.rule.holds(v) {
					return fmt.Errorf("%w: %s is %v at element %d of %v; it must be %v", sentinel, o.what, v, i, shape, o.rule)
				}
			}
			checked = true
		}
		copy(out, x)
		return nil
	}), nil
}

func (o checkOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{gout}
}

// checked returns v behind a check that its values keep r, or nil for nil.
func checked(g *engine.Graph, v *engine.Node, what string, r rule) *engine.Node {
	if v == nil || !v.Valid() {
		return v
	}
	return g.Apply(checkOp{what: what, rule: r}, v)
}

// checkedData returns the data x behind a finiteness check.
func checkedData(g *engine.Graph, x *engine.Node, what string) *engine.Node {
	if x == nil || !x.Valid() {
		return x
	}
	return g.Apply(checkOp{what: what, rule: ruleFinite, data: true}, x)
}

// checkBatch reports a hyperparameter whose shape does not broadcast
// against ref, the batch shape the lengthscales set, or that has more
// dimensions than ref: a variance [B, 1] beside lengthscales [B, D]
// (batch shape [B]) would silently broadcast to B×B kernels. A
// hyperparameter may still have a batch shape where the lengthscales have
// none (one lengthscale shared by B members with their own variances).
func checkBatch(g *engine.Graph, kernel, name string, v *engine.Node, refName string, ref engine.Shape) bool {
	if v == nil || !v.Valid() {
		return true
	}
	s := v.Shape()
	_, ok := engine.BroadcastShapes(s, ref)
	if !ok || (len(ref) > 0 && len(s) > len(ref)) {
		g.Fail(fmt.Errorf("%w: %s: %s of shape %v does not fit the batch shape %v of its %s; give it shape %v (one value per member) or a shape that broadcasts to it",
			ErrKernel, kernel, name, s, ref, refName, ref))
		return false
	}
	return true
}

// vectorParam makes a scalar lengthscale [..., 1]-shaped; the other
// shapes pass unchanged.
func vectorParam(g *engine.Graph, v *engine.Node) *engine.Node {
	if v != nil && v.Valid() && len(v.Shape()) == 0 {
		return g.Reshape(v, 1)
	}
	return v
}
