package plotutil

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// figure is one plot with what its layout needs to know: the data's
// extent, the points the legend must not cover, and the legend entries,
// which are placed only when the figure is drawn.
type figure struct {
	p      *plot.Plot
	x, y   span
	logY   bool
	intX   bool        // the x values are indices: integer ticks
	xTicks plot.Ticker // when set, the x axis's ticks
	marks  []plotter.XY
	segs   [][2]plotter.XY
	legend []legendEntry
}

type legendEntry struct {
	name  string
	thumb plot.Thumbnailer
}

func newFigure(title, xlabel, ylabel string) *figure {
	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Add(plotter.NewGrid())
	return &figure{p: p}
}

func (f *figure) add(pl plot.Plotter, name string, thumb plot.Thumbnailer) {
	f.p.Add(pl)
	if name != "" {
		f.legend = append(f.legend, legendEntry{name, thumb})
	}
}

// point records a data point: it widens the axes and the legend keeps off it.
func (f *figure) point(x, y float64) {
	f.x.add(x)
	f.y.add(y)
	f.marks = append(f.marks, plotter.XY{X: x, Y: y})
}

// line records a polyline: its points, and its segments, along which
// occupied fills in points once the axes' extent is known, so that the
// legend keeps off the segments too, not only their ends.
func (f *figure) line(xs, ys []float64) {
	for i := range xs {
		f.point(xs[i], ys[i])
		if i > 0 {
			f.segs = append(f.segs, [2]plotter.XY{{X: xs[i-1], Y: ys[i-1]}, {X: xs[i], Y: ys[i]}})
		}
	}
}

// axes fixes the axes' ranges (the data's extent, padded) and their ticks.
func (f *figure) axes() {
	f.p.X.Min, f.p.X.Max = f.x.padded(false)
	if f.intX && f.x.ok {
		f.p.X.Min, f.p.X.Max = min(f.p.X.Min, f.x.lo-0.5), max(f.p.X.Max, f.x.hi+0.5)
	}
	f.p.Y.Min, f.p.Y.Max = f.y.padded(f.logY)
	f.p.X.Tick.Marker = niceTicks{integer: f.intX}
	if f.xTicks != nil {
		f.p.X.Tick.Marker = f.xTicks
	}
	if f.logY {
		f.p.Y.Scale = plot.LogScale{}
		f.p.Y.Tick.Marker = logTicks{}
	} else {
		f.p.Y.Tick.Marker = niceTicks{}
	}
}

// norm maps a data point to [0, 1]² on the current axes.
func (f *figure) norm(pt plotter.XY) (float64, float64) {
	return f.p.X.Norm(pt.X), f.p.Y.Norm(pt.Y)
}

// The four corners a legend may take, in order of preference.
var corners = []struct{ top, left bool }{{true, false}, {true, true}, {false, false}, {false, true}}

// legendBox is the legend's size as a share of the data area in c.
func (f *figure) legendBox(l *plot.Legend, c draw.Canvas) (w, h float64) {
	r := l.Rectangle(c)
	da := f.p.DataCanvas(c)
	return float64(r.Size().X+2*legendInset) / float64(da.Size().X),
		float64(r.Size().Y+2*legendInset) / float64(da.Size().Y)
}

// legendInset is the gap between the legend and the frame.
const legendInset = vg.Length(4)

// occupied counts the recorded points (and points along the recorded
// segments) that fall in a w×h box in a corner of the data area.
func (f *figure) occupied(top, left bool, w, h float64) int {
	in := func(nx, ny float64) bool {
		if left {
			nx = 1 - nx
		}
		if !top {
			ny = 1 - ny
		}
		return nx >= 1-w && ny >= 1-h
	}
	n := 0
	for _, m := range f.marks {
		if in(f.norm(m)) {
			n++
		}
	}
	for _, s := range f.segs {
		ax, ay := f.norm(s[0])
		bx, by := f.norm(s[1])
		// Samples every 1% of the frame along the segment.
		k := int(math.Ceil(math.Hypot(bx-ax, by-ay)/0.01)) + 1
		for i := 1; i < k; i++ {
			t := float64(i) / float64(k)
			if in(ax+t*(bx-ax), ay+t*(by-ay)) {
				n++
				break
			}
		}
	}
	return n
}

// placement is where a legend goes: in a corner of the frame, in room
// made at the top of the frame, or outside it.
type placement struct {
	top, left bool
	headroom  float64 // the share of the frame added at the top
	outside   bool
}

// draw lays the figure out in c and draws it.
func (f *figure) draw(c draw.Canvas) {
	f.axes()
	if len(f.legend) == 0 {
		f.p.Draw(c)
		return
	}
	l := f.newLegend()
	pl := f.place(&l, c)
	switch {
	case pl.outside:
		f.outside(&l, c)
	default:
		if pl.headroom > 0 {
			lo, hi := f.p.Y.Min, f.p.Y.Max
			f.p.Y.Max = lo + (hi-lo)/(1-pl.headroom)
		}
		f.inside(&l, c, pl.top, pl.left)
	}
}

func (f *figure) newLegend() plot.Legend {
	l := plot.NewLegend()
	l.TextStyle.Font.Size = vg.Points(10)
	l.ThumbnailWidth = vg.Points(16)
	for _, e := range f.legend {
		l.Add(e.name, e.thumb)
	}
	return l
}

// place chooses where the legend goes: the first corner of the frame that
// no data reach; failing that, room made at the top of the frame by
// growing the y axis by the legend's height, if that costs at most a third
// of the frame; failing that, outside the frame, to the right.
func (f *figure) place(l *plot.Legend, c draw.Canvas) placement {
	w, h := f.legendBox(l, c)
	if w < 0.7 && h < 0.7 {
		for _, cn := range corners {
			if f.occupied(cn.top, cn.left, w, h) == 0 {
				return placement{top: cn.top, left: cn.left}
			}
		}
	}
	if w < 0.7 && h <= 1.0/3 && !f.logY {
		return placement{top: true, headroom: h}
	}
	return placement{outside: true}
}

func (f *figure) inside(l *plot.Legend, c draw.Canvas, top, left bool) {
	l.Top, l.Left = top, left
	l.XOffs, l.YOffs = -legendInset, -legendInset
	if left {
		l.XOffs = legendInset
	}
	if !top {
		l.YOffs = legendInset
	}
	f.p.Legend = *l
	f.p.Draw(c)
}

// outside draws the legend in a column right of the plot, its top level
// with the top of the frame.
func (f *figure) outside(l *plot.Legend, c draw.Canvas) {
	r := l.Rectangle(c)
	col := r.Size().X + 3*legendInset
	left := draw.Crop(c, 0, -col, 0, 0)
	f.p.Draw(left)
	da := f.p.DataCanvas(left)
	right := draw.Crop(c, c.Size().X-col+legendInset, 0, 0, 0)
	right.Max.Y = da.Max.Y
	l.Top, l.Left = true, true
	l.Draw(right)
}

// save draws the figure on a canvas of the standard size and writes it to
// path in the format its extension names.
func (f *figure) save(path string) error {
	return saveCanvas(path, width, height, f.draw)
}

// saveCanvas makes a canvas of the given size for the format path's
// extension names, lets drawFn draw on it, and writes it out, creating
// path's directory when needed.
func saveCanvas(path string, w, h vg.Length, drawFn func(draw.Canvas)) error {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	cv, err := draw.NewFormattedCanvas(w, h, ext)
	if err != nil {
		return fmt.Errorf("plotutil: saving %s: %w", path, err)
	}
	drawFn(draw.New(cv))
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("plotutil: %w", err)
		}
	}
	file, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("plotutil: %w", err)
	}
	if _, err := cv.WriteTo(file); err != nil {
		file.Close()
		return fmt.Errorf("plotutil: writing %s: %w", path, err)
	}
	return file.Close()
}
