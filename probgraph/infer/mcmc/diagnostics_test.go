package mcmc

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

type diagCase struct {
	Name    string      `json:"name"`
	Chains  [][]float64 `json:"chains"`
	ESSBulk float64     `json:"ess_bulk"`
	ESSTail float64     `json:"ess_tail"`
	RHat    float64     `json:"rhat"`
}

// TestDiagnosticsMatchArviZ checks bulk ESS, tail ESS and rank-normalized
// split R-hat against ArviZ on fixed chains (scripts/reference/
// mcmc_diagnostics_reference.py): autocorrelated, anti-correlated, odd
// lengths, shifted and rescaled chains, heavy tails, ties and very short
// chains. Both compute the same sums in float64; the only difference is the
// order of summation (ArviZ's autocovariances come from an FFT), worth
// about 1e-12 relative, so 1e-6 is a wide margin that still catches any
// change of formula.
func TestDiagnosticsMatchArviZ(t *testing.T) {
	raw, err := os.ReadFile("testdata/diagnostics.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Cases []diagCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Cases) == 0 {
		t.Fatal("no reference cases")
	}
	const tol = 1e-6
	worst := 0.0
	for _, c := range ref.Cases {
		for _, q := range []struct {
			name      string
			got, want float64
		}{
			{"ess_bulk", ESSBulk(c.Chains), c.ESSBulk},
			{"ess_tail", ESSTail(c.Chains), c.ESSTail},
			{"rhat", RHat(c.Chains), c.RHat},
		} {
			rel := math.Abs(q.got-q.want) / math.Abs(q.want)
			worst = math.Max(worst, rel)
			if !(rel <= tol) {
				t.Errorf("%s %s: got %.12g, ArviZ %.12g (relative error %.2g)", c.Name, q.name, q.got, q.want, rel)
			}
		}
	}
	t.Logf("largest relative difference from ArviZ: %.2g", worst)
}

// TestDiagnosticsBadInput checks that too-short, ragged or NaN-holding
// chains give NaN rather than a number or a panic.
func TestDiagnosticsBadInput(t *testing.T) {
	for name, chains := range map[string][][]float64{
		"no chains":   nil,
		"three draws": {{1, 2, 3}},
		"ragged":      {{1, 2, 3, 4, 5}, {1, 2, 3, 4}},
		"NaN":         {{1, 2, math.NaN(), 4, 5}},
	} {
		for fn, f := range map[string]func([][]float64) float64{"RHat": RHat, "ESSBulk": ESSBulk, "ESSTail": ESSTail} {
			if v := f(chains); !math.IsNaN(v) {
				t.Errorf("%s(%s) = %v, want NaN", fn, name, v)
			}
		}
	}
}
