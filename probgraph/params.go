package probgraph

import (
	"fmt"
	"slices"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// ParamStore holds the parameters of the models run under it on one graph.
// Each name maps to an unconstrained engine parameter, which optimizers
// update, and its constrained value, which models see. An inference object
// owns its store; there is no global one.
type ParamStore struct {
	g       *engine.Graph
	entries map[string]*ParamEntry
	order   []string
}

// ParamEntry is one parameter of a store.
type ParamEntry struct {
	Name       string
	Constraint dist.Constraint
	// Unconstrained is the engine parameter the optimizer updates.
	Unconstrained *engine.Node
	// Value is the constrained value models see.
	Value *engine.Node
}

// NewParamStore returns an empty store for parameters on g.
func NewParamStore(g *engine.Graph) *ParamStore {
	return &ParamStore{g: g, entries: map[string]*ParamEntry{}}
}

// Handle is middleware that gives parameter sites their values from the
// store, creating entries on first use. A name used again must have the same
// shape and constraint (model and guide share parameters by name).
func (ps *ParamStore) Handle() Middleware { return With(&paramHandler{ps: ps}) }

// Entries lists the parameters in the order they were created.
func (ps *ParamStore) Entries() []*ParamEntry {
	out := make([]*ParamEntry, len(ps.order))
	for i, n := range ps.order {
		out[i] = ps.entries[n]
	}
	return out
}

// Entry returns the named parameter, or nil.
func (ps *ParamStore) Entry(name string) *ParamEntry { return ps.entries[name] }

// Unconstrained returns the engine parameters in creation order.
func (ps *ParamStore) Unconstrained() []*engine.Node {
	out := make([]*engine.Node, len(ps.order))
	for i, n := range ps.order {
		out[i] = ps.entries[n].Unconstrained
	}
	return out
}

type paramHandler struct {
	NopHandler
	ps *ParamStore
}

func (h *paramHandler) Process(s *Site) {
	if s.Kind != ParamSite || s.Value != nil {
		return
	}
	ps := h.ps
	if e, ok := ps.entries[s.Name]; ok {
		same := dist.Within(e.Constraint, s.Constraint) && dist.Within(s.Constraint, e.Constraint)
		if !e.Value.Shape().Equal(s.Init.Shape) || !same {
			s.Value = ps.g.Fail(fmt.Errorf("%w: param %q declared again with shape %v and constraint %v (first: %v, %v)",
				ErrSite, s.Name, s.Init.Shape, s.Constraint, e.Value.Shape(), e.Constraint))
			return
		}
		s.Value, s.Unconstrained = e.Value, e.Unconstrained
		return
	}
	e, err := ps.create(s.Name, s.Init, s.Constraint)
	if err != nil {
		s.Value = ps.g.Fail(err)
		return
	}
	s.Value, s.Unconstrained = e.Value, e.Unconstrained
}

func (ps *ParamStore) create(name string, init Tensor, c dist.Constraint) (*ParamEntry, error) {
	t, err := dist.BijectTo(c)
	if err != nil {
		return nil, fmt.Errorf("%w: param %q: %w", ErrSite, name, err)
	}
	u, err := Unconstrain(c, init)
	if err != nil {
		return nil, fmt.Errorf("%w: param %q: %w", ErrSite, name, err)
	}
	p := ps.g.Param(name, u.Data, u.Shape...)
	e := &ParamEntry{Name: name, Constraint: c, Unconstrained: p, Value: t.Forward(p)}
	ps.entries[name] = e
	ps.order = append(ps.order, name)
	return e, nil
}

// Unconstrain maps a value inside c to unconstrained space, checking first
// that it is inside c.
func Unconstrain(c dist.Constraint, v Tensor) (Tensor, error) {
	return mapValue(c, v, true)
}

// Constrain maps an unconstrained value into c.
func Constrain(c dist.Constraint, u Tensor) (Tensor, error) {
	return mapValue(c, u, false)
}

// mapValue runs a transform on a plain value through a scratch graph.
func mapValue(c dist.Constraint, v Tensor, inverse bool) (Tensor, error) {
	t, err := dist.BijectTo(c)
	if err != nil {
		return Tensor{}, err
	}
	g := engine.NewGraph()
	x := g.Constant(v.Data, v.Shape...)
	var out, ok *engine.Node
	if inverse {
		ok = g.Min(g.Reshape(c.Check(x), -1))
		out = t.Inverse(x)
	} else {
		out = t.Forward(x)
	}
	nodes := []*engine.Node{out}
	if ok != nil {
		nodes = append(nodes, ok)
	}
	if err := g.Err(); err != nil {
		return Tensor{}, err
	}
	prog, err := g.Compile(nodes)
	if err != nil {
		return Tensor{}, err
	}
	if err := prog.Run(); err != nil {
		return Tensor{}, err
	}
	if ok != nil && prog.Scalar(ok) != 1 {
		return Tensor{}, fmt.Errorf("%w: value %v is outside %v", dist.ErrSupport, v.Data, c)
	}
	return Tensor{Data: slices.Clone(prog.Value(out)), Shape: out.Shape()}, nil
}
