package mcmc

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// potentialGraph is the negative log density of a model's latent sites in
// unconstrained space and its gradient, built once on a graph of its own:
// every chain compiles its own programs from it (compile), so the model is
// traced for the potential once however many chains run.
type potentialGraph struct {
	g *engine.Graph
	// u is the flat unconstrained vector of every latent site, of length
	// dim.
	u      *engine.Node
	dim    int
	energy *engine.Node
	grad   *engine.Node
	// values are the constrained latent site values, in the order of the
	// latents, then the deterministic sites' values; sites names them.
	values []*engine.Node
	sites  []SiteInfo
	// terms are the parts of the energy that belong to one site, evaluated
	// one by one only to say which sites make a starting point infeasible.
	terms []siteTerm
}

// siteTerm is one site's part of the log joint: its log density, or a
// latent site's log|det J|; value is the site's value.
type siteTerm struct {
	site, what  string
	node, value *engine.Node
}

// potential is one chain's compiled potential: evaluating it writes u into
// the program and replays it, with no allocation.
type potential struct {
	pg   *potentialGraph
	prog *engine.Program
	ubuf []float64
	// vals computes only the constrained values from u (its own buffers),
	// for recording a draw without another gradient evaluation.
	vals  *engine.Program
	vubuf []float64
}

// latentLayout says where each site lives in the flat unconstrained vector.
type latentLayout struct {
	sites []probgraph.LatentSite
	offs  []int
	dim   int
}

func newLayout(sites []probgraph.LatentSite) latentLayout {
	l := latentLayout{sites: sites}
	for _, s := range sites {
		l.offs = append(l.offs, l.dim)
		l.dim += s.UnconstrainedShape.Size()
	}
	return l
}

// buildPotential traces the model on a fresh graph with every latent site
// replaced by its slice of u pushed through the bijection onto the site's
// support (built at the site: probgraph.SubstituteUnconstrained), and builds
// −(log joint + Σ log|det J|) and its gradient with respect to u. nesting is
// the model's plate nesting (from its prototype trace): sites marked for
// parallel enumeration get their whole support left of it.
func buildPotential(model probgraph.Model, lay latentLayout, nesting int) (*potentialGraph, error) {
	g := engine.NewGraph()
	ps := probgraph.NewParamStore(g)
	// Each chain writes its own starting point into its program's copy of u.
	u := g.Param("_mcmc_u", make([]float64, lay.dim), lay.dim)
	// Each latent site's slice of u is pushed through the map onto its
	// support where the model draws it, so that bounds computed from other
	// sites take their values in this run.
	uncs := map[string]*engine.Node{}
	for i, s := range lay.sites {
		n := s.UnconstrainedShape.Size()
		uncs[s.Name] = g.Reshape(g.Slice(u, 0, lay.offs[i], lay.offs[i]+n), s.UnconstrainedShape...)
	}
	if err := g.Err(); err != nil {
		return nil, fmt.Errorf("%w: building the unconstrained parameterization: %w", ErrModel, err)
	}
	logDetJ := map[string]*engine.Node{}
	tr, err := probgraph.TraceModel(g, probgraph.Chain(ps.Handle(), probgraph.Enum(-(nesting+1)), probgraph.SubstituteUnconstrained(uncs, logDetJ))(model))
	if errors.Is(err, probgraph.ErrEnum) {
		return nil, fmt.Errorf("%w: %w", ErrEnumerated, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: tracing the model: %w", ErrModel, err)
	}
	values := make([]*engine.Node, len(lay.sites))
	var terms []siteTerm
	ladj := g.Scalar(0)
	for i, s := range lay.sites {
		site, j := tr.Site(s.Name), logDetJ[s.Name]
		if site == nil || j == nil {
			return nil, fmt.Errorf("%w: latent site %q is not drawn when the model runs again", ErrModel, s.Name)
		}
		x := site.Value
		if !x.Shape().Equal(s.Shape) {
			x = g.Reshape(x, s.Shape...)
		}
		ladj = g.Add(ladj, j)
		terms = append(terms, siteTerm{site: s.Name, what: "log|det J| of its transform", node: j, value: x})
		values[i] = x
	}
	if err := g.Err(); err != nil {
		return nil, fmt.Errorf("%w: building the unconstrained parameterization: %w", ErrModel, err)
	}
	enumerated := false
	var infos []SiteInfo
	for _, s := range lay.sites {
		infos = append(infos, SiteInfo{Name: s.Name, Shape: s.Shape.Clone()})
	}
	for _, s := range tr.Sites() {
		if s.Kind == probgraph.DeterministicSite {
			values = append(values, s.Value)
			infos = append(infos, SiteInfo{Name: s.Name, Shape: s.Value.Shape().Clone()})
		}
		if s.Kind != probgraph.SampleSite {
			continue
		}
		if s.Infer.Enumerate != probgraph.NoEnumeration {
			enumerated = true
			continue
		}
		if s.IsLatent() && uncs[s.Name] == nil {
			return nil, fmt.Errorf("%w: latent site %q has no continuous unconstrained form (discrete sites need enumeration)", ErrModel, s.Name)
		}
		for _, p := range s.Plates {
			if p.Subsampled() {
				return nil, fmt.Errorf("%w: site %q is in subsampled plate %q; MCMC needs the full data", ErrModel, s.Name, p.Name)
			}
		}
	}
	logJoint := tr.LogProbSum()
	for _, s := range tr.Sites() {
		if s.Kind == probgraph.SampleSite {
			terms = append(terms, siteTerm{site: s.Name, what: "log density", node: s.LogProbSum(), value: s.Value})
		}
	}
	if enumerated {
		if logJoint, err = infer.EnumeratedLogJoint(g, tr, nesting); err != nil {
			return nil, fmt.Errorf("%w: summing out the enumerated sites: %w", ErrEnumerated, err)
		}
	}
	energy := g.Neg(g.Add(logJoint, ladj))
	grads := g.Grad(energy, u)
	if err := g.Err(); err != nil {
		return nil, fmt.Errorf("%w: potential energy: %w", ErrModel, err)
	}
	return &potentialGraph{g: g, u: u, dim: lay.dim, energy: energy, grad: grads[0], values: values, sites: infos, terms: terms}, nil
}

// compile gives a chain programs of its own for the potential and the site
// values.
func (pg *potentialGraph) compile() (*potential, error) {
	prog, err := pg.g.Compile([]*engine.Node{pg.energy, pg.grad})
	if err != nil {
		return nil, fmt.Errorf("%w: compiling the potential: %w", ErrModel, err)
	}
	vals, err := pg.g.Compile(pg.values)
	if err != nil {
		return nil, fmt.Errorf("%w: compiling the site values: %w", ErrModel, err)
	}
	return &potential{pg: pg, prog: prog, ubuf: prog.Value(pg.u), vals: vals, vubuf: vals.Value(pg.u)}, nil
}

// eval computes the potential at q and writes its gradient into grad.
// A failing or non-finite evaluation gives +Inf (the sampler treats it as a
// divergence).
func (p *potential) eval(q, grad []float64) float64 {
	copy(p.ubuf, q)
	if err := p.prog.Replay(); err != nil {
		return inf
	}
	copy(grad, p.prog.Value(p.pg.grad))
	e := p.prog.Value(p.pg.energy)[0]
	if e != e {
		return inf
	}
	return e
}

// constrained appends the constrained site values at q to dst
// (concatenated in site order).
func (p *potential) constrained(dst, q []float64) ([]float64, error) {
	copy(p.vubuf, q)
	if err := p.vals.Replay(); err != nil {
		return dst, err
	}
	for _, v := range p.pg.values {
		dst = append(dst, p.vals.Value(v)...)
	}
	return dst, nil
}

// SiteError names a site whose part of the potential energy is not finite
// at a chain's initial point: its log density, or for a latent site the
// log|det J| of the transform from unconstrained space. Value is the term's
// value and SiteValue the site's value there (nil when it could not be
// computed); Err, when set, is why the term could not be evaluated at all
// (a distribution parameter outside its domain, for instance).
type SiteError struct {
	Site      string
	Term      string
	Value     float64
	SiteValue []float64
	Err       error
}

// maxShownValues is how many elements of a site's value an error message
// shows.
const maxShownValues = 6

func (e *SiteError) Error() string {
	site := fmt.Sprintf("site %q", e.Site)
	if e.SiteValue != nil {
		site += " = " + shortValues(e.SiteValue)
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", site, e.Term, e.Err)
	}
	return fmt.Sprintf("%s: %s is %v", site, e.Term, e.Value)
}

// shortValues formats a scalar as itself and a longer value as its first
// few elements in brackets.
func shortValues(v []float64) string {
	if len(v) == 1 {
		return fmt.Sprint(v[0])
	}
	parts := make([]string, 0, maxShownValues+1)
	for i, x := range v {
		if i == maxShownValues {
			parts = append(parts, fmt.Sprintf("… (%d values)", len(v)))
			break
		}
		parts = append(parts, fmt.Sprint(x))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// Unwrap returns the evaluation error.
func (e *SiteError) Unwrap() error { return e.Err }

// startError explains a potential energy that is not finite at q, a chain's
// initial point, by evaluating each site's term on its own: the error
// shows the point's site values, and wraps ErrModel and a *SiteError for
// every site whose term is not finite there or cannot be evaluated.
func (p *potential) startError(q []float64) error {
	what := "the potential energy is not finite at the initial point"
	if vals, err := p.constrained(nil, q); err == nil {
		parts := make([]string, 0, len(p.pg.sites))
		off := 0
		for _, s := range p.pg.sites {
			n := s.Shape.Size()
			parts = append(parts, s.Name+" = "+shortValues(vals[off:off+n]))
			off += n
		}
		what += " (" + strings.Join(parts, ", ") + ")"
	}
	var errs []any
	for _, t := range p.pg.terms {
		if t.node == nil || !t.node.Valid() {
			continue
		}
		v, err := p.pg.evalNode(t.node, q)
		if err == nil && !math.IsNaN(v[0]) && !math.IsInf(v[0], 0) {
			continue
		}
		se := &SiteError{Site: t.site, Term: t.what, Value: math.NaN(), Err: err}
		if err == nil {
			se.Value = v[0]
		}
		if t.value != nil && t.value.Valid() {
			se.SiteValue, _ = p.pg.evalNode(t.value, q)
		}
		errs = append(errs, se)
	}
	if len(errs) == 0 {
		copy(p.ubuf, q)
		if err := p.prog.Replay(); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrModel, what, err)
		}
		return fmt.Errorf("%w: %s", ErrModel, what)
	}
	format := "%w: " + strings.ReplaceAll(what, "%", "%%") + ": " + strings.TrimSuffix(strings.Repeat("%w; ", len(errs)), "; ")
	return fmt.Errorf(format, append([]any{ErrModel}, errs...)...)
}

// evalNode computes one node of the potential's graph at q; the slice is
// the node's own copy.
func (pg *potentialGraph) evalNode(n *engine.Node, q []float64) ([]float64, error) {
	prog, err := pg.g.Compile([]*engine.Node{n})
	if err != nil {
		return nil, err
	}
	copy(prog.Value(pg.u), q) // nil, copying nothing, when n does not depend on u
	if err := prog.Replay(); err != nil {
		return nil, err
	}
	return slices.Clone(prog.Value(n)), nil
}
