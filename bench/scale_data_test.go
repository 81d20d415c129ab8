package main

import (
	"math"
	"reflect"
	"testing"
)

// TestScaleExportReadsBackExactly checks that -export-data followed by
// -data gives the scale suite the very numbers it simulates without -data,
// and the same plan.
func TestScaleExportReadsBackExactly(t *testing.T) {
	dir := t.TempDir()
	if err := exportScaleData(dir); err != nil {
		t.Fatal(err)
	}
	sets, plan, err := readScaleData(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := scaleData()
	if len(sets) != len(want) {
		t.Fatalf("read %d data sets, simulated %d", len(sets), len(want))
	}
	for i, w := range want {
		got := sets[i]
		if got.Name != w.Name || got.Model != w.Model || got.N != w.N || got.D != w.D || got.Groups != w.Groups || len(got.Arrays) != len(w.Arrays) {
			t.Fatalf("data set %d: read %s (%s, n %d, d %d, %d groups), simulated %s (%s, n %d, d %d, %d groups)",
				i, got.Name, got.Model, got.N, got.D, got.Groups, w.Name, w.Model, w.N, w.D, w.Groups)
		}
		for k, a := range w.Arrays {
			b := got.Arrays[k]
			if a.Name != b.Name || !reflect.DeepEqual(a.Shape, b.Shape) || len(a.Data) != len(b.Data) {
				t.Fatalf("%s.%s: read %s %v, simulated %v", w.Name, a.Name, b.Name, b.Shape, a.Shape)
			}
			for e := range a.Data {
				if math.Float64bits(a.Data[e]) != math.Float64bits(b.Data[e]) {
					t.Fatalf("%s.%s[%d]: read %v, simulated %v", w.Name, a.Name, e, b.Data[e], a.Data[e])
				}
			}
		}
	}
	if !reflect.DeepEqual(plan, defaultScalePlan(want)) {
		t.Errorf("plan read back as %+v", plan)
	}
	if _, err := scaleCases(sets, plan); err != nil {
		t.Errorf("cases from the exported data: %v", err)
	}
}
