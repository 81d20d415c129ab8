package dist

import (
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// RelaxedOneHotCategoricalDist is the Concrete or Gumbel-softmax
// distribution: x = softmax((logits + G)/temperature) with G standard Gumbel
// noise per category. It is a continuous relaxation of OneHotCategorical on
// the simplex (event shape [K]) whose draws are differentiable in the
// parameters; as the temperature goes to 0 the draws approach one-hot
// vectors.
type RelaxedOneHotCategoricalDist struct {
	base
	// Temperature has the batch shape (one temperature per member).
	Temperature *engine.Node
	// Probs and Logits are the normalized probabilities and their logs,
	// shape batch + [K].
	Probs, Logits *engine.Node
	// K is the number of categories.
	K int
}

// RelaxedOneHotCategorical returns the relaxed one-hot categorical
// distribution with the given temperature (positive, batch-shaped: it
// broadcasts with probs' batch dimensions) and probs [..., K] on the simplex,
// both checked now for constants and at every run otherwise.
func RelaxedOneHotCategorical(temperature, probs *engine.Node) *RelaxedOneHotCategoricalDist {
	return newRelaxedOneHot(temperature, probs, false)
}

// RelaxedOneHotCategoricalLogits returns the relaxed one-hot categorical
// distribution with the given temperature and probabilities softmax(logits).
func RelaxedOneHotCategoricalLogits(temperature, logits *engine.Node) *RelaxedOneHotCategoricalDist {
	return newRelaxedOneHot(temperature, logits, true)
}

func newRelaxedOneHot(temperature, p *engine.Node, fromLogits bool) *RelaxedOneHotCategoricalDist {
	const family = "RelaxedOneHotCategorical"
	name := paramName(fromLogits)
	d := &RelaxedOneHotCategoricalDist{}
	g, batch, ok := d.setParams(family, []string{"temperature", name}, []*engine.Node{temperature, p}, []int{0, 1})
	if !ok {
		return d
	}
	s := p.Shape()
	d.K = s[len(s)-1]
	d.event = engine.Shape{d.K}
	d.Temperature = g.BroadcastTo(d.checkParam(family, "temperature", temperature, rulePositive), batch...)
	probs, logits := simplexParam(&d.base, family, p, fromLogits)
	full := append(batch.Clone(), d.K)
	d.Probs, d.Logits = g.BroadcastTo(probs, full...), g.BroadcastTo(logits, full...)
	return d
}

// Family returns "RelaxedOneHotCategorical".
func (d *RelaxedOneHotCategoricalDist) Family() string { return "RelaxedOneHotCategorical" }

// Support is the simplex.
func (d *RelaxedOneHotCategoricalDist) Support() Constraint { return Simplex() }

// Reparameterized is true.
func (d *RelaxedOneHotCategoricalDist) Reparameterized() bool { return true }

// LogProb is the Concrete density of x, as a density in the K coordinates
// (the convention of torch.distributions and Pyro): with s = logits − T·log x,
// log Γ(K) + (K−1)·log T + Σ_k (s_k − logsumexp s) − Σ_k log x_k; −Inf off
// the simplex.
func (d *RelaxedOneHotCategoricalDist) LogProb(x *engine.Node) *engine.Node {
	if !d.checkValue("RelaxedOneHotCategorical", x) {
		return d.invalid()
	}
	g := d.g
	in := d.Support().Check(x)
	logx := g.Log(g.Where(g.Unsqueeze(in, -1), x, g.Scalar(1/float64(d.K))))
	s := g.Sub(d.Logits, g.Mul(logx, g.Unsqueeze(d.Temperature, -1)))
	score := g.Sum(g.Sub(s, g.Unsqueeze(g.LogSumExp(s, -1), -1)), -1)
	lgK, _ := math.Lgamma(float64(d.K))
	logScale := g.AddScalar(g.Scale(g.Log(d.Temperature), float64(d.K-1)), lgK)
	lp := g.Sub(g.Add(score, logScale), g.Sum(logx, -1))
	return broadcastBatch(g, maskSupport(g, in, lp), d.batch)
}

// Sample draws softmax((logits + G)/T) with G standard Gumbel noise.
// Gradients flow into both parameters.
func (d *RelaxedOneHotCategoricalDist) Sample(sampleShape ...int) *engine.Node {
	g := d.g
	if !g.Ok("RelaxedOneHotCategorical.Sample", d.Temperature, d.Logits) {
		return d.invalid()
	}
	gumbel := g.Noise(engine.StdGumbel, d.sampleShape(sampleShape)...)
	return g.SoftMax(g.Div(g.Add(d.Logits, gumbel), g.Unsqueeze(d.Temperature, -1)), -1)
}

// SampleStraightThrough draws as Sample does and also returns the hard
// value: the one-hot vector of the soft draw's largest category. The
// gradient of hard is the gradient of soft (the straight-through
// Gumbel-softmax estimator); score the soft draw with LogProb.
func (d *RelaxedOneHotCategoricalDist) SampleStraightThrough(sampleShape ...int) (hard, soft *engine.Node) {
	soft = d.Sample(sampleShape...)
	if !soft.Valid() {
		return soft, soft
	}
	return d.g.Apply(straightThroughOp{oneHot: true}, soft), soft
}

// straightThroughOp quantizes its input (the one-hot vector of the largest
// entry along the last axis, or 1 where the input exceeds ½) and passes the
// gradient through unchanged.
type straightThroughOp struct{ oneHot bool }

func (o straightThroughOp) String() string {
	if o.oneHot {
		return "straight_through(one_hot)"
	}
	return "straight_through(round)"
}

func (o straightThroughOp) Shape(in []engine.Shape) (engine.Shape, error) {
	if o.oneHot && len(in[0]) == 0 {
		return nil, ErrShape
	}
	return in[0].Clone(), nil
}

func (o straightThroughOp) Kernel(spec engine.KernelSpec) (engine.Kernel, error) {
	if !o.oneHot {
		return engine.KernelFunc(func(out []float64, in [][]float64) error {
			for i, v := range in[0] {
				out[i] = b2f(v > 0.5)
			}
			return nil
		}), nil
	}
	k := spec.In[0][len(spec.In[0])-1]
	return engine.KernelFunc(func(out []float64, in [][]float64) error {
		x := in[0]
		for r := 0; r < len(x); r += k {
			best := r
			for i := r + 1; i < r+k; i++ {
				if x[i] > x[best] {
					best = i
				}
			}
			for i := r; i < r+k; i++ {
				out[i] = b2f(i == best)
			}
		}
		return nil
	}), nil
}

func (o straightThroughOp) Grad(g *engine.Graph, in []*engine.Node, out, gout *engine.Node) []*engine.Node {
	return []*engine.Node{gout}
}
