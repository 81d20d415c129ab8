package plotutil

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// HeatMap draws a matrix as coloured cells, row 0 at the top, with the value
// printed in each cell and the colour scale running from lo to hi (lo = hi
// takes the matrix's own range). Labels, when given, name the rows and the
// columns (one per row; the matrix must then be square).
func HeatMap(path, title, xlabel, ylabel string, m [][]float64, labels []string, lo, hi float64) error {
	if len(m) == 0 || len(m[0]) == 0 {
		return fmt.Errorf("%w: heat map %q is empty", ErrNoData, title)
	}
	rows, cols := len(m), len(m[0])
	dmin, dmax := math.Inf(1), math.Inf(-1)
	for i, r := range m {
		if len(r) != cols {
			return fmt.Errorf("plotutil: heat map %q: row %d has %d values, row 0 has %d", title, i, len(r), cols)
		}
		for j, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("plotutil: heat map %q: value [%d,%d] is %v", title, i, j, v)
			}
			dmin, dmax = math.Min(dmin, v), math.Max(dmax, v)
		}
	}
	if labels != nil && (len(labels) != rows || rows != cols) {
		return fmt.Errorf("plotutil: heat map %q: %d labels for a %d×%d matrix", title, len(labels), rows, cols)
	}
	if !(lo < hi) {
		lo, hi = dmin, dmax
		if lo == hi {
			lo, hi = lo-0.5, hi+0.5
		}
	}
	pal := moreland.SmoothBlueRed()
	pal.SetMin(lo)
	pal.SetMax(hi)
	hm := plotter.NewHeatMap(matrixGrid(m), pal.Palette(255))
	hm.Min, hm.Max = lo, hi
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Add(hm)
	var cells plotter.XYLabels
	for i, r := range m {
		for j, v := range r {
			cells.XYs = append(cells.XYs, plotter.XY{X: float64(j), Y: float64(rows - 1 - i)})
			cells.Labels = append(cells.Labels, fmt.Sprintf("%.2f", v))
		}
	}
	lab, err := plotter.NewLabels(cells)
	if err != nil {
		return fmt.Errorf("plotutil: heat map %q: %w", title, err)
	}
	for i := range lab.TextStyle {
		lab.TextStyle[i].XAlign, lab.TextStyle[i].YAlign = -0.5, -0.5
		lab.TextStyle[i].Font.Size = vg.Points(7)
	}
	p.Add(lab)
	name := func(k int) string {
		if labels != nil {
			return labels[k]
		}
		return fmt.Sprint(k)
	}
	var xt, yt []plot.Tick
	for j := range cols {
		xt = append(xt, plot.Tick{Value: float64(j), Label: name(j)})
	}
	for i := range rows {
		yt = append(yt, plot.Tick{Value: float64(rows - 1 - i), Label: name(i)})
	}
	p.X.Tick.Marker = plot.ConstantTicks(xt)
	p.Y.Tick.Marker = plot.ConstantTicks(yt)
	p.X.Min, p.X.Max = -0.5, float64(cols)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(rows)-0.5
	return save(p, path)
}

// matrixGrid presents a matrix to gonum/plot with row 0 at the top.
type matrixGrid [][]float64

func (g matrixGrid) Dims() (c, r int)   { return len(g[0]), len(g) }
func (g matrixGrid) Z(c, r int) float64 { return g[len(g)-1-r][c] }
func (g matrixGrid) X(c int) float64    { return float64(c) }
func (g matrixGrid) Y(r int) float64    { return float64(r) }
