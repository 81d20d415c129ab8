package plotutil

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

func TestNiceTicksAreRoundAndInOneFormat(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		want   []string
	}{
		{-40, 1040, []string{"0", "200", "400", "600", "800", "1000"}},
		{2380, 2620, []string{"2400", "2450", "2500", "2550", "2600"}},
		{-0.08, 1.08, []string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}},
		{-1.2, 1.7, []string{"-1.0", "-0.5", "0.0", "0.5", "1.0", "1.5"}},
		{0.012, 0.048, []string{"0.015", "0.020", "0.025", "0.030", "0.035", "0.040", "0.045"}},
		{-1e4, 3.1e5, []string{"0.0e5", "0.5e5", "1.0e5", "1.5e5", "2.0e5", "2.5e5", "3.0e5"}},
	} {
		var got []string
		for _, tk := range (niceTicks{}).Ticks(tc.lo, tc.hi) {
			if tk.Label == "" {
				t.Errorf("[%v, %v]: unlabelled tick at %v", tc.lo, tc.hi, tk.Value)
			}
			got = append(got, tk.Label)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("[%v, %v]: ticks %q, want %q", tc.lo, tc.hi, got, tc.want)
		}
	}
}

func TestIntegerTicksMarkEveryIndexOfAShortAxis(t *testing.T) {
	var got []string
	for _, tk := range (niceTicks{integer: true}).Ticks(-0.5, 7.5) {
		got = append(got, tk.Label)
	}
	if want := []string{"0", "1", "2", "3", "4", "5", "6", "7"}; !slices.Equal(got, want) {
		t.Errorf("ticks %q, want %q", got, want)
	}
}

func TestLogTicks(t *testing.T) {
	var got []string
	for _, tk := range (logTicks{}).Ticks(0.05, 2000) {
		got = append(got, tk.Label)
	}
	if want := []string{"0.1", "1", "10", "100", "1000"}; !slices.Equal(got, want) {
		t.Errorf("decades: %q, want %q", got, want)
	}
	got = got[:0]
	for _, tk := range (logTicks{}).Ticks(3, 90) {
		got = append(got, tk.Label)
	}
	if want := []string{"5", "10", "20", "50"}; !slices.Equal(got, want) {
		t.Errorf("under two decades: %q, want %q", got, want)
	}
}

// TestAxesArePaddedBeyondTheData checks that no data value sits on the
// frame: the axes reach past the extremes of the points and the bands.
func TestAxesArePaddedBeyondTheData(t *testing.T) {
	f := newFigure("t", "x", "y")
	f.line([]float64{1, 2, 3}, []float64{10, 30, 20})
	f.line([]float64{1, 3}, []float64{5, 35}) // a band edge
	f.axes()
	if !(f.p.X.Min < 1 && f.p.X.Max > 3 && f.p.Y.Min < 5 && f.p.Y.Max > 35) {
		t.Errorf("axes x [%v, %v], y [%v, %v] do not pad the data x [1, 3], y [5, 35]",
			f.p.X.Min, f.p.X.Max, f.p.Y.Min, f.p.Y.Max)
	}
}

func canvas() draw.Canvas { return draw.New(vgimg.New(width, height)) }

func legendFigure(names ...string) *figure {
	f := newFigure("t", "x", "y")
	for _, n := range names {
		f.legend = append(f.legend, legendEntry{name: n, thumb: &plotter.Line{}})
	}
	return f
}

func TestLegendTakesAnEmptyCorner(t *testing.T) {
	// A rising line leaves the top-left and bottom-right corners empty.
	f := legendFigure("rising")
	f.line([]float64{0, 1}, []float64{0, 1})
	f.axes()
	l := f.newLegend()
	if pl := f.place(&l, canvas()); pl != (placement{top: true, left: true}) {
		t.Errorf("rising line: placement %+v, want top left", pl)
	}
	// A falling one leaves the top right.
	f = legendFigure("falling")
	f.line([]float64{0, 1}, []float64{1, 0})
	f.axes()
	l = f.newLegend()
	if pl := f.place(&l, canvas()); pl != (placement{top: true}) {
		t.Errorf("falling line: placement %+v, want top right", pl)
	}
}

func TestLegendMakesRoomOrMovesOutWhenTheDataFillTheFrame(t *testing.T) {
	// A zigzag between 0 and 1 whose segments sweep the whole frame.
	zigzag := func(f *figure) {
		x, y := make([]float64, 400), make([]float64, 400)
		for i := range x {
			x[i], y[i] = float64(i), float64(i%2)
		}
		f.line(x, y)
		f.axes()
	}
	f := legendFigure("noise")
	zigzag(f)
	l := f.newLegend()
	pl := f.place(&l, canvas())
	if !pl.top || pl.headroom <= 0 || pl.headroom > 1.0/3 || pl.outside {
		t.Errorf("one entry over a zigzag: placement %+v, want room at the top", pl)
	}
	f = legendFigure("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l")
	zigzag(f)
	l = f.newLegend()
	if pl := f.place(&l, canvas()); !pl.outside {
		t.Errorf("twelve entries over a zigzag: placement %+v, want outside", pl)
	}
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestHeatMapHasAColourBar checks that the strip right of the cells holds
// the whole colour scale: near white at the bottom, dark at the top.
func TestHeatMapHasAColourBar(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hm.png")
	m := [][]float64{{0.1, 0.2}, {0.3, 0.4}}
	if err := HeatMap(path, "t", "x", "y", m, nil, 0, 1); err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, path)
	b := img.Bounds()
	x := b.Max.X - 12 // inside the bar, right of its axis labels
	lum := func(c color.Color) float64 {
		r, g, bl, _ := c.RGBA()
		return (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(bl)) / 0xffff
	}
	darkest, lightest := 1.0, 0.0
	for y := b.Min.Y + b.Dy()/6; y < b.Max.Y-b.Dy()/6; y++ {
		l := lum(img.At(x, y))
		darkest, lightest = math.Min(darkest, l), math.Max(lightest, l)
	}
	if darkest > 0.3 || lightest < 0.8 {
		t.Errorf("column %d runs from luminance %.2f to %.2f; want a colour bar from dark to light", x, darkest, lightest)
	}
}

func TestCellTextContrastsWithTheCell(t *testing.T) {
	if textOn(color.RGBA{0x08, 0x30, 0x6b, 0xff}) != color.White {
		t.Error("dark cell: text not white")
	}
	if textOn(color.RGBA{0xf7, 0xfb, 0xff, 0xff}) != color.Black {
		t.Error("light cell: text not black")
	}
}
