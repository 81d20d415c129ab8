// Package plotutil draws the few kinds of figure that ignis examples need —
// loss curves, lines with an optional shaded band (a GP mean ± 2σ), and
// scatter plots — on gonum.org/v1/plot, with one call each.
//
// Every function writes one file; its extension picks the format (.png,
// .svg, .pdf, ...). Examples write PNG.
//
//	err := plotutil.Lines("out/gp/fit.png", "GP fit", "x", "f(x)",
//		plotutil.Series{Name: "mean ± 2σ", X: xs, Y: mean, Band: [2][]float64{lo, hi}},
//		plotutil.Series{Name: "truth", X: xs, Y: truth},
//	)
package plotutil
