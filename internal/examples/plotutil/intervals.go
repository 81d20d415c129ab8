package plotutil

import (
	"fmt"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// IntervalPanel is one panel of Intervals: for each index i, a point
// estimate Mid[i] with an interval [Lo[i], Hi[i]] and, optionally, the true
// value Truth[i].
type IntervalPanel struct {
	Title          string
	Lo, Mid, Hi    []float64
	Truth          []float64
	XLabel, YLabel string
}

// Intervals draws the panels side by side in one PNG: estimates as dots,
// intervals as error bars, truths as stars.
func Intervals(path string, panels ...IntervalPanel) error {
	if len(panels) == 0 {
		return fmt.Errorf("plotutil: intervals: no panels")
	}
	plots := make([][]*plot.Plot, 1)
	for i, pn := range panels {
		n := len(pn.Mid)
		if len(pn.Lo) != n || len(pn.Hi) != n || (pn.Truth != nil && len(pn.Truth) != n) {
			return fmt.Errorf("plotutil: intervals: panel %d has mismatched lengths", i)
		}
		p := newPlot(pn.Title, pn.XLabel, pn.YLabel)
		pts := make(plotter.XYs, n)
		errs := make(plotter.YErrors, n)
		for k := 0; k < n; k++ {
			pts[k].X, pts[k].Y = float64(k), pn.Mid[k]
			errs[k].Low, errs[k].High = pn.Mid[k]-pn.Lo[k], pn.Hi[k]-pn.Mid[k]
		}
		bars, err := plotter.NewYErrorBars(struct {
			plotter.XYer
			plotter.YErrorer
		}{pts, errs})
		if err != nil {
			return fmt.Errorf("plotutil: intervals: %w", err)
		}
		bars.Color = colour(0)
		p.Add(bars)
		mid, err := plotter.NewScatter(pts)
		if err != nil {
			return err
		}
		mid.Color, mid.Radius, mid.Shape = colour(1), vg.Points(1.5), draw.CircleGlyph{}
		p.Add(mid)
		p.Legend.Add("median, 95% interval", mid)
		if pn.Truth != nil {
			tr := make(plotter.XYs, n)
			for k := range tr {
				tr[k].X, tr[k].Y = float64(k), pn.Truth[k]
			}
			ts, err := plotter.NewScatter(tr)
			if err != nil {
				return err
			}
			ts.Color, ts.Radius, ts.Shape = colour(6), vg.Points(2.5), draw.CrossGlyph{}
			p.Add(ts)
			p.Legend.Add("truth", ts)
		}
		plots[0] = append(plots[0], p)
	}
	img := vgimg.New(width*vg.Length(len(panels)), height)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: len(panels), PadX: vg.Millimeter, PadY: vg.Millimeter}
	canvases := plot.Align(plots, tiles, dc)
	for j := range panels {
		plots[0][j].Draw(canvases[0][j])
	}
	return savePNG(img, path)
}

// Quantile is the p-quantile of x by linear interpolation between order
// statistics (NumPy's default), for the intervals of posterior draws.
func Quantile(x []float64, p float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	h := p * float64(len(s)-1)
	i := int(h)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (h-float64(i))*(s[i+1]-s[i])
}
