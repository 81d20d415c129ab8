package fakedevice

import (
	"sync/atomic"

	"github.com/ignis-ppl/ignis/engine"
)

// Calls counts the calls of each capability.
type Calls struct {
	Cholesky, TriSolve, SqDist, CholInverse, KernelProfile int64
}

// Device delegates every capability to engine.CPU() and counts the calls. It
// is safe for concurrent use.
type Device struct {
	name                                          string
	chol, tri, sqdist, cholInverse, kernelProfile atomic.Int64
}

var (
	_ engine.CholeskyDevice      = (*Device)(nil)
	_ engine.TriSolveDevice      = (*Device)(nil)
	_ engine.SqDistDevice        = (*Device)(nil)
	_ engine.CholInverseDevice   = (*Device)(nil)
	_ engine.KernelProfileDevice = (*Device)(nil)
)

// New returns a device with the given name and no calls counted.
func New(name string) *Device { return &Device{name: name} }

// Name implements engine.Device.
func (d *Device) Name() string { return d.name }

// Calls returns the counts so far.
func (d *Device) Calls() Calls {
	return Calls{Cholesky: d.chol.Load(), TriSolve: d.tri.Load(), SqDist: d.sqdist.Load(),
		CholInverse: d.cholInverse.Load(), KernelProfile: d.kernelProfile.Load()}
}

// Reset sets the counts to zero.
func (d *Device) Reset() {
	for _, c := range []*atomic.Int64{&d.chol, &d.tri, &d.sqdist, &d.cholInverse, &d.kernelProfile} {
		c.Store(0)
	}
}

// cpu is the CPU device with every capability.
type cpu interface {
	engine.CholeskyDevice
	engine.TriSolveDevice
	engine.SqDistDevice
	engine.CholInverseDevice
	engine.KernelProfileDevice
}

func ref() cpu { return engine.CPU().(cpu) }

// Cholesky implements engine.CholeskyDevice.
func (d *Device) Cholesky(dst, src []float64, batch, n int) error {
	d.chol.Add(1)
	return ref().Cholesky(dst, src, batch, n)
}

// TriSolve implements engine.TriSolveDevice.
func (d *Device) TriSolve(dst, a, b []float64, batch, n, k int, lower, transpose bool) error {
	d.tri.Add(1)
	return ref().TriSolve(dst, a, b, batch, n, k, lower, transpose)
}

// SqDist implements engine.SqDistDevice.
func (d *Device) SqDist(dst, x1, x2, ls []float64, batch, n, m, dim int) error {
	d.sqdist.Add(1)
	return ref().SqDist(dst, x1, x2, ls, batch, n, m, dim)
}

// CholInverse implements engine.CholInverseDevice.
func (d *Device) CholInverse(dst, l []float64, batch, n int) error {
	d.cholInverse.Add(1)
	return ref().CholInverse(dst, l, batch, n)
}

// KernelProfile implements engine.KernelProfileDevice.
func (d *Device) KernelProfile(dst, s, variance []float64, kind engine.Stationary, batch, nm int) error {
	d.kernelProfile.Add(1)
	return ref().KernelProfile(dst, s, variance, kind, batch, nm)
}
