package probgraph

import (
	"errors"
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// Sentinel errors.
var (
	// ErrSite reports a misused site: a duplicate name, a value of the wrong
	// shape, a model and guide that disagree.
	ErrSite = errors.New("probgraph: bad site")
	// ErrPlate reports a misused plate.
	ErrPlate = errors.New("probgraph: bad plate")
)

// SiteError is an error met while a model built a site: an invalid
// distribution parameter, observed data outside the support. It names the
// site and keeps the cause (errors.Is reaches dist.ErrParameter through it).
type SiteError struct {
	Site string
	Err  error
}

func (e *SiteError) Error() string { return fmt.Sprintf("site %q: %v", e.Site, e.Err) }

func (e *SiteError) Unwrap() error { return e.Err }

// nameSite attributes an error the graph holds to the site being built,
// unless a site already claims it, and reports whether there was one. The
// error came from building the site's arguments (its distribution, its
// value) or from code the model ran since the previous site.
func (m *Ctx) nameSite(name string) bool {
	err := m.g.Err()
	if err == nil {
		return false
	}
	if se := (*SiteError)(nil); !errors.As(err, &se) {
		err = &SiteError{Site: name, Err: err}
	}
	m.g.Fail(err)
	return true
}

// failed returns an invalid node for a site that cannot be built; the graph
// keeps the error it holds.
func (m *Ctx) failed() *engine.Node { return m.g.Fail(m.g.Err()) }

// Model is a probabilistic program: an ordinary Go function that declares its
// random variables, observations and parameters through the context. Running
// it builds graph nodes; inference compiles them once and runs them many
// times.
type Model func(m *Ctx)

// Ctx is what a model talks to. It owns the handler stack for one run of the
// model; nothing about it is global, so models run concurrently on their own
// graphs.
type Ctx struct {
	g      *engine.Graph
	stack  []Handler
	sites  map[string]bool
	plates []*Plate
	seed   *uint64
}

// Graph returns the graph the model builds on, for ordinary tensor math.
func (m *Ctx) Graph() *engine.Graph { return m.g }

// Run runs a model once on a graph and returns the graph's first error.
func Run(g *engine.Graph, model Model) error {
	m := &Ctx{g: g, sites: map[string]bool{}}
	model(m)
	return g.Err()
}

// push and pop manage the handler stack (innermost last).
func (m *Ctx) push(h Handler) { m.stack = append(m.stack, h) }
func (m *Ctx) pop()           { m.stack = m.stack[:len(m.stack)-1] }

// apply sends a site through the handler stack: innermost handler first,
// stopping where a handler sets Stop; then the default behaviour fills in a
// missing value; then the handlers that saw the site post-process it,
// outermost of them first.
func (m *Ctx) apply(s *Site) {
	pointer := len(m.stack)
	for i := len(m.stack) - 1; i >= 0; i-- {
		pointer = i
		m.stack[i].Process(s)
		if s.Stop {
			break
		}
	}
	m.defaultValue(s)
	for i := pointer; i < len(m.stack); i++ {
		m.stack[i].Postprocess(s)
	}
}

func (m *Ctx) defaultValue(s *Site) {
	if s.Value != nil {
		return
	}
	switch s.Kind {
	case SampleSite:
		s.Value = s.Dist.Sample()
		dist.MarkSupport(s.Value, s.Dist.Support()) // a draw lies in its support
	case ParamSite:
		s.Value = m.g.Constant(s.Init.Data, s.Init.Shape...)
	}
}

func (m *Ctx) claim(name string) bool {
	if name == "" {
		m.g.Fail(fmt.Errorf("%w: a site needs a name", ErrSite))
		return false
	}
	if m.sites[name] {
		m.g.Fail(fmt.Errorf("%w: site name %q used twice in one model run", ErrSite, name))
		return false
	}
	m.sites[name] = true
	return true
}

// SampleOption configures a sample site.
type SampleOption func(*Site)

// Obs marks the site observed with the given value.
func Obs(value *engine.Node) SampleOption {
	return func(s *Site) { s.Value, s.Observed = value, true }
}

// WithInfer sets the site's inference instructions.
func WithInfer(cfg InferConfig) SampleOption { return func(s *Site) { s.Infer = cfg } }

// Auxiliary marks a guide-only sample site (see InferConfig.Auxiliary).
func Auxiliary() SampleOption { return func(s *Site) { s.Infer.Auxiliary = true } }

// EnumerateParallel marks a discrete site to be summed out in parallel.
func EnumerateParallel() SampleOption {
	return func(s *Site) { s.Infer.Enumerate = Parallel }
}

// Sample declares a random variable drawn from d and returns its value.
func (m *Ctx) Sample(name string, d dist.Distribution, opts ...SampleOption) *engine.Node {
	return m.sample(name, d, nil, opts)
}

// Observe declares an observed random variable: value is data drawn from d.
func (m *Ctx) Observe(name string, d dist.Distribution, value *engine.Node, opts ...SampleOption) *engine.Node {
	return m.sample(name, d, nil, append([]SampleOption{Obs(value)}, opts...))
}

func (m *Ctx) sample(name string, d dist.Distribution, plates []*Plate, opts []SampleOption) *engine.Node {
	if m.nameSite(name) {
		return m.failed()
	}
	if !m.claim(name) {
		return m.g.Fail(fmt.Errorf("%w: %q", ErrSite, name))
	}
	if d == nil {
		return m.g.Fail(fmt.Errorf("%w: %q: nil distribution", ErrSite, name))
	}
	if d.Graph() != m.g {
		// A distribution whose parameters are all nil lives on a graph of
		// its own, which holds the reason.
		var cause error
		if dg := d.Graph(); dg != nil {
			cause = dg.Err()
		}
		if cause != nil {
			return m.g.Fail(&SiteError{Site: name, Err: fmt.Errorf("%w: %w", ErrSite, cause)})
		}
		return m.g.Fail(fmt.Errorf("%w: %q: distribution built on another graph", ErrSite, name))
	}
	dist.AtSite(d, name)
	s := &Site{Kind: SampleSite, Name: name, Dist: d, Scale: 1, Plates: plates}
	for _, o := range opts {
		o(s)
	}
	if s.Observed && !m.g.Ok("observe "+name, s.Value) {
		return s.Value
	}
	if err := expandToPlates(s); err != nil {
		return m.g.Fail(err)
	}
	m.apply(s)
	if s.Value == nil || !s.Value.Valid() {
		return m.g.Fail(fmt.Errorf("%w: %q has no valid value", ErrSite, name))
	}
	if err := checkValueShape(s); err != nil {
		return m.g.Fail(err)
	}
	if err := checkObserved(s); err != nil {
		return m.g.Fail(&SiteError{Site: name, Err: err})
	}
	if m.nameSite(name) {
		return m.failed()
	}
	return s.Value
}

// checkObserved rejects observed data outside the support of the site's
// distribution: constant data now, other data on every run (see
// dist.CheckValue). Masked sites are left alone (masked-out elements may hold
// anything), and so are factors, whose value is a placeholder.
func checkObserved(s *Site) error {
	if !s.Observed || s.Mask != nil {
		return nil
	}
	if _, factor := s.Dist.(*dist.UnitDist); factor {
		return nil
	}
	v, err := dist.CheckValue(s.Dist, s.Value, s.Name)
	if err != nil {
		return err
	}
	s.Value = v
	return nil
}

// checkValueShape verifies that a sample site's value fits its distribution:
// trailing dimensions equal to the event shape, leading ones broadcasting
// with the batch shape.
func checkValueShape(s *Site) error {
	v, b, e := s.Value.Shape(), s.Dist.BatchShape(), s.Dist.EventShape()
	if len(v) < len(e) || !engine.Shape(v[len(v)-len(e):]).Equal(e) {
		return fmt.Errorf("%w: site %q: value shape %v does not end with the event shape %v of %s",
			dist.ErrShape, s.Name, v, e, s.Dist.Family())
	}
	if _, ok := engine.BroadcastShapes(v[:len(v)-len(e)], b); !ok {
		return fmt.Errorf("%w: site %q: value shape %v does not broadcast with the batch shape %v of %s",
			dist.ErrShape, s.Name, v, b, s.Dist.Family())
	}
	return nil
}

// ParamOption configures a parameter site.
type ParamOption func(*Site)

// Constrained keeps a parameter inside c: the optimizer works on an
// unconstrained value mapped into c by dist.BijectTo.
func Constrained(c dist.Constraint) ParamOption { return func(s *Site) { s.Constraint = c } }

// Param declares a learnable parameter with its initial value. Inference
// objects own the parameter store that decides its current value.
func (m *Ctx) Param(name string, init Tensor, opts ...ParamOption) *engine.Node {
	if m.nameSite(name) {
		return m.failed()
	}
	if !m.claim(name) {
		return m.g.Fail(fmt.Errorf("%w: %q", ErrSite, name))
	}
	if engine.Shape(init.Shape).Size() != len(init.Data) {
		return m.g.Fail(fmt.Errorf("%w: param %q: %d initial values for shape %v", ErrSite, name, len(init.Data), init.Shape))
	}
	s := &Site{Kind: ParamSite, Name: name, Init: init, Constraint: dist.Real(), Scale: 1}
	for _, o := range opts {
		o(s)
	}
	m.apply(s)
	return s.Value
}

// Deterministic records a named value computed from others (it appears in
// traces and predictions) and returns it.
func (m *Ctx) Deterministic(name string, value *engine.Node) *engine.Node {
	if m.nameSite(name) {
		return m.failed()
	}
	if !m.claim(name) {
		return m.g.Fail(fmt.Errorf("%w: %q", ErrSite, name))
	}
	if !m.g.Ok("deterministic "+name, value) {
		return value
	}
	s := &Site{Kind: DeterministicSite, Name: name, Value: value, Scale: 1}
	m.apply(s)
	return s.Value
}

// Factor adds logFactor (any shape; summed) to the model's log density, as an
// observed site of a unit distribution.
func (m *Ctx) Factor(name string, logFactor *engine.Node) {
	if m.nameSite(name) || !m.g.Ok("factor "+name, logFactor) {
		return
	}
	m.Observe(name, dist.Unit(logFactor), m.g.ZerosLike(logFactor))
}
