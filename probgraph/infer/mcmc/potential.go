package mcmc

import (
	"errors"
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/autoguide"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// potential is the negative log density of a model's latent sites in
// unconstrained space, with its gradient, compiled once: evaluating it
// writes u into the program and replays it, with no allocation.
type potential struct {
	prog   *engine.Program
	u      *engine.Node
	energy *engine.Node
	grad   *engine.Node
	// values are the constrained latent site values, in the order of the
	// latents, then the deterministic sites' values; sites names them.
	values []*engine.Node
	sites  []SiteInfo
	ubuf   []float64
	// vals computes only the constrained values from u (its own buffers),
	// for recording a draw without another gradient evaluation.
	vals  *engine.Program
	vubuf []float64
}

// latentLayout says where each site lives in the flat unconstrained vector.
type latentLayout struct {
	sites []autoguide.Latent
	offs  []int
	dim   int
}

func newLayout(sites []autoguide.Latent) latentLayout {
	l := latentLayout{sites: sites}
	for _, s := range sites {
		l.offs = append(l.offs, l.dim)
		l.dim += s.UnconstrainedShape.Size()
	}
	return l
}

// compilePotential traces the model on a fresh graph with every latent site
// replaced by its slice of u pushed through the site's bijection, and
// compiles −(log joint + Σ log|det J|) and its gradient with respect to u.
func compilePotential(model probgraph.Model, lay latentLayout) (*potential, error) {
	g := engine.NewGraph()
	ps := probgraph.NewParamStore(g)
	init := make([]float64, 0, lay.dim)
	for _, s := range lay.sites {
		init = append(init, s.Init.Data...)
	}
	u := g.Param("_mcmc_u", init, lay.dim)
	subs := map[string]*engine.Node{}
	values := make([]*engine.Node, len(lay.sites))
	ladj := g.Scalar(0)
	for i, s := range lay.sites {
		n := s.UnconstrainedShape.Size()
		us := g.Reshape(g.Slice(u, 0, lay.offs[i], lay.offs[i]+n), s.UnconstrainedShape...)
		x := s.Transform.Forward(us)
		if !x.Shape().Equal(s.Shape) {
			x = g.Reshape(x, s.Shape...)
		}
		ladj = g.Add(ladj, g.Sum(s.Transform.LogAbsDetJacobian(us, x)))
		subs[s.Name], values[i] = x, x
	}
	if err := g.Err(); err != nil {
		return nil, fmt.Errorf("%w: building the unconstrained parameterization: %v", ErrModel, err)
	}
	// Sites marked for parallel enumeration get their whole support, laid
	// out left of the plates, and are summed out of the log joint below.
	nesting, err := infer.MaxPlateNesting(model)
	if err != nil {
		return nil, fmt.Errorf("%w: finding the plate nesting: %v", ErrModel, err)
	}
	tr, err := probgraph.TraceModel(g, probgraph.Chain(ps.Handle(), probgraph.Enum(-(nesting+1)), probgraph.Substitute(subs))(model))
	if errors.Is(err, probgraph.ErrEnum) {
		return nil, fmt.Errorf("%w: %w", ErrEnumerated, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: tracing the model: %v", ErrModel, err)
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
		if s.IsLatent() && subs[s.Name] == nil {
			return nil, fmt.Errorf("%w: latent site %q has no continuous unconstrained form (discrete sites need enumeration)", ErrModel, s.Name)
		}
		for _, p := range s.Plates {
			if p.Subsampled() {
				return nil, fmt.Errorf("%w: site %q is in subsampled plate %q; MCMC needs the full data", ErrModel, s.Name, p.Name)
			}
		}
	}
	logJoint := tr.LogProbSum()
	if enumerated {
		if logJoint, err = infer.EnumeratedLogJoint(g, tr, nesting); err != nil {
			return nil, fmt.Errorf("%w: summing out the enumerated sites: %w", ErrEnumerated, err)
		}
	}
	energy := g.Neg(g.Add(logJoint, ladj))
	grads := g.Grad(energy, u)
	if err := g.Err(); err != nil {
		return nil, fmt.Errorf("%w: potential energy: %v", ErrModel, err)
	}
	prog, err := g.Compile([]*engine.Node{energy, grads[0]})
	if err != nil {
		return nil, fmt.Errorf("%w: compiling the potential: %v", ErrModel, err)
	}
	vals, err := g.Compile(values)
	if err != nil {
		return nil, fmt.Errorf("%w: compiling the site values: %v", ErrModel, err)
	}
	return &potential{prog: prog, u: u, energy: energy, grad: grads[0], values: values, sites: infos,
		ubuf: prog.Value(u), vals: vals, vubuf: vals.Value(u)}, nil
}

// eval computes the potential at q and writes its gradient into grad.
// A failing or non-finite evaluation gives +Inf (the sampler treats it as a
// divergence).
func (p *potential) eval(q, grad []float64) float64 {
	copy(p.ubuf, q)
	if err := p.prog.Replay(); err != nil {
		return inf
	}
	copy(grad, p.prog.Value(p.grad))
	e := p.prog.Value(p.energy)[0]
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
	for _, v := range p.values {
		dst = append(dst, p.vals.Value(v)...)
	}
	return dst, nil
}
