package gp_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/engine/conformance"
	"github.com/ignis-ppl/ignis/gp"
)

var stationaryKinds = []engine.Stationary{engine.StationaryRBF, engine.StationaryMatern12,
	engine.StationaryMatern32, engine.StationaryMatern52}

// exactProblem is a batch of GP regressions with hyperparameters that differ
// between members.
type exactProblem struct {
	batch, n, dim          int
	x, y                   []float64 // x [n, dim], y [batch, n]
	ls, variance, noise    []float64
	nll, gls, gvar, gnoise []float64
}

func newExactProblem(seed uint64, batch, n, dim int) *exactProblem {
	r := rand.New(rand.NewPCG(seed, 3))
	p := &exactProblem{batch: batch, n: n, dim: dim,
		x: make([]float64, n*dim), y: make([]float64, batch*n),
		ls: make([]float64, batch*dim), variance: make([]float64, batch), noise: make([]float64, batch)}
	for i := range p.x {
		p.x[i] = 3 * r.Float64()
	}
	for i := range p.y {
		p.y[i] = math.Sin(p.x[dim*(i%n)]+float64(i/n)) + 0.1*r.NormFloat64()
	}
	for i := range p.ls {
		p.ls[i] = 0.5 + 0.5*r.Float64()
	}
	for b := range batch {
		p.variance[b], p.noise[b] = 0.5+r.Float64(), 0.05+0.1*r.Float64()
	}
	return p
}

// eval runs the loss at the problem's hyperparameters into fresh outputs.
func (p *exactProblem) eval(t *testing.T, l *gp.ExactLoss) (nll, gls, gvar, gnoise []float64) {
	t.Helper()
	nll, gls, gvar, gnoise = make([]float64, p.batch), make([]float64, p.batch*p.dim), make([]float64, p.batch), make([]float64, p.batch)
	if err := l.Eval(nll, gls, gvar, gnoise, p.ls, p.variance, p.noise); err != nil {
		t.Fatalf("%s: %v", l.Device().Name(), err)
	}
	return nll, gls, gvar, gnoise
}

// refNLL is −log N(y; 0, K) for one member, with K built from the
// stationary profile and factored by the CPU device: an implementation
// that shares nothing with gp but the profile functions.
func refNLL(t *testing.T, kind engine.Stationary, x, y, ls []float64, variance, noise float64, n, dim int) float64 {
	t.Helper()
	k := make([]float64, n*n)
	for i := range n {
		for j := range n {
			s := 0.0
			for d := range dim {
				u := (x[i*dim+d] - x[j*dim+d]) / ls[d]
				s += u * u
			}
			k[i*n+j] = variance * kind.Profile(s)
		}
		k[i*n+i] += noise
	}
	l := make([]float64, n*n)
	if err := engine.CPU().(engine.CholeskyDevice).Cholesky(l, k, 1, n); err != nil {
		t.Fatal(err)
	}
	z := append([]float64(nil), y...)
	out := 0.5 * float64(n) * math.Log(2*math.Pi)
	for i := range n {
		for j := range i {
			z[i] -= l[i*n+j] * z[j]
		}
		z[i] /= l[i*n+i]
		out += 0.5*z[i]*z[i] + math.Log(l[i*n+i])
	}
	return out
}

// TestExactLossMatchesReference checks the losses against refNLL and the
// gradients against its central differences (step 1e-6 relative: truncation
// and round-off near 1e-9, so 1e-6 relative is the bound), for every
// stationary kernel and members with their own hyperparameters.
func TestExactLossMatchesReference(t *testing.T) {
	p := newExactProblem(5, 3, 40, 2)
	n, dim := p.n, p.dim
	for _, kind := range stationaryKinds {
		l, err := gp.NewExactLoss(engine.CPU(), kind, p.x, p.y, p.batch, n, dim)
		if err != nil {
			t.Fatal(err)
		}
		nll, gls, gvar, gnoise := p.eval(t, l)
		for b := range p.batch {
			lb := append([]float64(nil), p.ls[b*dim:(b+1)*dim]...)
			vb, nb := p.variance[b], p.noise[b]
			f := func() float64 { return refNLL(t, kind, p.x, p.y[b*n:(b+1)*n], lb, vb, nb, n, dim) }
			fd := func(v *float64) float64 {
				o, h := *v, 1e-6**v
				*v = o + h
				up := f()
				*v = o - h
				down := f()
				*v = o
				return (up - down) / (2 * h)
			}
			check := func(what string, got, want float64) {
				if e := math.Abs(got-want) / math.Max(1, math.Abs(want)); !(e <= 1e-6) {
					t.Errorf("%v member %d: %s = %.10g, reference %.10g", kind, b, what, got, want)
				}
			}
			check("nll", nll[b], f())
			for d := range dim {
				check(fmt.Sprintf("∂/∂ls[%d]", d), gls[b*dim+d], fd(&lb[d]))
			}
			check("∂/∂variance", gvar[b], fd(&vb))
			check("∂/∂noise", gnoise[b], fd(&nb))
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestExactLossTakesPerMemberPoints checks that inputs given per member,
// [batch, n, dim], give what the same inputs shared give.
func TestExactLossTakesPerMemberPoints(t *testing.T) {
	p := newExactProblem(6, 2, 25, 3)
	xs := append(append([]float64(nil), p.x...), p.x...)
	shared, err := gp.NewExactLoss(engine.CPU(), engine.StationaryMatern52, p.x, p.y, p.batch, p.n, p.dim)
	if err != nil {
		t.Fatal(err)
	}
	each, err := gp.NewExactLoss(engine.CPU(), engine.StationaryMatern52, xs, p.y, p.batch, p.n, p.dim)
	if err != nil {
		t.Fatal(err)
	}
	a1, a2, a3, a4 := p.eval(t, shared)
	b1, b2, b3, b4 := p.eval(t, each)
	if e := conformance.RelErr(append(append(append(b1, b2...), b3...), b4...),
		append(append(append(a1, a2...), a3...), a4...)); !(e <= 1e-13) {
		t.Errorf("per-member points: relative difference %.3g from shared points", e)
	}
}

// exactDevice is a device with engine.ExactGPDevice that computes on the
// CPU through gp's own reference path and counts the batches it holds and
// the evaluations it runs.
type exactDevice struct {
	made, evals, closed int
}

func (d *exactDevice) Name() string { return "exact-fake" }

func (d *exactDevice) NewExactGP(x, y []float64, kind engine.Stationary, batch, n, dim int) (engine.ExactGP, error) {
	l, err := gp.NewExactLoss(engine.CPU(), kind, x, y, batch, n, dim)
	if err != nil {
		return nil, err
	}
	d.made++
	return &exactBatch{d, l}, nil
}

type exactBatch struct {
	d *exactDevice
	l *gp.ExactLoss
}

func (b *exactBatch) NLL(nll, gls, gvar, gnoise, ls, variance, noise []float64) error {
	b.d.evals++
	return b.l.Eval(nll, gls, gvar, gnoise, ls, variance, noise)
}

func (b *exactBatch) Close() error { b.d.closed++; return b.l.Close() }

// TestExactLossUsesTheDeviceCapability checks that on a device with
// engine.ExactGPDevice the data go to the device once, every evaluation
// runs there, and Close releases them.
func TestExactLossUsesTheDeviceCapability(t *testing.T) {
	p := newExactProblem(7, 2, 20, 1)
	dev := &exactDevice{}
	l, err := gp.NewExactLoss(dev, engine.StationaryRBF, p.x, p.y, p.batch, p.n, p.dim)
	if err != nil {
		t.Fatal(err)
	}
	cpu, err := gp.NewExactLoss(engine.CPU(), engine.StationaryRBF, p.x, p.y, p.batch, p.n, p.dim)
	if err != nil {
		t.Fatal(err)
	}
	got, _, _, _ := p.eval(t, l)
	p.eval(t, l)
	want, _, _, _ := p.eval(t, cpu)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if dev.made != 1 || dev.evals != 2 || dev.closed != 1 {
		t.Errorf("device held %d batches, ran %d evaluations, closed %d; want 1, 2, 1", dev.made, dev.evals, dev.closed)
	}
	if e := conformance.RelErr(got, want); e != 0 {
		t.Errorf("device losses differ from the CPU's by %.3g", e)
	}
}

func TestExactLossRejectsBadArguments(t *testing.T) {
	p := newExactProblem(8, 2, 10, 2)
	for _, c := range []struct {
		name string
		dev  engine.Device
		kind engine.Stationary
		x, y []float64
		want error
	}{
		{"nil device", nil, engine.StationaryRBF, p.x, p.y, gp.ErrOptions},
		{"unknown kernel", engine.CPU(), engine.Stationary(9), p.x, p.y, gp.ErrKernel},
		{"short x", engine.CPU(), engine.StationaryRBF, p.x[1:], p.y, gp.ErrData},
		{"short y", engine.CPU(), engine.StationaryRBF, p.x, p.y[1:], gp.ErrData},
	} {
		if _, err := gp.NewExactLoss(c.dev, c.kind, c.x, c.y, p.batch, p.n, p.dim); !errors.Is(err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
		}
	}
	l, err := gp.NewExactLoss(engine.CPU(), engine.StationaryRBF, p.x, p.y, p.batch, p.n, p.dim)
	if err != nil {
		t.Fatal(err)
	}
	one := make([]float64, 1)
	if err := l.Eval(one, p.ls, one, one, p.ls, p.variance, p.noise); !errors.Is(err, engine.ErrShape) {
		t.Errorf("one loss for two members: error %v, want ErrShape", err)
	}
	// A negative noise is refused before anything is computed, on every
	// device: the error names the hyperparameter and the member.
	noise := []float64{p.noise[0], -10}
	nll, gls, gvar, gnoise := make([]float64, 2), make([]float64, 4), make([]float64, 2), make([]float64, 2)
	if err := l.Eval(nll, gls, gvar, gnoise, p.ls, p.variance, noise); !errors.Is(err, gp.ErrHyperparameter) ||
		!strings.Contains(err.Error(), "noise") || !strings.Contains(err.Error(), "member 1") {
		t.Errorf("negative noise of member 1: error %v, want ErrHyperparameter naming the noise of member 1", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Eval(nll, gls, gvar, gnoise, p.ls, p.variance, p.noise); err == nil {
		t.Error("Eval after Close succeeded")
	}
}
