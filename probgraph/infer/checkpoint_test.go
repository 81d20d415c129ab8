package infer

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
)

func newConjSVI(t testing.TB, seed uint64) *SVI {
	t.Helper()
	opt, err := engine.NewAdam(engine.AdamOptions{LR: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	svi, err := NewSVI(conjModel, conjGuide, opt, TraceELBO{NumParticles: 4}, WithSeed(seed))
	if err != nil {
		t.Fatal(err)
	}
	return svi
}

func TestSaveLoadContinuesBitForBit(t *testing.T) {
	a := newConjSVI(t, 7)
	if _, err := a.Run(t.Context(), 25, nil); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := a.Save(&buf); err != nil {
		t.Fatal(err)
	}
	saved := buf.String()
	// A fresh SVI with another seed, loaded from the checkpoint, must take
	// exactly the same next steps as the original.
	b := newConjSVI(t, 99)
	if err := b.Load(strings.NewReader(saved)); err != nil {
		t.Fatal(err)
	}
	for step := 0; step < 3; step++ {
		la, err := a.Step()
		if err != nil {
			t.Fatal(err)
		}
		lb, err := b.Step()
		if err != nil {
			t.Fatal(err)
		}
		if la != lb {
			t.Fatalf("step %d after load: loss %v, original %v", step, lb, la)
		}
		for _, name := range []string{"m", "s"} {
			if pa, pb := a.Param(name)[0], b.Param(name)[0]; pa != pb {
				t.Fatalf("step %d after load: %s = %v, original %v", step, name, pb, pa)
			}
		}
	}
	if b.Steps() != a.Steps() {
		t.Errorf("step counts %d and %d", b.Steps(), a.Steps())
	}
}

func TestLoadRejectsBadCheckpoints(t *testing.T) {
	a := newConjSVI(t, 7)
	_, _ = a.Run(t.Context(), 3, nil)
	var buf bytes.Buffer
	if err := a.Save(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	corrupt := strings.Replace(good, `"steps":3`, `"steps":4`, 1)
	if corrupt == good {
		t.Fatal("test setup: no steps field to corrupt")
	}
	otherModel := func() *SVI {
		opt, _ := engine.NewAdam(engine.AdamOptions{})
		s, err := NewSVI(conjModel, conjGuideWide, opt, TraceELBO{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	cases := []struct {
		name string
		svi  *SVI
		file string
	}{
		{"corrupted payload", newConjSVI(t, 1), corrupt},
		{"not json", newConjSVI(t, 1), "garbage"},
		{"other format", newConjSVI(t, 1), strings.Replace(good, checkpointFormat, "other", 1)},
		{"other version", newConjSVI(t, 1), strings.Replace(good, `"version":1`, `"version":2`, 1)},
		{"different parameters", otherModel(), good},
	}
	for _, c := range cases {
		before := c.svi.Param("m")
		err := c.svi.Load(strings.NewReader(c.file))
		if !errors.Is(err, ErrCheckpoint) {
			t.Errorf("%s: error %v, want ErrCheckpoint", c.name, err)
		}
		if after := c.svi.Param("m"); len(before) > 0 && before[0] != after[0] {
			t.Errorf("%s: a failed load changed the parameters", c.name)
		}
	}
}
