package engine

import (
	"fmt"
	"sync"
)

// Device is where heavy ops run. The CPU device is always present; the gpu
// build flavor registers a CUDA device at start-up. Capabilities (batched
// Cholesky, triangular solves, kernel matrices) are separate interfaces that a
// device implements or not; kernels find them by type assertion and fall back
// to the CPU implementation, which is the reference.
type Device interface {
	Name() string
}

type cpuDevice struct{}

func (cpuDevice) Name() string { return "cpu" }

// CPU returns the CPU device.
func CPU() Device { return cpuDevice{} }

// The device registry is the one piece of package-level state in engine: it is
// written only by init functions of device packages and read when programs
// are compiled.
var registry struct {
	sync.RWMutex
	devices []Device
}

// RegisterDevice makes a device available to programs. Device packages call
// it from init; the last registered device becomes the default.
func RegisterDevice(d Device) error {
	if d == nil {
		return fmt.Errorf("%w: register a nil device", ErrArgument)
	}
	registry.Lock()
	defer registry.Unlock()
	registry.devices = append(registry.devices, d)
	return nil
}

// Devices lists the registered devices, CPU first.
func Devices() []Device {
	registry.RLock()
	defer registry.RUnlock()
	return append([]Device{CPU()}, registry.devices...)
}

// DefaultDevice is the device programs use unless compiled WithDevice: the
// last registered device, or the CPU.
func DefaultDevice() Device {
	registry.RLock()
	defer registry.RUnlock()
	if n := len(registry.devices); n > 0 {
		return registry.devices[n-1]
	}
	return CPU()
}

// IsCPU reports whether d is the CPU device. Ops that run their own CPU code
// (rather than a capability's CPU reference) use it to tell the CPU from a
// device that implements the capability.
func IsCPU(d Device) bool { return isCPU(d) }
