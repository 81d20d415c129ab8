// Package nn holds neural-network modules for models and guides, the core
// of deep probabilistic programming: Linear, MLP, Conv2D, activations and
// Sequential composition, with the standard initialisations.
//
// A Module is a plain Go value (a name and sizes) whose Apply adds its
// computation to the model or guide being run and declares its weights
// through the context. By default they are parameters, named after the
// module ("enc.0.weight", "enc.0.bias"), kept in the inference's parameter
// store and its checkpoints like any other m.Param:
//
//	enc := nn.MLP{Name: "enc", Sizes: []int{784, 200, 2 * 10}, Act: nn.ReLU}
//	guide := func(m *probgraph.Ctx) {
//		batch := m.Plate("data", n, probgraph.Subsample(128))
//		q := nn.NormalEncoder{Net: enc, Latent: 10}.Dist(m, batch.Subsample(images))
//		batch.Sample("z", q) // an amortized guide
//	}
//
// Bayesian makes the weights sample sites with priors instead, as Pyro's
// PyroModule and PyroSample do, so that a Bayesian neural network is an
// ordinary model whose latent variables automatic guides fit and NUTS
// samples:
//
//	net := nn.Bayesian(nn.MLP{Name: "f", Sizes: []int{1, 10, 1}, Act: nn.Tanh}, nn.NormalPrior(1))
//	model := func(m *probgraph.Ctx) {
//		f := net.Apply(m, x) // [N, 1]
//		m.Plate("data", n).Observe("y", dist.Normal(g.Reshape(f, n), g.Scalar(0.1)), y)
//	}
//
// Code that builds a graph without a model context (vmtl's learner) uses
// the graph-level pieces: Dense and DenseStack, GaussianEncoder and
// MeanField, whose parameters sit directly on an engine.Graph.
package nn
