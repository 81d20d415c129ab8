package plotutil

import (
	"errors"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one named set of points. Band, when both of its slices are set,
// gives the lower and upper edge of a shaded region at each X (Lines only);
// X must then be sorted. Points asks Lines to draw the series as points
// rather than a line (data beside a fitted curve).
type Series struct {
	Name   string
	X, Y   []float64
	Band   [2][]float64
	Points bool
}

// Figure size in inches.
const (
	width  = 6 * vg.Inch
	height = 4 * vg.Inch
)

// palette holds colours that stay apart for readers with the common forms
// of colour blindness (Okabe and Ito).
var okabeIto = []color.RGBA{
	{0x00, 0x72, 0xb2, 0xff}, // blue
	{0xd5, 0x5e, 0x00, 0xff}, // vermillion
	{0x00, 0x9e, 0x73, 0xff}, // bluish green
	{0xcc, 0x79, 0xa7, 0xff}, // reddish purple
	{0xe6, 0x9f, 0x00, 0xff}, // orange
	{0x56, 0xb4, 0xe9, 0xff}, // sky blue
	{0x00, 0x00, 0x00, 0xff}, // black
}

func colour(i int) color.RGBA { return okabeIto[i%len(okabeIto)] }

// translucent returns c at a quarter opacity (premultiplied, as image/color wants).
func translucent(c color.RGBA) color.RGBA {
	return color.RGBA{c.R / 4, c.G / 4, c.B / 4, c.A / 4}
}

// ErrNoData reports a figure with nothing to draw.
var ErrNoData = errors.New("plotutil: no data")

// LossCurve plots losses against the step number (from 1). When every loss
// is positive and they span more than two orders of magnitude, the loss axis
// is logarithmic.
func LossCurve(path, title string, losses []float64) error {
	if len(losses) == 0 {
		return fmt.Errorf("%w: loss curve %q has no losses", ErrNoData, title)
	}
	steps := make([]float64, len(losses))
	for i := range steps {
		steps[i] = float64(i + 1)
	}
	s := Series{Name: "loss", X: steps, Y: losses}
	if err := s.check(); err != nil {
		return err
	}
	f := newFigure(title, "step", "loss")
	f.logY = logScale(losses)
	l, err := plotter.NewLine(xys(s.X, s.Y))
	if err != nil {
		return fmt.Errorf("plotutil: %s: %w", title, err)
	}
	l.Color = colour(0)
	f.add(l, "", nil)
	f.line(s.X, s.Y)
	return f.save(path)
}

func logScale(v []float64) bool {
	lo, hi := math.Inf(1), 0.0
	for _, x := range v {
		if x <= 0 {
			return false
		}
		lo, hi = min(lo, x), max(hi, x)
	}
	return hi/lo > 100
}

// Lines draws each series as a line (or as points, when its Points field is
// set), its band (if any) shaded beneath it in the same colour, with a
// legend naming the series.
func Lines(path, title, xlabel, ylabel string, series ...Series) error {
	if err := checkAll(series); err != nil {
		return err
	}
	f := newFigure(title, xlabel, ylabel)
	// Bands first, so that no band covers a line.
	for i, s := range series {
		if s.Band[0] == nil {
			continue
		}
		outline := bandOutline(s)
		poly, err := plotter.NewPolygon(outline)
		if err != nil {
			return fmt.Errorf("plotutil: %s: series %q: %w", title, s.Name, err)
		}
		poly.Color = translucent(colour(i))
		poly.LineStyle.Width = 0
		f.add(poly, "", nil)
		f.line(s.X, s.Band[0])
		f.line(s.X, s.Band[1])
	}
	for i, s := range series {
		if s.Points {
			if err := f.scatter(i, s); err != nil {
				return fmt.Errorf("plotutil: %s: %w", title, err)
			}
			continue
		}
		l, err := plotter.NewLine(xys(s.X, s.Y))
		if err != nil {
			return fmt.Errorf("plotutil: %s: series %q: %w", title, s.Name, err)
		}
		l.Color = colour(i)
		l.Width = vg.Points(1.5)
		f.add(l, s.Name, l)
		f.line(s.X, s.Y)
	}
	return f.save(path)
}

// Scatter draws each series as points, with a legend naming the series.
// Bands are checked like those of Lines but not drawn.
func Scatter(path, title, xlabel, ylabel string, series ...Series) error {
	if err := checkAll(series); err != nil {
		return err
	}
	f := newFigure(title, xlabel, ylabel)
	for i, s := range series {
		if err := f.scatter(i, s); err != nil {
			return fmt.Errorf("plotutil: %s: %w", title, err)
		}
	}
	return f.save(path)
}

// scatter adds the i-th series of a figure as points.
func (f *figure) scatter(i int, s Series) error {
	shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.SquareGlyph{}, draw.CrossGlyph{}}
	sc, err := plotter.NewScatter(xys(s.X, s.Y))
	if err != nil {
		return fmt.Errorf("series %q: %w", s.Name, err)
	}
	sc.Color = colour(i)
	sc.Shape = shapes[i%len(shapes)]
	sc.Radius = vg.Points(2)
	if len(s.X) > 300 {
		sc.Radius = vg.Points(1.2) // dense clouds stay readable
	}
	f.add(sc, s.Name, sc)
	for k := range s.X {
		f.point(s.X[k], s.Y[k])
	}
	return nil
}

func checkAll(series []Series) error {
	if len(series) == 0 {
		return fmt.Errorf("%w: no series", ErrNoData)
	}
	for _, s := range series {
		if err := s.check(); err != nil {
			return err
		}
	}
	return nil
}

// check reports mismatched lengths and non-finite values, naming the series,
// before gonum/plot sees them.
func (s Series) check() error {
	if len(s.X) == 0 {
		return fmt.Errorf("%w: series %q is empty", ErrNoData, s.Name)
	}
	if len(s.Y) != len(s.X) {
		return fmt.Errorf("plotutil: series %q has %d x and %d y values", s.Name, len(s.X), len(s.Y))
	}
	lo, hi := s.Band[0], s.Band[1]
	if (lo == nil) != (hi == nil) {
		return fmt.Errorf("plotutil: series %q: a band needs both edges", s.Name)
	}
	if lo != nil && (len(lo) != len(s.X) || len(hi) != len(s.X)) {
		return fmt.Errorf("plotutil: series %q: band edges have %d and %d values for %d points",
			s.Name, len(lo), len(hi), len(s.X))
	}
	for _, v := range [][]float64{s.X, s.Y, lo, hi} {
		for i, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("plotutil: series %q: value %d is %v", s.Name, i, x)
			}
		}
	}
	return nil
}

func xys(x, y []float64) plotter.XYs {
	pts := make(plotter.XYs, len(x))
	for i := range x {
		pts[i] = plotter.XY{X: x[i], Y: y[i]}
	}
	return pts
}

// bandOutline walks the lower edge left to right and the upper edge back.
func bandOutline(s Series) plotter.XYs {
	n := len(s.X)
	pts := make(plotter.XYs, 0, 2*n)
	for i := 0; i < n; i++ {
		pts = append(pts, plotter.XY{X: s.X[i], Y: s.Band[0][i]})
	}
	for i := n - 1; i >= 0; i-- {
		pts = append(pts, plotter.XY{X: s.X[i], Y: s.Band[1][i]})
	}
	return pts
}
