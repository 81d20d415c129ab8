// Package vmath evaluates transcendental functions over float64 slices:
// Exp, Expm1, Log, Log1p, Tanh, and the logistic family Sigmoid, Softplus
// and LogSigmoid that Bernoulli and logistic-regression densities need.
// SoftplusSigmoid gives a logistic regression's log density and score
// together: Softplus and Sigmoid of the same logits from one exponential,
// bit for bit what the two functions give.
//
// Each function F(dst, x) sets dst[i] = f(x[i]) for i < len(dst); x must be
// at least as long as dst, and dst may be x itself. Results are within one
// ulp of the exact value, so within two of the math package (whose Exp is
// itself up to 1.7 ulp off on amd64), and keep math's special cases:
// infinities, NaN, signed zeros, subnormal arguments and results.
//
// On amd64 processors with AVX2 and FMA the loops run in assembly, four
// elements per instruction; elsewhere, and under the purego build tag, a
// pure-Go version computes the same functions to the same accuracy. Nothing
// allocates, so the functions suit the inner loops of log densities and
// their gradients.
//
// The package also holds the simple element-wise operations that fused
// loops chain over tiles: Add, Sub, Mul, Div, Scale, Shift, Neg, Abs,
// Square, Reciprocal and Sqrt; Max and Min; the comparisons Greater,
// GreaterEqual, Less, LessEqual and Equal, which give 1 or 0; and Where.
// These are exact: each element is, bit for bit, what the plain Go loop
// over the slices gives (one correctly rounded IEEE operation, NaN
// payloads as the processor passes them on), and the assembly, four
// elements per instruction, changes only the speed.
package vmath
