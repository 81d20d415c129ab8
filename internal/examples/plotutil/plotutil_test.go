package plotutil

import (
	"bytes"
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// checkPNG fails unless path holds a decodable PNG of the figure's size.
func checkPNG(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", path, err)
	}
	if cfg.Width < 100 || cfg.Height < 100 {
		t.Errorf("%s is %d×%d pixels", path, cfg.Width, cfg.Height)
	}
}

func grid(n int, f func(float64) float64) (x, y []float64) {
	x, y = make([]float64, n), make([]float64, n)
	for i := range n {
		x[i] = float64(i) / float64(n-1) * 6
		y[i] = f(x[i])
	}
	return x, y
}

func TestLossCurveWritesPNG(t *testing.T) {
	for _, tc := range []struct {
		name   string
		losses []float64
	}{
		{"positive_decades", []float64{1000, 100, 10, 1, 0.5, 0.1}}, // log axis
		{"negative", []float64{5, 2, 0, -1, -1.5, -1.6}},            // linear axis
		{"one_step", []float64{3}},
	} {
		path := filepath.Join(t.TempDir(), tc.name+".png")
		if err := LossCurve(path, tc.name, tc.losses); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		checkPNG(t, path)
	}
}

func TestLinesWithBandWritesPNG(t *testing.T) {
	x, mean := grid(50, math.Sin)
	lo, hi := make([]float64, len(x)), make([]float64, len(x))
	for i := range x {
		lo[i], hi[i] = mean[i]-0.3, mean[i]+0.3
	}
	_, truth := grid(50, func(v float64) float64 { return math.Sin(v) + 0.1 })
	path := filepath.Join(t.TempDir(), "sub", "dir", "fit.png") // directories are created
	err := Lines(path, "fit", "x", "f(x)",
		Series{Name: "mean ± 2σ", X: x, Y: mean, Band: [2][]float64{lo, hi}},
		Series{Name: "truth", X: x, Y: truth},
	)
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, path)
}

func TestScatterWritesPNG(t *testing.T) {
	x, y := grid(30, math.Cos)
	path := filepath.Join(t.TempDir(), "points.png")
	if err := Scatter(path, "points", "x", "y", Series{Name: "a", X: x, Y: y}, Series{Name: "b", X: y, Y: x}); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, path)
}

func TestBadSeriesRejected(t *testing.T) {
	x := []float64{0, 1, 2}
	for _, tc := range []struct {
		desc   string
		series []Series
	}{
		{"no series", nil},
		{"empty series", []Series{{Name: "e"}}},
		{"length mismatch", []Series{{Name: "m", X: x, Y: []float64{1, 2}}}},
		{"NaN", []Series{{Name: "n", X: x, Y: []float64{1, math.NaN(), 2}}}},
		{"Inf in band", []Series{{Name: "b", X: x, Y: x, Band: [2][]float64{x, {1, math.Inf(1), 3}}}}},
		{"one band edge", []Series{{Name: "h", X: x, Y: x, Band: [2][]float64{x, nil}}}},
		{"short band", []Series{{Name: "s", X: x, Y: x, Band: [2][]float64{x, {1}}}}},
	} {
		path := filepath.Join(t.TempDir(), "bad.png")
		if err := Lines(path, "bad", "x", "y", tc.series...); err == nil {
			t.Errorf("%s: Lines accepted it", tc.desc)
		}
		if err := Scatter(path, "bad", "x", "y", tc.series...); err == nil {
			t.Errorf("%s: Scatter accepted it", tc.desc)
		}
		if _, err := os.Stat(path); err == nil {
			t.Errorf("%s: a file was written", tc.desc)
		}
	}
	if err := LossCurve(filepath.Join(t.TempDir(), "l.png"), "empty", nil); !errors.Is(err, ErrNoData) {
		t.Errorf("empty loss curve: err = %v, want ErrNoData", err)
	}
}

func TestIntervalsWritesPNG(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iv.png")
	panel := IntervalPanel{Title: "a", Lo: []float64{-1, 0}, Mid: []float64{0, 1}, Hi: []float64{1, 2}, Truth: []float64{0.2, 0.8}}
	if err := Intervals(path, panel, panel); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, path)
	if err := Intervals(path, IntervalPanel{Lo: []float64{1}, Mid: []float64{1, 2}, Hi: []float64{1}}); err == nil {
		t.Error("mismatched lengths accepted")
	}
}

func TestHeatMapWritesPNGAndRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	m := [][]float64{{0, 0.7, 0.3}, {0.5, 0, 0.5}, {0.9, 0.1, 0}}
	path := filepath.Join(dir, "alpha.png")
	if err := HeatMap(path, "α", "from", "to", m, []string{"a", "b", "c"}, 0, 1); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		t.Errorf("no PNG written: %v", err)
	}
	for name, bad := range map[string][][]float64{
		"empty":  nil,
		"ragged": {{1, 2}, {3}},
		"NaN":    {{math.NaN()}},
	} {
		if err := HeatMap(filepath.Join(dir, "bad.png"), name, "", "", bad, nil, 0, 0); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := HeatMap(filepath.Join(dir, "bad.png"), "labels", "", "", m, []string{"a"}, 0, 1); err == nil {
		t.Error("wrong number of labels accepted")
	}
}
