// Package probgraph is ignis's model API. A model is an ordinary Go function
// over a context: it declares random variables (Sample, Observe), learnable
// parameters (Param), named intermediate values (Deterministic), extra log
// density terms (Factor) and conditional independence (Plate). Running the
// model under handlers (Record, Replay, Block, Condition, Substitute, Scale,
// Mask, Seed, Enum) builds graph nodes once; inference compiles them into a program
// that runs every step.
//
//	func model(m *probgraph.Ctx) {
//		g := m.Graph()
//		p := m.Sample("p", dist.Beta(g.Scalar(1), g.Scalar(1)))
//		m.Plate("data", n).Observe("x", dist.Bernoulli(p), data)
//	}
//
// Handlers are values on a stack owned by the context, composed as
// middleware (Chain); nothing is global, so models train concurrently.
//
// Mistakes are reported where they are made. An invalid distribution (a
// negative constant scale, a NaN location, a nil parameter) is a *SiteError
// naming the site it was given to, and observed data outside the support of
// its distribution (a Gamma observing −1, a Dirichlet observing a vector off
// the simplex) is one too, wrapping dist.ErrSupport: both when the model is
// traced, before inference takes a step. Parameters computed on the graph and
// data fed at run time are checked on every run, and their errors name the
// site as well (see dist.SetValidation).
//
// Inference that works in unconstrained space starts from a Prototype: the
// model traced once, its continuous latent sites (shapes, supports,
// bijections) and prior draws from which an init strategy (InitToMedian,
// InitToMean, InitToSample, InitToValue, InitToFeasible) picks starting
// points. Automatic guides and MCMC share it.
package probgraph
