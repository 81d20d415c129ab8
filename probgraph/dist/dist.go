package dist

import (
	"errors"
	"fmt"
	"math"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/internal/vmath"
)

// Sentinel errors; the messages of wrapped errors name the family and the
// parameter.
var (
	// ErrParameter reports an invalid parameter value (a non-positive scale,
	// probabilities off the simplex).
	ErrParameter = errors.New("dist: invalid parameter")
	// ErrShape reports parameters or values whose shapes do not fit.
	ErrShape = errors.New("dist: shape mismatch")
	// ErrNoClosedForm reports a closed-form quantity (KL, entropy) that the
	// family pair or family does not have.
	ErrNoClosedForm = errors.New("dist: no closed form")
	// ErrNotSupported reports an operation a family does not offer.
	ErrNotSupported = errors.New("dist: not supported")
	// ErrSupport reports a value outside a distribution's support (observed
	// data a model could not have produced).
	ErrSupport = errors.New("dist: value outside the support")
)

// Distribution is a batch of independent distributions whose parameters are
// nodes of one graph. Shapes follow Pyro: a draw has shape
// sample + batch + event, and LogProb sums over the event dimensions only.
type Distribution interface {
	// Family names the distribution family, e.g. "Normal".
	Family() string
	// Graph is the graph the parameters live on.
	Graph() *engine.Graph
	// BatchShape is the shape of independent, non-identical members.
	BatchShape() engine.Shape
	// EventShape is the shape of one draw of one member.
	EventShape() engine.Shape
	// LogProb returns the log density (or mass) of x, whose trailing
	// dimensions are the event shape and whose leading dimensions broadcast
	// with the batch shape; the result has x's leading shape broadcast with
	// the batch shape.
	LogProb(x *engine.Node) *engine.Node
	// Sample draws values of shape sample + batch + event from the graph's
	// noise inputs; a program draws fresh noise on every run.
	Sample(sampleShape ...int) *engine.Node
	// Reparameterized reports whether Sample is differentiable in the
	// parameters (pathwise gradients).
	Reparameterized() bool
	// Support is the set the values live in.
	Support() Constraint
}

// Meaner is a distribution with a closed-form mean.
type Meaner interface{ Mean() *engine.Node }

// Variancer is a distribution with a closed-form variance.
type Variancer interface{ Variance() *engine.Node }

// Entropier is a distribution with a closed-form entropy.
type Entropier interface{ Entropy() *engine.Node }

// Enumerator is a discrete distribution with a finite support it can list.
type Enumerator interface {
	// EnumerateSupport returns the support laid out along a new leading
	// dimension: shape [K] + batch + event when expand is true, [K] + ones
	// for the batch dimensions + event otherwise.
	EnumerateSupport(expand bool) *engine.Node
}

// base holds what every family shares: the graph and the shapes.
type base struct {
	g     *engine.Graph
	batch engine.Shape
	event engine.Shape
	// label names the site the distribution is used at in the errors of its
	// run-time checks (see AtSite); nil until a check is built.
	label *siteLabel
}

func (b *base) Graph() *engine.Graph     { return b.g }
func (b *base) BatchShape() engine.Shape { return b.batch.Clone() }
func (b *base) EventShape() engine.Shape { return b.event.Clone() }
func (b *base) sampleShape(s []int) []int {
	return append(append(append([]int{}, s...), b.batch...), b.event...)
}
func (b *base) fail(err error) *engine.Node { return b.g.Fail(err) }

// invalid returns an invalid node after a check has recorded the error.
func (b *base) invalid() *engine.Node { return b.g.Fail(errInvalid) }

var errInvalid = fmt.Errorf("%w: distribution built from invalid arguments", ErrParameter)

// params checks the parameters of a family: all valid nodes of one graph,
// with event dimensions eventDims[i] trailing the batch dimensions, whose
// batch parts broadcast together. It returns the graph and the batch shape.
func params(family string, names []string, nodes []*engine.Node, eventDims []int) (*engine.Graph, engine.Shape, bool) {
	// The error of a nil parameter goes on the graph of the others, so that
	// the model or program built on that graph reports it.
	var g *engine.Graph
	for _, n := range nodes {
		if n != nil && n.Graph() != nil {
			g = n.Graph()
			break
		}
	}
	if g == nil {
		return nil, nil, false
	}
	for i, n := range nodes {
		if n == nil {
			g.Fail(fmt.Errorf("%w: %s: %s is nil (%w)", ErrParameter, family, names[i], engine.ErrInvalidNode))
			return g, nil, false
		}
	}
	if !g.Ok(family, nodes...) {
		return g, nil, false
	}
	batches := make([]engine.Shape, len(nodes))
	for i, n := range nodes {
		s := n.Shape()
		e := 0
		if eventDims != nil {
			e = eventDims[i]
		}
		if len(s) < e {
			g.Fail(fmt.Errorf("%w: %s: %s has shape %v, needs at least %d dimensions", ErrShape, family, names[i], s, e))
			return g, nil, false
		}
		batches[i] = s[:len(s)-e]
	}
	batch, ok := engine.BroadcastShapes(batches...)
	if !ok {
		msg := ""
		for i, n := range names {
			msg += fmt.Sprintf(" %s%v", n, nodes[i].Shape())
		}
		g.Fail(fmt.Errorf("%w: %s: parameter shapes do not broadcast:%s", ErrShape, family, msg))
		return g, nil, false
	}
	return g, batch, true
}

// setParams checks a family's parameters with params and sets b's graph and
// batch shape from them. It returns the graph, the batch shape and whether
// the constructor may go on; when a parameter is nil or has no graph, b's
// graph is a fresh one holding the error, so that the invalid distribution
// reports it from every method.
func (b *base) setParams(family string, names []string, nodes []*engine.Node, eventDims []int) (*engine.Graph, engine.Shape, bool) {
	g, batch, ok := params(family, names, nodes, eventDims)
	if g == nil {
		g, ok = nilGraph(family), false
	}
	b.g, b.batch = g, batch
	return g, batch, ok
}

// paramName is the name of a probability parameter given as probabilities
// or, when fromLogits, as logits.
func paramName(fromLogits bool) string {
	if fromLogits {
		return "logits"
	}
	return "probs"
}

// binaryParam turns a success-probability parameter, probs in [0, 1] or
// log-odds when fromLogits, into both forms broadcast to batch; probs is
// checked now when it is a constant and at every run otherwise.
func binaryParam(b *base, family string, p *engine.Node, batch engine.Shape, fromLogits bool) (probs, logits *engine.Node) {
	g := b.g
	if fromLogits {
		logits = g.BroadcastTo(b.checkParam(family, "logits", p, ruleNotNaN), batch...)
		return g.Sigmoid(logits), logits
	}
	probs = g.BroadcastTo(b.checkParam(family, "probs", p, ruleUnit), batch...)
	return probs, logit(g, probs)
}

// logit is log p − log(1 − p), the log-odds of p.
func logit(g *engine.Graph, p *engine.Node) *engine.Node { return g.Sub(g.Log(p), g.Log1p(g.Neg(p))) }

// nilGraph reports parameters that are all nil; with no graph at hand the
// error can only live on an invalid distribution, which reports it from every
// method.
func nilGraph(family string) *engine.Graph {
	g := engine.NewGraph()
	g.Fail(fmt.Errorf("%w: %s: nil parameter (%w)", ErrParameter, family, engine.ErrInvalidNode))
	return g
}

// checkParam validates a parameter against a predicate: now, when its value is
// a constant, and at every run otherwise (through a check op that passes the
// value through) unless run-time validation is off. It returns the node to use
// in place of n.
func (b *base) checkParam(family, name string, n *engine.Node, rule paramRule) *engine.Node {
	g := n.Graph()
	if v, ok := n.ConstValue(); ok {
		last := 0 // the simplex rule checks each row along the trailing axis
		if s := n.Shape(); len(s) > 0 {
			last = s[len(s)-1]
		}
		if err := rule.checkLast(family, name, v, last); err != nil {
			return g.Fail(err)
		}
		return n
	}
	if !Validation() {
		return n
	}
	return g.Apply(checkOp{family: family, param: name, rule: rule, site: b.site()}, n)
}

// paramRule is a named predicate on a parameter's values.
type paramRule uint8

const (
	rulePositive    paramRule = iota // > 0
	ruleNonNegative                  // ≥ 0
	ruleUnit                         // in [0, 1]
	ruleFinite                       // not NaN or ±Inf
	ruleSimplex                      // ≥ 0 and summing to 1 along the last axis
	ruleCount                        // a non-negative whole number
	ruleLogit                        // not NaN or +Inf (−Inf rules a category out)
	ruleNotNaN                       // any number, ±Inf included (log-odds)
)

var ruleText = [...]string{"must be positive and finite", "must be non-negative", "must be in [0, 1]",
	"must be finite", "must lie on the simplex (non-negative, summing to 1 along the last axis)",
	"must be a non-negative whole number", "must be finite or −Inf", "must not be NaN"}

func (r paramRule) check(family, name string, v []float64) error {
	return r.checkLast(family, name, v, 0)
}

// checkLast checks values; last is the size of the trailing axis (needed by
// the simplex rule; 0 means unknown, in which case simplex checks the whole).
func (r paramRule) checkLast(family, name string, v []float64, last int) error {
	return r.checkFrom(family, name, v, last, 0)
}

// checkFrom is checkLast for v starting at element offset of the parameter.
func (r paramRule) checkFrom(family, name string, v []float64, last, offset int) error {
	if i := r.firstBad(v); i >= 0 {
		return fmt.Errorf("%w: %s: %s %s (element %d is %v)", ErrParameter, family, name, ruleText[r], offset+i, v[i])
	}
	if r == ruleSimplex {
		if last <= 0 {
			last = len(v)
		}
		for b := 0; b+last <= len(v); b += last {
			s := 0.0
			for _, x := range v[b : b+last] {
				s += x
			}
			if math.Abs(s-1) > 1e-6 {
				return fmt.Errorf("%w: %s: %s %s (row %d sums to %v)", ErrParameter, family, name, ruleText[r], b/last, s)
			}
		}
	}
	return nil
}

// firstBad returns the index of the first element of v that breaks the
// rule's element test, or −1. The test runs on every parameter of every
// run, so the interval rules scan four elements per instruction
// (vmath.FirstOutside, where NaN is always outside).
func (r paramRule) firstBad(v []float64) int {
	switch r {
	case rulePositive:
		return vmath.FirstOutside(v, math.SmallestNonzeroFloat64, math.MaxFloat64)
	case ruleNonNegative, ruleSimplex:
		return vmath.FirstOutside(v, 0, math.Inf(1))
	case ruleUnit:
		return vmath.FirstOutside(v, 0, 1)
	case ruleFinite:
		return vmath.FirstOutside(v, -math.MaxFloat64, math.MaxFloat64)
	case ruleLogit:
		return vmath.FirstOutside(v, math.Inf(-1), math.MaxFloat64)
	case ruleNotNaN:
		return vmath.FirstOutside(v, math.Inf(-1), math.Inf(1))
	case ruleCount:
		for i, x := range v {
			if !(x >= 0 && x <= math.MaxFloat64) || x != math.Trunc(x) {
				return i
			}
		}
	}
	return -1
}

// checkOp passes its input through and fails the run when a rule is broken.
type checkOp struct {
	family, param string
	rule          paramRule
	site          *siteLabel
}

func (o checkOp) String() string {
	return fmt.Sprintf("check(%s.%s %s)", o.family, o.param, ruleText[o.rule])
}

func (o checkOp) Shape(in []engine.Shape) (engine.Shape, error) { return in[0].Clone(), nil }

// Elementwise is true for the rules that look at one element at a time
// (all but the simplex, which sums rows).
func (o checkOp) Elementwise() bool { return o.rule != ruleSimplex }

func (o checkOp) Kernel(spec engine.KernelSpec) (engine.Kernel, error) {
	last := 0
	if s := spec.In[0]; len(s) > 0 {
		last = s[len(s)-1]
	}
	return checkKernel{op: o, last: last, site: o.site.get()}, nil
}

// checkKernel copies its input and fails on the first element that breaks
// the rule, naming its position in the whole parameter.
type checkKernel struct {
	op   checkOp
	last int
	site string
}

func (k checkKernel) Run(out []float64, in [][]float64) error { return k.RunRange(0, out, in) }

func (k checkKernel) RunRange(offset int, out []float64, in [][]float64) error {
	copy(out, in[0][:len(out)])
	return atSite(k.site, k.op.rule.checkFrom(k.op.family, k.op.param, in[0][:len(out)], k.last, offset))
}

func (o checkOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{gout}
}

// sumRightmost sums the trailing n dimensions of x (the event dimensions).
func sumRightmost(g *engine.Graph, x *engine.Node, n int) *engine.Node {
	if n == 0 || !x.Valid() {
		return x
	}
	r := len(x.Shape())
	axes := make([]int, n)
	for i := range axes {
		axes[i] = r - n + i
	}
	return g.Sum(x, axes...)
}

// broadcastBatch expands a log-prob-shaped node to include the batch shape
// (Pyro's rule: the result has the value's leading shape broadcast with the
// batch shape).
func broadcastBatch(g *engine.Graph, lp *engine.Node, batch engine.Shape) *engine.Node {
	if !lp.Valid() {
		return lp
	}
	s, ok := engine.BroadcastShapes(lp.Shape(), batch)
	if !ok {
		return g.Fail(fmt.Errorf("%w: log-prob shape %v does not broadcast with batch shape %v", ErrShape, lp.Shape(), batch))
	}
	return g.BroadcastTo(lp, s...)
}

// checkValue verifies that x's trailing dimensions match the event shape.
func (b *base) checkValue(family string, x *engine.Node) bool {
	if !b.g.Ok(family+".LogProb", x) {
		return false
	}
	s := x.Shape()
	e := len(b.event)
	if len(s) < e || !engine.Shape(s[len(s)-e:]).Equal(b.event) {
		b.g.Fail(fmt.Errorf("%w: %s.LogProb: value shape %v does not end with event shape %v", ErrShape, family, s, b.event))
		return false
	}
	if _, ok := engine.BroadcastShapes(engine.Shape(s[:len(s)-e]), b.batch); !ok {
		b.g.Fail(fmt.Errorf("%w: %s.LogProb: value shape %v does not broadcast with batch shape %v", ErrShape, family, s, b.batch))
		return false
	}
	return true
}
