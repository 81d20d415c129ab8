package models

import (
	"math"
	"math/rand/v2"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/gp"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// ClusteredData is a clustered multitask regression problem: T tasks
// observed at the same N points, task t following function Funcs[Cluster[t]]
// plus N(0, Noise²) noise.
type ClusteredData struct {
	X       []float64 // [N]
	Y       []float64 // [N, T], points × tasks
	Funcs   []func(x float64) float64
	Cluster []int
	Noise   float64
}

// Tasks returns T.
func (d ClusteredData) Tasks() int { return len(d.Cluster) }

// SimulateClustered draws the data for the true functions funcs and the
// tasks' clusters, at n points evenly spaced on [0, 1].
func SimulateClustered(seed uint64, n int, noise float64, funcs []func(float64) float64, cluster []int) ClusteredData {
	r := rand.New(rand.NewPCG(seed, 0xc1a5))
	t := len(cluster)
	d := ClusteredData{X: Linspace(0, 1, n), Y: make([]float64, n*t), Funcs: funcs, Cluster: cluster, Noise: noise}
	for i, x := range d.X {
		for j, c := range cluster {
			d.Y[i*t+j] = funcs[c](x) + noise*r.NormFloat64()
		}
	}
	return d
}

// SeedClustered is the seed's setting: 100 points, tasks sin(2πx),
// −sin(2πx), −sin(2πx), sin(2πx), noise 0.03.
func SeedClustered(seed uint64) ClusteredData {
	pos := func(x float64) float64 { return math.Sin(2 * math.Pi * x) }
	neg := func(x float64) float64 { return -math.Sin(2 * math.Pi * x) }
	return SimulateClustered(seed, 100, 0.03, []func(float64) float64{pos, neg}, []int{0, 1, 1, 0})
}

// Linspace returns n evenly spaced values from lo to hi.
func Linspace(lo, hi float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = lo + (hi-lo)*float64(i)/float64(n-1)
	}
	return out
}

// ClusteredGP is the clustered multitask GP of examples/clusteredgp: k
// variational GPs (fixed inducing points on [0, 1], whitened, Cholesky q)
// with an RBF kernel scaled by an output scale, one lengthscale and output
// scale per function, and the gp.Clustered likelihood.
type ClusteredGP struct {
	Data     ClusteredData
	K        int // latent functions
	Inducing int
	// Batch, when positive, subsamples that many points per step.
	Batch int
	Lik   gp.Clustered
}

// NewClusteredGP sets up the model for data with k functions and m
// inducing points, the assignments handled as a says.
func NewClusteredGP(data ClusteredData, k, m int, a gp.Assignments, seed uint64) ClusteredGP {
	return ClusteredGP{Data: data, K: k, Inducing: m, Lik: gp.Clustered{
		Name: "y", Tasks: data.Tasks(), Functions: k, Assignments: a, InitSeed: seed,
	}}
}

// ELBO returns the objective that fits the model with the given number of
// vectorized particles: TraceELBO for sampled and relaxed assignments (TraceGraphELBO
// with a leave-one-out baseline when the likelihood observes in the task
// plates, Lik.TaskPlates),
// TraceMeanFieldELBO for summed ones (which draws nothing, so needs no
// particles), TraceGuideEnumELBO for enumerated ones.
func (c ClusteredGP) ELBO(particles int) infer.ELBO {
	switch c.Lik.Assignments {
	case gp.Summed:
		return infer.TraceMeanFieldELBO{}
	case gp.Enumerated:
		return infer.TraceGuideEnumELBO{NumParticles: particles}
	}
	if c.Lik.TaskPlates {
		return infer.TraceGraphELBO{NumParticles: particles, LeaveOneOut: true}
	}
	return infer.TraceELBO{NumParticles: particles}
}

// VGP is the batch of variational GPs with the given hyperparameters (nil in
// the guide, which reads only the sizes).
func (c ClusteredGP) VGP(g *engine.Graph, lengthscale, outputscale *engine.Node) gp.VariationalGP {
	var kern gp.Kernel
	if lengthscale != nil {
		kern = gp.Scale{Base: gp.RBF{Lengthscale: lengthscale}, Outputscale: outputscale}
	}
	return gp.VariationalGP{
		Name:      "u",
		Kernel:    kern,
		Points:    g.Constant(Linspace(0, 1, c.Inducing), c.Inducing, 1),
		Functions: c.K,
	}
}

// Model is the model: hyperparameters (lengthscale [k, 1] from 0.3,
// outputscale [k] from 1), q(f) at the data (or the step's subsample of
// it), the clustered likelihood.
func (c ClusteredGP) Model(m *probgraph.Ctx) {
	g := m.Graph()
	n, t := len(c.Data.X), c.Data.Tasks()
	ls := m.Param("lengthscale", probgraph.Full(0.3, c.K, 1), probgraph.Constrained(dist.Positive()))
	scale := m.Param("outputscale", probgraph.Full(1, c.K), probgraph.Constrained(dist.Positive()))
	opts := []probgraph.PlateOption{probgraph.Dim(c.Lik.DataDim())}
	if c.Batch > 0 {
		opts = append(opts, probgraph.Subsample(c.Batch))
	}
	data := m.Plate("data", n, opts...)
	f := c.VGP(g, ls, scale).Model(m, data.Subsample(g.Constant(c.Data.X, n, 1)))
	c.Lik.Model(m, data, f, data.Subsample(g.Constant(c.Data.Y, n, t)))
}

// Guide is the guide: q(v) and the likelihood's q(z).
func (c ClusteredGP) Guide(m *probgraph.Ctx) {
	c.VGP(m.Graph(), nil, nil).Guide(m)
	c.Lik.Guide(m)
}
