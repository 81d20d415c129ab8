package infer

import (
	"errors"
	"math"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/optim"
)

// TestRunUntilStopsOnAPlateau fits the conjugate posterior with a fixed
// learning rate and a running-average stopping rule, and checks the run
// stops well before its step limit, near the exact posterior mean (the
// iterates jitter by ~0.01 at this rate and particle count; 0.05 is five
// times that).
func TestRunUntilStopsOnAPlateau(t *testing.T) {
	opt, err := engine.NewAdam(engine.AdamOptions{LR: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	svi, err := NewSVI(conjModel, conjGuide, opt, TraceELBO{NumParticles: 10}, WithSeed(4))
	if err != nil {
		t.Fatal(err)
	}
	stop := &optim.Plateau{Window: 50, RelTol: 1e-3, Patience: 3}
	const limit = 20000
	losses, stopped, err := svi.RunUntil(t.Context(), limit, stop, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !stopped || len(losses) >= limit/4 {
		t.Fatalf("stopped %v after %d steps; window means %v", stopped, len(losses), stop.Means())
	}
	t.Logf("stopped after %d steps; window means %v", len(losses), stop.Means())
	prec := 1 + 1/(conjSigma*conjSigma)
	if m, want := svi.Param("m")[0], conjX/(conjSigma*conjSigma)/prec; math.Abs(m-want) > 0.05 {
		t.Errorf("posterior mean %v after %d steps, want %v", m, len(losses), want)
	}
	if _, _, err := svi.RunUntil(t.Context(), 10, nil, nil); !errors.Is(err, ErrOptions) {
		t.Errorf("no stopping rule: error %v, want ErrOptions", err)
	}
}
