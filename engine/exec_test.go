package engine

import (
	"errors"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

func noiseProgram(t *testing.T, kind Noise, n int, seed uint64) (*Program, *Node) {
	t.Helper()
	g := NewGraph()
	e := g.Noise(kind, n)
	out := g.Scale(e, 1)
	p, err := g.Compile([]*Node{out}, WithSeed(seed))
	if err != nil {
		t.Fatal(err)
	}
	return p, e
}

func TestNoiseSameSeedSameNumbers(t *testing.T) {
	for _, kind := range []Noise{StdNormal, Uniform01, StdGumbel} {
		a, ea := noiseProgram(t, kind, 64, 7)
		b, eb := noiseProgram(t, kind, 64, 7)
		c, ec := noiseProgram(t, kind, 64, 8)
		for run := 0; run < 3; run++ {
			for _, p := range []*Program{a, b, c} {
				if err := p.Run(); err != nil {
					t.Fatal(err)
				}
			}
			if !slices.Equal(a.Value(ea), b.Value(eb)) {
				t.Fatalf("%v run %d: same seed gave different noise", kind, run)
			}
			if slices.Equal(a.Value(ea), c.Value(ec)) {
				t.Fatalf("%v run %d: different seeds gave the same noise", kind, run)
			}
		}
		// Reseeding restarts the stream.
		a.Seed(7)
		first := slices.Clone(a.Value(ea))
		_ = a.Run()
		b2, eb2 := noiseProgram(t, kind, 64, 7)
		_ = b2.Run()
		if !slices.Equal(a.Value(ea), b2.Value(eb2)) {
			t.Fatalf("%v: Seed did not restart the stream (%v)", kind, first[:2])
		}
	}
}

// TestNoiseMoments checks the first two moments of 10⁵ draws within 5
// standard errors (the variance's standard error uses the fourth moment).
func TestNoiseMoments(t *testing.T) {
	const n = 100000
	euler := 0.5772156649015329
	for _, c := range []struct {
		kind             Noise
		mean, vari, mom4 float64 // mom4: fourth central moment
	}{
		{StdNormal, 0, 1, 3},
		{Uniform01, 0.5, 1.0 / 12, 1.0 / 80},
		{StdGumbel, euler, math.Pi * math.Pi / 6, 2.4*math.Pow(math.Pi*math.Pi/6, 2) + 3*math.Pow(math.Pi*math.Pi/6, 2)},
	} {
		p, e := noiseProgram(t, c.kind, n, 11)
		if err := p.Run(); err != nil {
			t.Fatal(err)
		}
		x := p.Value(e)
		mean, m2 := 0.0, 0.0
		for _, v := range x {
			mean += v
		}
		mean /= n
		for _, v := range x {
			m2 += (v - mean) * (v - mean)
		}
		vari := m2 / (n - 1)
		seMean := math.Sqrt(c.vari / n)
		seVar := math.Sqrt((c.mom4 - c.vari*c.vari) / n)
		if math.Abs(mean-c.mean) > 5*seMean {
			t.Errorf("%v: mean %v, want %v ± %v", c.kind, mean, c.mean, 5*seMean)
		}
		if math.Abs(vari-c.vari) > 5*seVar {
			t.Errorf("%v: variance %v, want %v ± %v", c.kind, vari, c.vari, 5*seVar)
		}
		if c.kind == Uniform01 && (slices.Min(x) <= 0 || slices.Max(x) >= 1) {
			t.Errorf("uniform draws outside (0, 1)")
		}
	}
}

// TestProgramsRunConcurrently compiles two programs from one graph and runs
// them in parallel goroutines (go test -race checks for shared state).
func TestProgramsRunConcurrently(t *testing.T) {
	g := NewGraph()
	w := g.Param("w", []float64{1, 2, 3}, 3)
	e := g.Noise(StdNormal, 3)
	loss := g.Sum(g.Square(g.Add(w, e)))
	grad := g.Grad(loss, w)[0]
	var progs [2]*Program
	for i := range progs {
		p, err := g.Compile([]*Node{loss, grad}, WithSeed(uint64(i)))
		if err != nil {
			t.Fatal(err)
		}
		progs[i] = p
	}
	var wg sync.WaitGroup
	for _, p := range progs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				if err := p.Run(); err != nil {
					t.Error(err)
					return
				}
				gv := p.Value(grad)
				for i := range gv {
					p.Value(w)[i] -= 0.01 * gv[i]
				}
			}
		}()
	}
	wg.Wait()
	if slices.Equal(progs[0].Value(w), progs[1].Value(w)) {
		t.Error("programs with different seeds ended identical")
	}
}

func TestRunAllocatesNothing(t *testing.T) {
	bg := vectorGraph(100)
	prog, err := bg.g.Compile(append([]*Node{bg.loss}, bg.grads...))
	if err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(100, func() { _ = prog.Run() }); a != 0 {
		t.Errorf("Run allocated %v times per call", a)
	}
}

type fakeDevice struct{ name string }

func (d fakeDevice) Name() string { return d.name }

func TestDeviceRegistry(t *testing.T) {
	if DefaultDevice().Name() != "cpu" || Devices()[0].Name() != "cpu" {
		t.Fatalf("default device %v, devices %v", DefaultDevice(), Devices())
	}
	g := NewGraph()
	x := g.Exp(g.Fill(1, 2))
	p, err := g.Compile([]*Node{x}, WithDevice(fakeDevice{"fake"}))
	if err != nil {
		t.Fatal(err)
	}
	if p.Device().Name() != "fake" {
		t.Errorf("program device %v", p.Device())
	}
}

// TestDefaultDeviceChangesOnlyWhenSet checks that registering a device
// lists it without making it the default, that SetDefaultDevice makes it
// the device of programs compiled afterwards (and not of those compiled
// before), and that SetDefaultDevice(CPU()) returns to the CPU.
func TestDefaultDeviceChangesOnlyWhenSet(t *testing.T) {
	listed := fakeDevice{"listed"}
	if err := RegisterDevice(listed); err != nil {
		t.Fatal(err)
	}
	if d := DefaultDevice(); !IsCPU(d) {
		t.Fatalf("default device %s after RegisterDevice, want the CPU", d.Name())
	}
	if ds := Devices(); !IsCPU(ds[0]) || ds[len(ds)-1] != Device(listed) {
		t.Fatalf("devices %v, want the CPU first and the registered device last", ds)
	}
	compile := func(opts ...CompileOption) *Program {
		g := NewGraph()
		p, err := g.Compile([]*Node{g.Exp(g.Fill(1, 2))}, opts...)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	before := compile()
	chosen := fakeDevice{"chosen"}
	if err := SetDefaultDevice(chosen); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = SetDefaultDevice(CPU()) }()
	if d := DefaultDevice(); d != Device(chosen) {
		t.Fatalf("default device %s after SetDefaultDevice, want %s", d.Name(), chosen.Name())
	}
	if d := compile().Device(); d != Device(chosen) {
		t.Errorf("program compiled after SetDefaultDevice runs on %s, want %s", d.Name(), chosen.Name())
	}
	if d := compile(WithDevice(CPU())).Device(); !IsCPU(d) {
		t.Errorf("program compiled WithDevice(CPU()) runs on %s", d.Name())
	}
	if d := before.Device(); !IsCPU(d) {
		t.Errorf("program compiled before SetDefaultDevice now runs on %s", d.Name())
	}
	if err := SetDefaultDevice(CPU()); err != nil {
		t.Fatal(err)
	}
	if d := DefaultDevice(); !IsCPU(d) {
		t.Errorf("default device %s after SetDefaultDevice(CPU()), want the CPU", d.Name())
	}
}

func TestSubgraphPruning(t *testing.T) {
	g := NewGraph()
	x := g.Param("x", []float64{1, 2}, 2)
	a := g.Exp(x)
	b := g.Log(x) // not needed by the output
	p, err := g.Compile([]*Node{a})
	if err != nil {
		t.Fatal(err)
	}
	if p.Value(b) != nil {
		t.Error("program holds a node the outputs do not need")
	}
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	if got := p.Value(a); math.Abs(got[1]-math.Exp(2)) > 1e-15 {
		t.Errorf("exp(2) = %v", got[1])
	}
}

func TestRNGStateRoundTrip(t *testing.T) {
	a, ea := noiseProgram(t, StdNormal, 8, 3)
	_ = a.Run()
	state, err := a.RNGState()
	if err != nil {
		t.Fatal(err)
	}
	_ = a.Run()
	want := slices.Clone(a.Value(ea))
	b, eb := noiseProgram(t, StdNormal, 8, 99)
	if err := b.SetRNGState(state); err != nil {
		t.Fatal(err)
	}
	_ = b.Run()
	if !slices.Equal(b.Value(eb), want) {
		t.Error("a restored generator state did not reproduce the next draws")
	}
}

func TestStopGradient(t *testing.T) {
	g := NewGraph()
	x := g.Param("x", []float64{2}, 1)
	loss := g.Sum(g.Mul(x, g.StopGradient(g.Square(x)))) // value x³, gradient x²
	grad := g.Grad(loss, x)[0]
	p, err := g.Compile([]*Node{loss, grad})
	if err != nil {
		t.Fatal(err)
	}
	_ = p.Run()
	if p.Scalar(loss) != 8 || p.Scalar(grad) != 4 {
		t.Errorf("loss %v grad %v, want 8 and 4", p.Scalar(loss), p.Scalar(grad))
	}
}

// A program run from two goroutines at once refuses the second run with
// ErrBusy instead of giving wrong numbers; each completed run is right.
func TestProgramRunFromTwoGoroutines(t *testing.T) {
	g := NewGraph()
	x := g.Input("x", 20000)
	y := g.Sum(g.Tanh(g.Scale(x, 0.5)))
	p, err := g.Compile([]*Node{y})
	if err != nil {
		t.Fatal(err)
	}
	xs := make([]float64, 20000)
	for i := range xs {
		xs[i] = float64(i%13) / 7
	}
	if err := p.Set(x, xs); err != nil {
		t.Fatal(err)
	}
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	want := p.Scalar(y)
	var busy, ok atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 300 {
				switch err := p.Run(); {
				case errors.Is(err, ErrBusy):
					busy.Add(1)
				case err != nil:
					t.Error(err)
					return
				default:
					ok.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if p.Scalar(y) != want {
		t.Errorf("after concurrent runs the value is %v, want %v", p.Scalar(y), want)
	}
	t.Logf("%d runs completed, %d refused as busy", ok.Load(), busy.Load())
}
