package plotutil

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// HeatMap draws a matrix as coloured cells, row 0 at the top, with the value
// printed in each cell (when the cells are large enough to hold it), a
// colour bar beside it, and the colour scale running from lo to hi (lo = hi
// takes the matrix's own range). Non-negative scales run from light to
// dark; scales that cross zero run from blue through white to red. Labels,
// when given, name the rows and the columns (one per row; the matrix must
// then be square).
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
	pal, err := heatPalette(lo, hi)
	if err != nil {
		return fmt.Errorf("plotutil: heat map %q: %w", title, err)
	}
	hm := plotter.NewHeatMap(matrixGrid(m), pal)
	hm.Min, hm.Max = lo, hi
	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Add(hm)
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

	bar := colourBar(pal, lo, hi)
	return saveCanvas(path, width, height, func(c draw.Canvas) {
		const barColumn = vg.Length(62)
		left := draw.Crop(c, 0, -barColumn, 0, 0)
		da := p.DataCanvas(left)
		if cw, ch := da.Size().X/vg.Length(cols), da.Size().Y/vg.Length(rows); cw >= 26 && ch >= 12 {
			if cells, err := cellText(m, hm, pal); err == nil {
				p.Add(cells)
			}
		}
		p.Draw(left)
		right := draw.Crop(c, c.Size().X-barColumn+vg.Points(8), 0, 0, 0)
		right.Min.Y, right.Max.Y = da.Min.Y, da.Max.Y
		bar.Draw(right)
	})
}

// heatPalette is the palette for a colour scale from lo to hi: white to
// dark blue for a scale that starts at zero or above, blue to red through
// white for one that crosses zero.
func heatPalette(lo, hi float64) (palette.Palette, error) {
	if lo < 0 && hi > 0 {
		cm := moreland.SmoothBlueRed()
		cm.SetMin(lo)
		cm.SetMax(hi)
		return cm.Palette(255), nil
	}
	// ColorBrewer's Blues, in order of increasing luminance as
	// NewLuminance wants them; reversed below so that large is dark.
	cm, err := moreland.NewLuminance([]color.Color{
		color.NRGBA{0x08, 0x30, 0x6b, 0xff},
		color.NRGBA{0x21, 0x71, 0xb5, 0xff},
		color.NRGBA{0x6b, 0xae, 0xd6, 0xff},
		color.NRGBA{0xc6, 0xdb, 0xef, 0xff},
		color.NRGBA{0xf7, 0xfb, 0xff, 0xff},
	})
	if err != nil {
		return nil, err
	}
	cm.SetMin(0)
	cm.SetMax(1)
	cols := slices.Clone(cm.Palette(255).Colors())
	slices.Reverse(cols)
	return colours(cols), nil
}

// colours is a palette.Palette of fixed colours.
type colours []color.Color

func (c colours) Colors() []color.Color { return c }

// cellText prints each cell's value in its centre, white on dark cells and
// black on light ones, in one format for the whole matrix.
func cellText(m [][]float64, hm *plotter.HeatMap, pal palette.Palette) (*plotter.Labels, error) {
	rows := len(m)
	big := 0.0
	for _, r := range m {
		for _, v := range r {
			big = max(big, math.Abs(v))
		}
	}
	dec := 2
	switch {
	case big >= 100:
		dec = 0
	case big >= 10:
		dec = 1
	}
	var cells plotter.XYLabels
	var styles []color.Color
	cs := pal.Colors()
	for i, r := range m {
		for j, v := range r {
			cells.XYs = append(cells.XYs, plotter.XY{X: float64(j), Y: float64(rows - 1 - i)})
			cells.Labels = append(cells.Labels, fmt.Sprintf("%.*f", dec, v))
			k := int(math.Round((v - hm.Min) / (hm.Max - hm.Min) * float64(len(cs)-1)))
			k = min(max(k, 0), len(cs)-1)
			styles = append(styles, textOn(cs[k]))
		}
	}
	lab, err := plotter.NewLabels(cells)
	if err != nil {
		return nil, err
	}
	for i := range lab.TextStyle {
		lab.TextStyle[i].XAlign, lab.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
		lab.TextStyle[i].Font.Size = vg.Points(10)
		lab.TextStyle[i].Color = styles[i]
	}
	return lab, nil
}

// textOn is white on a dark background and black on a light one, by the
// background's relative luminance.
func textOn(bg color.Color) color.Color {
	r, g, b, _ := bg.RGBA()
	lum := (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)) / 0xffff
	if lum < 0.45 {
		return color.White
	}
	return color.Black
}

// colourBar is a narrow plot of the palette from lo to hi, its axis
// labelled like any other.
func colourBar(pal palette.Palette, lo, hi float64) *plot.Plot {
	p := plot.New()
	p.Add(bands(pal.Colors()))
	p.HideX()
	p.X.Min, p.X.Max = 0, 1
	p.Y.Min, p.Y.Max = lo, hi
	p.Y.Tick.Marker = niceTicks{}
	return p
}

// bands fills the data area with horizontal bands of its colours, the
// first at the bottom. Each band is drawn from its lower edge to the top and
// the next one over it, so that no seams show between them.
type bands []color.Color

func (b bands) Plot(c draw.Canvas, _ *plot.Plot) {
	h := c.Size().Y / vg.Length(len(b))
	for i, col := range b {
		y0, y1 := c.Min.Y+vg.Length(i)*h, c.Max.Y
		c.SetColor(col)
		c.Fill(vg.Rectangle{Min: vg.Point{X: c.Min.X, Y: y0}, Max: vg.Point{X: c.Max.X, Y: y1}}.Path())
	}
}

// matrixGrid presents a matrix to gonum/plot with row 0 at the top.
type matrixGrid [][]float64

func (g matrixGrid) Dims() (c, r int)   { return len(g[0]), len(g) }
func (g matrixGrid) Z(c, r int) float64 { return g[len(g)-1-r][c] }
func (g matrixGrid) X(c int) float64    { return float64(c) }
func (g matrixGrid) Y(r int) float64    { return float64(r) }
