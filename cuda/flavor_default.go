//go:build !gpu

package cuda

import (
	"errors"

	"github.com/ignis-ppl/ignis/engine"
)

// Enabled reports whether this binary was built with the gpu flavor and so
// holds the CUDA backend.
const Enabled = false

// ErrNotBuilt is the error of Default in a binary built without the gpu
// flavor.
var ErrNotBuilt = errors.New("cuda: this binary was built without the gpu flavor (go build -tags gpu)")

// Default returns ErrNotBuilt: this binary holds no CUDA backend. Built with
// -tags gpu, Default returns the float64 device on GPU 0 instead, so a
// program that chooses the GPU with
//
//	dev, err := cuda.Default()
//	...
//	engine.SetDefaultDevice(dev)
//
// builds in both flavors.
func Default() (engine.Device, error) { return nil, ErrNotBuilt }
