package engine

import (
	"fmt"
	"sync"
)

// Device is where heavy ops run. The CPU device is always present and is
// the default. A device package (cuda, in the gpu build flavor) creates
// others, and the application chooses where its programs run: one program
// with WithDevice (infer.WithDevice for SVI), or every program compiled
// afterwards with SetDefaultDevice. No package changes the default device by
// being imported. Capabilities (batched Cholesky, triangular solves, kernel
// matrices) are separate interfaces that a device implements or not;
// kernels find them by type assertion and fall back to the CPU
// implementation, which is the reference.
type Device interface {
	Name() string
}

type cpuDevice struct{}

func (cpuDevice) Name() string { return "cpu" }

// CPU returns the CPU device.
func CPU() Device { return cpuDevice{} }

// The device registry and the memory budget (memory.go) are the package-level
// state in engine: the application writes them (SetDefaultDevice,
// RegisterDevice, SetMemoryBudget) and Compile reads them.
var registry struct {
	sync.RWMutex
	devices []Device
	def     Device // nil: the CPU
}

// RegisterDevice adds a device to the list that Devices returns, for a
// program that offers its user a choice. It does not change the default
// device; SetDefaultDevice does.
func RegisterDevice(d Device) error {
	if d == nil {
		return fmt.Errorf("%w: register a nil device", ErrArgument)
	}
	registry.Lock()
	defer registry.Unlock()
	registry.devices = append(registry.devices, d)
	return nil
}

// Devices lists the CPU, then the registered devices in the order they were
// registered.
func Devices() []Device {
	registry.RLock()
	defer registry.RUnlock()
	return append([]Device{CPU()}, registry.devices...)
}

// SetDefaultDevice makes d the device that programs compiled from now on use
// unless compiled WithDevice; programs compiled before keep theirs.
// SetDefaultDevice(CPU()) returns to the CPU. It is the application's choice
// and belongs in its main, before it builds models:
//
//	dev, err := cuda.Default() // GPU 0, in the gpu build flavor
//	if err != nil {
//		log.Fatal(err)
//	}
//	if err := engine.SetDefaultDevice(dev); err != nil {
//		log.Fatal(err)
//	}
func SetDefaultDevice(d Device) error {
	if d == nil {
		return fmt.Errorf("%w: set a nil default device", ErrArgument)
	}
	registry.Lock()
	defer registry.Unlock()
	registry.def = d
	return nil
}

// DefaultDevice is the device programs use unless compiled WithDevice: the
// CPU, unless the application chose another with SetDefaultDevice.
func DefaultDevice() Device {
	registry.RLock()
	defer registry.RUnlock()
	if registry.def != nil {
		return registry.def
	}
	return CPU()
}

// IsCPU reports whether d is the CPU device. Ops that run their own CPU code
// (rather than a capability's CPU reference) use it to tell the CPU from a
// device that implements the capability.
func IsCPU(d Device) bool { return isCPU(d) }
