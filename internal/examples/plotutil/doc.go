// Package plotutil draws the few kinds of figure that ignis examples need —
// loss curves, lines with an optional shaded band (a GP mean ± 2σ), scatter
// plots, intervals and heat maps — on gonum.org/v1/plot, with one call each.
//
// Every function writes one file; its extension picks the format (.png,
// .svg, .pdf, ...). Examples write PNG.
//
// Figures are laid out so that they read at a glance: the axes reach a
// little past the data, so that nothing sits on the frame; ticks fall on
// round values, all labelled in one number format; the legend takes a
// corner of the frame that no data reach, or room made for it at the top,
// or a column outside the frame; heat maps carry a colour bar and print
// each value in a colour that stands out from its cell.
//
//	err := plotutil.Lines("out/gp/fit.png", "GP fit", "x", "f(x)",
//		plotutil.Series{Name: "mean ± 2σ", X: xs, Y: mean, Band: [2][]float64{lo, hi}},
//		plotutil.Series{Name: "truth", X: xs, Y: truth},
//	)
package plotutil
