package dist

// IID returns n independent copies of the univariate distribution d as one
// vector-valued distribution of event shape [n] (plus d's batch shape):
// Stan's vector[n] x; x ~ normal(0, 10); reads
//
//	m.Sample("x", dist.IID(dist.Normal(g.Scalar(0), g.Scalar(10)), n))
//
// It is ToEvent(Expand(d, batch + [n]), 1).
func IID(d Distribution, n int) *IndependentDist {
	return ToEvent(Expand(d, append(d.BatchShape(), n)...), 1)
}
