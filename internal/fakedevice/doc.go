// Package fakedevice is a stand-in for a GPU in tests that run on the CPU: a
// device that implements every capability of engine's device interface by
// calling the CPU reference, and counts the calls. A test compiles a program
// for it (engine.WithDevice, infer.WithDevice) or makes it the default
// device (engine.SetDefaultDevice), as an application does with a GPU, and
// then checks that the heavy work went through the device and that the
// results are the CPU's.
//
//	dev := fakedevice.New("fake")
//	prog, err := g.Compile(outputs, engine.WithDevice(dev))
//	...
//	if dev.Calls().CholInverse == 0 { ... }
package fakedevice
