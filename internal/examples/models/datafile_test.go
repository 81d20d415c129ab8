package models

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// sameBits reports whether a and b hold the same float64 bit patterns.
func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// TestDatasetsRoundTripBitExact writes the three kinds of data set, with
// values whose bits a decimal format could lose (−0, NaN, Inf, subnormals,
// 0.1), and checks that reading them back gives the same bits and sizes.
func TestDatasetsRoundTripBitExact(t *testing.T) {
	lr := SimulateLogReg(3, 50, 4)
	lr.X[0], lr.X[1], lr.X[2], lr.X[3], lr.X[4] = math.Copysign(0, -1), math.NaN(), math.Inf(-1), 5e-324, 0.1
	pr := SimulatePoissonReg(3, 40, 5)
	gr := SimulateGrouped(3, 30, 2)
	dir := t.TempDir()
	if err := WriteDatasets(dir, []Dataset{lr.Dataset("lr", 3), pr.Dataset("pr", 3), gr.Dataset("gr", 3)}); err != nil {
		t.Fatal(err)
	}
	sets, err := ReadDatasets(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 3 {
		t.Fatalf("read %d data sets, wrote 3", len(sets))
	}
	lr2, err := LogRegFromDataset(sets[0])
	if err != nil {
		t.Fatal(err)
	}
	pr2, err := PoissonRegFromDataset(sets[1])
	if err != nil {
		t.Fatal(err)
	}
	gr2, err := GroupedFromDataset(sets[2])
	if err != nil {
		t.Fatal(err)
	}
	if !sameBits(lr.X, lr2.X) || !sameBits(lr.Y, lr2.Y) || !sameBits(lr.Beta, lr2.Beta) || lr.N != lr2.N || lr.D != lr2.D {
		t.Error("logistic regression data changed in the round trip")
	}
	if !sameBits(pr.X, pr2.X) || !sameBits(pr.Y, pr2.Y) || !sameBits(pr.Beta, pr2.Beta) || pr.N != pr2.N || pr.D != pr2.D {
		t.Error("Poisson regression data changed in the round trip")
	}
	if !reflect.DeepEqual(gr, gr2) {
		t.Errorf("grouped data changed in the round trip:\n%+v\n%+v", gr, gr2)
	}
}

// TestReadDatasetsRejectsBadFiles checks a truncated array file, a group
// index out of range and a data set read as the wrong model.
func TestReadDatasetsRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	gr := SimulateGrouped(1, 4, 2)
	if err := WriteDatasets(dir, []Dataset{gr.Dataset("gr", 1)}); err != nil {
		t.Fatal(err)
	}
	sets, err := ReadDatasets(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LogRegFromDataset(sets[0]); !errors.Is(err, ErrDataFile) {
		t.Errorf("grouped data read as logistic regression: error %v", err)
	}
	bad := gr
	bad.Group = append([]float64(nil), gr.Group...)
	bad.Group[0] = 4
	if _, err := GroupedFromDataset(bad.Dataset("bad", 1)); !errors.Is(err, ErrDataFile) {
		t.Errorf("group index 4 of 4 groups: error %v", err)
	}
	path := filepath.Join(dir, "gr.y.f64")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw[:len(raw)-8], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadDatasets(dir); !errors.Is(err, ErrDataFile) {
		t.Errorf("truncated array file: error %v", err)
	}
}

// TestSimulatedScaleData checks the simulators' promises: whole
// non-negative counts, and groups of 5 to 10 consecutive rows covering
// every group.
func TestSimulatedScaleData(t *testing.T) {
	pr := SimulatePoissonReg(0, 10000, 20)
	for i, y := range pr.Y {
		if y < 0 || y != math.Trunc(y) {
			t.Fatalf("count %d is %v", i, y)
		}
	}
	gr := SimulateGrouped(0, 1000, 3)
	sizes := make([]int, gr.Groups)
	for i, g := range gr.Group {
		if i > 0 && g < gr.Group[i-1] {
			t.Fatalf("row %d: group %v after %v", i, g, gr.Group[i-1])
		}
		sizes[int(g)]++
	}
	for g, n := range sizes {
		if n < 5 || n > 10 {
			t.Errorf("group %d has %d rows", g, n)
		}
	}
	if gr.N != len(gr.Group) || len(gr.X) != gr.N*gr.D || len(gr.Y) != gr.N {
		t.Errorf("sizes: N %d, %d groups entries, %d X, %d y", gr.N, len(gr.Group), len(gr.X), len(gr.Y))
	}
}
