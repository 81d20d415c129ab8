// Package dist holds ignis's probability distributions: log densities as
// graph nodes, Pyro's batch and event shapes (Expand, ToEvent), samplers
// driven by the program's noise inputs (reparameterized where the family
// allows), supports as constraints with bijections to unconstrained space,
// and KL divergences in closed form or by Monte Carlo.
//
// # Validation
//
// As Pyro's validate_args, checks are on by default. A constructor checks
// its constant parameters at once (NaN, ±Inf and each parameter's domain:
// a positive scale, probabilities on the simplex) and records an error
// wrapping ErrParameter that names the family, the parameter and the
// constraint; a parameter computed on the graph is checked on every run by
// a pass-through op that fails the run with the same error, and with the
// model site once the distribution has reached one (AtSite). SetValidation
// turns these run-time checks off for speed; constants are checked whatever
// the setting. CheckValue checks data against a support (probgraph does so
// for every observed site).
//
// LogProb of a value outside the support is −Inf for every family (a NaN
// value gives NaN).
//
// # Stan programs
//
// A Stan program's pieces have these counterparts:
//
//	real x;  (no prior)                  Flat(g)
//	real<lower=0> x;  (no prior)         FlatPositive(g)
//	ordered[K], positive_ordered[K]      ImproperUniform(g, OrderedVector(), nil, Shape{K}),
//	                                     PositiveOrderedVector; OrderedTransform
//	real<lower=a, upper=b> x, a and b
//	  computed from other parameters     ImproperUniform(g, IntervalOf(a, b), …),
//	                                     GreaterThanOf(a), LessThanOf(b)
//	y ~ normal(mu, s) T[lo, hi]          TruncatedNormal(mu, s, lo, hi), Truncated(d, lo, hi)
//	sigma ~ student_t(nu, 0, s), sigma>0 HalfStudentT(nu, s)
//	vector[K] x; x ~ normal(0, 10)       IID(Normal(g.Scalar(0), g.Scalar(10)), K)
//	poisson_log(eta)                     PoissonLogRate(eta)
//	multinomial(p)                       Multinomial(n, p)
//	[a, b]' from scalars                 g.Stack(0, a, b)
//	target += f                          probgraph's Ctx.Factor
//
// A sampler maps each latent site onto its support where the model draws
// it (probgraph.SubstituteUnconstrained), so a bound that depends on other
// parameters comes with its Jacobian, and sites that cannot be drawn from
// (Unsampleable) start at probgraph.InitToUniform(2), as Stan's chains do.
package dist
