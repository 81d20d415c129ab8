package plotutil

import (
	"fmt"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// IntervalPanel is one panel of Intervals: for each index i, a point
// estimate Mid[i] with an interval [Lo[i], Hi[i]] and, optionally, the true
// value Truth[i]. Names, when set, label the indices on the x axis (one
// name each); Label names the estimates in the legend ("median, 95%
// interval" when empty).
type IntervalPanel struct {
	Title          string
	Lo, Mid, Hi    []float64
	Truth          []float64
	XLabel, YLabel string
	Names          []string
	Label          string
}

// Intervals draws the panels side by side in one figure: estimates as dots,
// intervals as error bars, truths as crosses.
func Intervals(path string, panels ...IntervalPanel) error {
	if len(panels) == 0 {
		return fmt.Errorf("plotutil: intervals: no panels")
	}
	figs := make([]*figure, len(panels))
	for i, pn := range panels {
		n := len(pn.Mid)
		if len(pn.Lo) != n || len(pn.Hi) != n || (pn.Truth != nil && len(pn.Truth) != n) ||
			(pn.Names != nil && len(pn.Names) != n) {
			return fmt.Errorf("plotutil: intervals: panel %d has mismatched lengths", i)
		}
		f, err := intervalFigure(pn)
		if err != nil {
			return fmt.Errorf("plotutil: intervals: panel %d: %w", i, err)
		}
		figs[i] = f
	}
	tiles := draw.Tiles{Rows: 1, Cols: len(panels), PadX: 4 * vg.Millimeter}
	return saveCanvas(path, width*vg.Length(len(panels)), height, func(c draw.Canvas) {
		for j, f := range figs {
			f.draw(tiles.At(c, j, 0))
		}
	})
}

func intervalFigure(pn IntervalPanel) (*figure, error) {
	n := len(pn.Mid)
	f := newFigure(pn.Title, pn.XLabel, pn.YLabel)
	f.intX = true
	if pn.Names != nil {
		ticks := make([]plot.Tick, n)
		for k, name := range pn.Names {
			ticks[k] = plot.Tick{Value: float64(k), Label: name}
		}
		f.xTicks = plot.ConstantTicks(ticks)
	}
	pts := make(plotter.XYs, n)
	errs := make(plotter.YErrors, n)
	for k := range n {
		pts[k].X, pts[k].Y = float64(k), pn.Mid[k]
		errs[k].Low, errs[k].High = pn.Mid[k]-pn.Lo[k], pn.Hi[k]-pn.Mid[k]
		f.line([]float64{float64(k), float64(k)}, []float64{pn.Lo[k], pn.Hi[k]})
	}
	bars, err := plotter.NewYErrorBars(struct {
		plotter.XYer
		plotter.YErrorer
	}{pts, errs})
	if err != nil {
		return nil, err
	}
	bars.Color = colour(0)
	if n > 30 {
		bars.CapWidth = vg.Points(3)
	}
	f.add(bars, "", nil)
	mid, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, err
	}
	mid.Color, mid.Radius, mid.Shape = colour(1), vg.Points(2), draw.CircleGlyph{}
	label := pn.Label
	if label == "" {
		label = "median, 95% interval"
	}
	f.add(mid, label, thumbs{errorBarThumb{bars.LineStyle}, mid})
	if pn.Truth != nil {
		tr := make(plotter.XYs, n)
		for k := range tr {
			tr[k].X, tr[k].Y = float64(k), pn.Truth[k]
			f.point(tr[k].X, tr[k].Y)
		}
		ts, err := plotter.NewScatter(tr)
		if err != nil {
			return nil, err
		}
		ts.Color, ts.Radius, ts.Shape = colour(6), vg.Points(2.5), draw.CrossGlyph{}
		f.add(ts, "truth", ts)
	}
	return f, nil
}

// thumbs draws several legend thumbnails on top of each other (an error bar
// and its dot).
type thumbs []plot.Thumbnailer

func (t thumbs) Thumbnail(c *draw.Canvas) {
	for _, th := range t {
		th.Thumbnail(c)
	}
}

// errorBarThumb draws a capped vertical bar as a legend thumbnail.
type errorBarThumb struct{ style draw.LineStyle }

func (e errorBarThumb) Thumbnail(c *draw.Canvas) {
	x := (c.Min.X + c.Max.X) / 2
	capw := vg.Points(3)
	c.StrokeLine2(e.style, x, c.Min.Y, x, c.Max.Y)
	c.StrokeLine2(e.style, x-capw, c.Min.Y, x+capw, c.Min.Y)
	c.StrokeLine2(e.style, x-capw, c.Max.Y, x+capw, c.Max.Y)
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
