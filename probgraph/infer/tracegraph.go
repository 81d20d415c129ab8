package infer

import (
	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
)

// TraceGraphELBO is the Trace ELBO with Rao-Blackwellized score-function
// terms. Its loss is TraceELBO's (the same estimate from the same draws);
// only the surrogate differs. For every non-reparameterized latent site z of
// the guide, the score term log q(z) · cost keeps only the cost terms that
// can change with z:
//
//   - terms downstream of z: the model's and the guide's log-probabilities
//     whose values are computed from z's value through the graph (z's own
//     log q and log p included); the others are independent of z given what
//     z depends on, and their products with the score have mean zero;
//   - for z in a plate, only the terms at z's own index of that plate: a
//     term in the same plate (told apart by name, at the same dimension)
//     keeps that dimension and is paired element by element with log q(z),
//     a term outside it is summed over its own plates and broadcast.
//
// So in a model with one discrete latent per task and the observations in
// the data and tasks plates, each task's score sees only its own task's
// terms, not the whole ELBO. The plates' promise of conditional
// independence is taken at its word: a term inside z's plate must not read
// other elements of z.
//
// The score multiplies the unscaled log q(z) (masked, but not multiplied by
// subsampling or Scale factors) with the scaled cost terms, so with a
// subsampled plate the estimate of the gradient is unbiased for the full
// data set.
//
// With LeaveOneOut and NumParticles > 1, each particle's cost has the mean
// cost of the other particles at the same plate index subtracted: a baseline
// that is independent of the particle's own draw, so the gradient stays
// unbiased, and that needs no state between steps. Otherwise a site marked
// with probgraph.InferConfig{Baseline: true} gets a decaying average of its
// past downstream costs (element by element of its plates, averaged over
// particles; decay BaselineBeta, default 0.9) subtracted, which SVI keeps
// between steps (Objective.SiteBaselines); the average is of earlier steps'
// draws only, so the gradient stays unbiased.
//
// Guide sites marked for enumeration are not summed out here (use
// TraceGuideEnumELBO); they are treated as TraceELBO treats them.
type TraceGraphELBO struct {
	NumParticles int
	LeaveOneOut  bool
}

// Build builds the loss on g.
func (e TraceGraphELBO) Build(g *engine.Graph, model, guide probgraph.Model, ps *probgraph.ParamStore) (*Objective, error) {
	mtr, gtr, dim, err := particleTraces(g, e.NumParticles, model, guide, ps)
	if err != nil {
		return nil, err
	}
	particles := dim != 0
	var costs []*probgraph.Site
	elbo := g.Scalar(0)
	for _, s := range mtr.Sites() {
		if s.Kind == probgraph.SampleSite {
			elbo = g.Add(elbo, perParticle(g, s.LogProb(), particles))
			costs = append(costs, s)
		}
	}
	for _, s := range gtr.Sites() {
		if s.IsLatent() {
			elbo = g.Sub(elbo, perParticle(g, s.LogProb(), particles))
			costs = append(costs, s)
		}
	}
	guideSites := map[*probgraph.Site]bool{}
	for _, s := range gtr.Sites() {
		guideSites[s] = true
	}
	surrogate := elbo
	var baselines []SiteBaseline
	for _, z := range gtr.Sites() {
		if !z.IsLatent() || z.Dist.Reparameterized() || z.Infer.EnumDim != 0 {
			continue
		}
		cost := downstreamCost(g, z, costs, guideSites)
		if cost == nil {
			continue
		}
		cost = g.StopGradient(cost)
		switch {
		case e.LeaveOneOut && particles && e.NumParticles > 1:
			cost = leaveOneOut(g, cost, dim, e.NumParticles)
		case z.Infer.Baseline:
			avg := cost
			if ax := len(cost.Shape()) + dim; particles && ax >= 0 {
				avg = g.Unsqueeze(g.Mean(cost, ax), ax)
			}
			b := SiteBaseline{Name: z.Name, Input: g.Input("_baseline:"+z.Name, avg.Shape()...), Cost: avg, Beta: z.Infer.BaselineBeta}
			if b.Beta == 0 {
				b.Beta = 0.9
			}
			baselines = append(baselines, b)
			cost = g.Sub(cost, b.Input)
		}
		surrogate = g.Add(surrogate, perParticle(g, g.Mul(scoreLogProb(g, z), cost), particles))
	}
	obj := &Objective{ModelTrace: mtr, GuideTrace: gtr, SiteBaselines: baselines}
	obj.Loss = g.Neg(g.Mean(elbo))
	obj.Surrogate = g.Neg(g.Mean(surrogate))
	if err := g.Err(); err != nil {
		return nil, err
	}
	return obj, nil
}

// scoreLogProb is a site's log-probability with its mask but without its
// scale: the score ∇log q(z) of the draw itself.
func scoreLogProb(g *engine.Graph, s *probgraph.Site) *engine.Node {
	if s.Scale != 0 {
		lp := s.LogProb()
		if s.Scale != 1 {
			lp = g.Scale(lp, 1/s.Scale)
		}
		return lp
	}
	lp := s.Dist.LogProb(s.Value)
	if s.Mask != nil {
		lp = g.Where(s.Mask, lp, g.Scalar(0))
	}
	return lp
}

// downstreamCost is the ELBO's cost terms that depend on z (guide terms with
// a minus sign), each laid out on z's log-probability's batch dimensions:
// kept along the plates it shares with z, summed over the rest. It is nil
// when no term depends on z.
func downstreamCost(g *engine.Graph, z *probgraph.Site, costs []*probgraph.Site, guide map[*probgraph.Site]bool) *engine.Node {
	zrank := len(z.LogProb().Shape())
	zplate := map[int]string{}
	for _, p := range z.Plates {
		zplate[p.Dim] = p.Name
	}
	seen := map[*engine.Node]bool{}
	memo := map[*engine.Node]bool{}
	var total *engine.Node
	for _, c := range costs {
		lp := c.LogProb()
		if !reachesNode(lp, z.Value, memo, seen) {
			continue
		}
		shape := lp.Shape()
		r := len(shape)
		cplate := map[int]string{}
		for _, p := range c.Plates {
			cplate[p.Dim] = p.Name
		}
		var sum []int
		out := make([]int, zrank)
		for i := range out {
			out[i] = 1
		}
		for i := range shape {
			d := i - r
			if name, ok := cplate[d]; ok && -d <= zrank && zplate[d] == name {
				out[zrank+d] = shape[i]
				continue
			}
			sum = append(sum, i)
		}
		t := lp
		if len(sum) > 0 {
			t = g.Sum(t, sum...)
		}
		t = g.Reshape(t, out...)
		if guide[c] {
			t = g.Neg(t)
		}
		if total == nil {
			total = t
		} else {
			total = g.Add(total, t)
		}
	}
	return total
}

// reachesNode reports whether n is computed from v, memoizing the answer
// for every node visited.
func reachesNode(n, v *engine.Node, memo, seen map[*engine.Node]bool) bool {
	if n == nil {
		return false
	}
	if n == v {
		return true
	}
	if seen[n] {
		return memo[n]
	}
	seen[n] = true
	r := false
	for _, in := range n.Inputs() {
		if reachesNode(in, v, memo, seen) {
			r = true
		}
	}
	memo[n] = r
	return r
}

// leaveOneOut subtracts from each particle's cost the mean of the other
// particles' costs: c_p − (Σ_q c_q − c_p)/(P − 1), with the particle
// dimension at dim of the cost's layout (size 1 there when the cost does
// not vary over particles, in which case nothing is left).
func leaveOneOut(g *engine.Graph, cost *engine.Node, dim, n int) *engine.Node {
	shape := cost.Shape()
	ax := len(shape) + dim
	if ax < 0 || shape[ax] != n {
		return cost
	}
	sum := g.Unsqueeze(g.Sum(cost, ax), ax)
	// c − (S − c)/(P − 1) = (P c − S)/(P − 1).
	return g.Scale(g.Sub(g.Scale(cost, float64(n)), sum), 1/float64(n-1))
}
