package engine

import (
	"errors"
	"runtime"
	"strings"
	"testing"
)

// A program of a few large but legal nodes under a small budget is refused
// at Compile, before its buffers are allocated, naming what it needs.
func TestCompileOverMemoryBudget(t *testing.T) {
	g := NewGraph()
	x := g.Input("x", 1<<20)
	y := g.Input("y", 1<<20)
	loss := g.Sum(g.Mul(g.Exp(x), y))
	// Inputs alone take 16 MiB; the exp and the product are fused away.
	const budget = 4 << 20
	_, err := g.Compile([]*Node{loss}, WithMemoryBudget(budget))
	var me *MemoryBudgetError
	if !errors.As(err, &me) || !errors.Is(err, ErrMemory) {
		t.Fatalf("error %v, want a *MemoryBudgetError wrapping ErrMemory", err)
	}
	if me.Budget != budget || me.Need < 16<<20 {
		t.Errorf("need %d bytes under a budget of %d, want at least %d under %d", me.Need, me.Budget, 16<<20, budget)
	}
	for _, s := range []string{"4194304 bytes", "4.0 MiB"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message %q does not name %q", err, s)
		}
	}
}

// The budget counts what the program stores: the same graph compiles under
// a budget that holds exactly its buffers, and not under one byte less.
func TestCompileMemoryBudgetIsExact(t *testing.T) {
	for _, fusion := range []bool{true, false} {
		g := NewGraph()
		x := g.Input("x", 1000)
		p := g.Param("p", nil, 1000)
		loss := g.Sum(g.Square(g.Sub(x, p)))
		grad := g.Grad(loss, p)[0]
		_, err := g.Compile([]*Node{loss, grad}, WithFusion(fusion), WithMemoryBudget(1))
		var me *MemoryBudgetError
		if !errors.As(err, &me) {
			t.Fatalf("fusion %t: error %v under a 1-byte budget", fusion, err)
		}
		// Compiling again under the reported need must succeed; one byte
		// less must fail.
		if _, err := g.Compile([]*Node{loss, grad}, WithFusion(fusion), WithMemoryBudget(me.Need-1)); !errors.Is(err, ErrMemory) {
			t.Errorf("fusion %t: under %d bytes, one less than reported: %v", fusion, me.Need-1, err)
		}
		var need int64
		for probe := me.Need; ; {
			_, err := g.Compile([]*Node{loss, grad}, WithFusion(fusion), WithMemoryBudget(probe))
			if err == nil {
				need = probe
				break
			}
			if !errors.As(err, &me) || me.Need <= probe {
				t.Fatalf("fusion %t: under %d bytes: %v", fusion, probe, err)
			}
			probe = me.Need
		}
		if need < 8*2000 {
			t.Errorf("fusion %t: program of two 1000-element leaves fits in %d bytes", fusion, need)
		}
	}
}

func TestSetMemoryBudget(t *testing.T) {
	old := SetMemoryBudget(1 << 10)
	defer SetMemoryBudget(old)
	if got := MemoryBudget(); got != 1<<10 {
		t.Fatalf("MemoryBudget() = %d after SetMemoryBudget(1024)", got)
	}
	g := NewGraph()
	x := g.Input("x", 1000)
	if _, err := g.Compile([]*Node{g.Sum(x)}); !errors.Is(err, ErrMemory) {
		t.Errorf("8000-byte input under the default budget of 1 KiB: %v", err)
	}
	if _, err := g.Compile([]*Node{g.Sum(x)}, WithMemoryBudget(0)); err != nil {
		t.Errorf("WithMemoryBudget(0) (no limit): %v", err)
	}
	if prev := SetMemoryBudget(0); prev != 1<<10 {
		t.Errorf("SetMemoryBudget returned %d, want the previous 1024", prev)
	}
	if _, err := g.Compile([]*Node{g.Sum(x)}); err != nil {
		t.Errorf("no default limit: %v", err)
	}
}

func TestDefaultMemoryBudgetIsPhysicalMemory(t *testing.T) {
	b := physicalMemory()
	if runtime.GOOS == "linux" && b < 1<<26 {
		t.Fatalf("physical memory read as %d bytes", b)
	}
	old := SetMemoryBudget(5)
	defer SetMemoryBudget(old)
	if old != b {
		t.Errorf("default budget %d bytes, physical memory %d", old, b)
	}
}
