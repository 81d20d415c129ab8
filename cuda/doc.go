// Package cuda is ignis's GPU backend: batched Cholesky factorization,
// batched triangular solves, scaled squared distances and stationary kernel
// matrices (RBF, Matérn ½, 3/2, 5/2) with their hyperparameter gradients, as
// CUDA kernels (kernels/*.cu, compiled to the PTX in ptx/ by `make ptx`)
// loaded through gorgonia.org/cu.
//
// The backend exists only in the gpu build flavor (go build -tags gpu).
// Importing the package chooses nothing: programs keep running on the CPU
// until the application passes a device of this package to engine. Default
// returns a float64 device on GPU 0 (created on its first call);
// engine.SetDefaultDevice makes it the device of every program compiled
// afterwards, SVI, NUTS and package gp's models included, whose Cholesky,
// TriSolve and SqDist ops, and gp's kernel profiles and gradient inverses
// (engine.KernelProfileDevice, engine.CholInverseDevice), then run on the
// GPU; the CPU implementations stay the reference, and package
// engine/conformance holds the suites both must pass.
//
//	dev, err := cuda.Default()
//	if err != nil {
//		log.Fatal(err)
//	}
//	if err := engine.SetDefaultDevice(dev); err != nil {
//		log.Fatal(err)
//	}
//
// For one program instead, compile it for the device:
//
//	dev32, err := cuda.New(0, cuda.Float32) // a second device, computing in float32
//	if err != nil { ... }
//	defer dev32.Close()
//	prog, err := g.Compile(outputs, engine.WithDevice(dev32))
//
// A gpu binary that imports this package needs an NVIDIA driver (or the
// emulated one below): the cu package exits the process at start-up when it
// finds none, which is why the default flavor never links it. In the
// default flavor this package holds only Enabled = false and a Default that
// returns ErrNotBuilt, so that the lines above build in both flavors.
//
// Matrices that stay on the GPU between calls (constant data, benchmark
// inputs) are held in a *Buffer (Device.Upload) and factored with
// Device.CholeskyBuffer. A Device is also an engine.ExactGPDevice: through
// it gp.ExactLoss keeps a batch of GP regressions (X, y) on the GPU and
// computes each member's negative log marginal likelihood and its
// hyperparameter gradients there in one call, sending only the
// hyperparameters and the results across the bus.
//
// Every kernel also runs on the CPU under an emulation of CUDA threads and
// barriers (kernels/emu/emu.h, `make kernels-emu`), and the gpu flavor's
// test, bench and example binaries run unchanged against an emulated CUDA
// driver built on it (kernels/emu/driver.cpp, `make gpu-emu`), which checks
// launch geometry, pointer arguments and copies against the live device
// allocations; `make gpu-check` runs both.
package cuda
