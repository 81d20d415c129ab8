package vmath_test

import (
	"fmt"

	"github.com/ignis-ppl/ignis/internal/vmath"
)

// The log-likelihood of Bernoulli outcomes y under logits z is
// Σ y·logσ(z) + (1 - y)·logσ(-z); its gradient with respect to z is
// y - σ(z).
func Example() {
	z := []float64{-2, 0.5, 3}
	y := []float64{0, 1, 1}

	p := make([]float64, len(z))
	vmath.Sigmoid(p, z)

	neg := []float64{-z[0], -z[1], -z[2]}
	logP, logQ := make([]float64, len(z)), make([]float64, len(z))
	vmath.LogSigmoid(logP, z)
	vmath.LogSigmoid(logQ, neg)

	var ll float64
	for i := range z {
		ll += y[i]*logP[i] + (1-y[i])*logQ[i]
		fmt.Printf("z=%4.1f  σ=%.4f  grad=%+.4f\n", z[i], p[i], y[i]-p[i])
	}
	fmt.Printf("log-likelihood %.4f\n", ll)
	// Output:
	// z=-2.0  σ=0.1192  grad=-0.1192
	// z= 0.5  σ=0.6225  grad=+0.3775
	// z= 3.0  σ=0.9526  grad=+0.0474
	// log-likelihood -0.6496
}

// A logistic regression's Bernoulli log density for outcome y and logit t
// is y·t - softplus(t), and its derivative with respect to t is y - σ(t);
// SoftplusSigmoid gives both from one exponential.
func ExampleSoftplusSigmoid() {
	t := []float64{-2, 0.5, 3}
	y := []float64{0, 1, 1}

	sp, sg := make([]float64, len(t)), make([]float64, len(t))
	vmath.SoftplusSigmoid(sp, sg, t)

	for i := range t {
		fmt.Printf("t=%4.1f  log p=%.4f  score=%+.4f\n", t[i], y[i]*t[i]-sp[i], y[i]-sg[i])
	}
	// Output:
	// t=-2.0  log p=-0.1269  score=-0.1192
	// t= 0.5  log p=-0.4741  score=+0.3775
	// t= 3.0  log p=-0.0486  score=+0.0474
}
