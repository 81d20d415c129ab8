//go:build gpu

package cuda

import (
	"embed"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"github.com/ignis-ppl/ignis/engine"
	"gorgonia.org/cu"
)

// Enabled reports whether this binary was built with the gpu flavor and so
// holds the CUDA backend.
const Enabled = true

//go:embed ptx/*.ptx
var ptxFiles embed.FS

// Precision is the element type a device computes in. Host data is always
// float64; a Float32 device rounds inputs to float32 on upload and widens
// results on download.
type Precision int

const (
	// Float64 computes in double precision (the default device).
	Float64 Precision = iota
	// Float32 computes in single precision: about 2× the arithmetic rate
	// and half the memory traffic, with relative errors near 1e-6 instead
	// of 1e-15.
	Float32
)

func (p Precision) String() string {
	if p == Float32 {
		return "float32"
	}
	return "float64"
}

func (p Precision) size() int64 {
	if p == Float32 {
		return 4
	}
	return 8
}

func (p Precision) suffix() string {
	if p == Float32 {
		return "_f32"
	}
	return "_f64"
}

// ErrOutOfMemory is matched (errors.Is) by errors from an allocation or a
// kernel that ran out of device memory.
var ErrOutOfMemory = errors.New("cuda: out of device memory")

// ErrClosed reports a call on a closed device.
var ErrClosed = errors.New("cuda: device closed")

// KernelError reports a failure of the CUDA driver in a named kernel or
// driver call: a launch that failed, an error the kernel raised while
// running (reported by the next synchronization, which names the last
// kernel launched), or an allocation that failed.
type KernelError struct {
	// Kernel is the kernel's name in the PTX (chol_small_f64, …) or the
	// driver call (memcpy to device, alloc, …).
	Kernel string
	// Err is the driver's error.
	Err error
}

func (e *KernelError) Error() string { return fmt.Sprintf("cuda: %s: %v", e.Kernel, e.Err) }

// Unwrap returns the driver's error.
func (e *KernelError) Unwrap() error { return e.Err }

// Is lets errors.Is(err, ErrOutOfMemory) match a driver out-of-memory error.
func (e *KernelError) Is(target error) bool {
	return target == ErrOutOfMemory && e.Err == cu.OutOfMemory
}

// Device is one GPU in one precision. It implements engine.CholeskyDevice,
// engine.TriSolveDevice and engine.SqDistDevice, and adds kernel matrices and
// their gradients. A Device is safe for concurrent use; calls are serialized.
// Device buffers and host staging buffers grow to the largest call seen and
// are reused by later calls.
type Device struct {
	mu      sync.Mutex
	ordinal int
	prec    Precision
	name    string
	gpu     cu.Device
	ctx     cu.CUContext
	mods    []cu.Module
	fns     map[string]cu.Function
	scratch [numSlots]scratchBuf
	stage   [3][]float32 // float32 staging for uploads and downloads
	info    []int32
	// bad receives the first non-finite index. A slice of its own: cgo
	// rejects a pointer into a struct that holds Go pointers, such as Device.
	bad    []uint64
	argv   [16]uint64
	argp   [16]unsafe.Pointer
	last   string // the last kernel launched, for errors found at synchronization
	closed bool
}

var (
	_ engine.CholeskyDevice = (*Device)(nil)
	_ engine.TriSolveDevice = (*Device)(nil)
	_ engine.SqDistDevice   = (*Device)(nil)
)

// New creates a device on the GPU with the given ordinal, computing in the
// given precision, and loads the kernels. Devices on the same GPU share its
// primary context.
func New(ordinal int, prec Precision) (*Device, error) {
	if prec != Float64 && prec != Float32 {
		return nil, fmt.Errorf("cuda: unknown precision %d", int(prec))
	}
	count, err := cu.NumDevices()
	if err != nil {
		return nil, &KernelError{Kernel: "device count", Err: err}
	}
	if ordinal < 0 || ordinal >= count {
		return nil, fmt.Errorf("cuda: no GPU %d (%d present)", ordinal, count)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	gpu, err := cu.GetDevice(ordinal)
	if err != nil {
		return nil, &KernelError{Kernel: "get device", Err: err}
	}
	gname, err := gpu.Name()
	if err != nil {
		return nil, &KernelError{Kernel: "device name", Err: err}
	}
	ctx, err := gpu.RetainPrimaryCtx()
	if err != nil {
		return nil, &KernelError{Kernel: "retain primary context", Err: err}
	}
	d := &Device{ordinal: ordinal, prec: prec, gpu: gpu, ctx: ctx, fns: map[string]cu.Function{}, bad: make([]uint64, 1),
		name: fmt.Sprintf("cuda:%d %s %s", ordinal, strings.TrimRight(gname, "\x00 "), prec)}
	for i := range d.argp {
		d.argp[i] = unsafe.Pointer(&d.argv[i])
	}
	if err := cu.SetCurrentContext(ctx); err != nil {
		_ = gpu.ReleasePrimaryCtx()
		return nil, &KernelError{Kernel: "set context", Err: err}
	}
	entries, err := ptxFiles.ReadDir("ptx")
	if err != nil {
		return nil, fmt.Errorf("cuda: embedded PTX: %w", err)
	}
	for _, e := range entries {
		src, err := ptxFiles.ReadFile("ptx/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("cuda: embedded PTX: %w", err)
		}
		mod, err := cu.LoadData(string(src))
		if err != nil {
			d.release()
			return nil, &KernelError{Kernel: "load module " + e.Name(), Err: err}
		}
		d.mods = append(d.mods, mod)
	}
	return d, nil
}

// Name identifies the device: "cuda:0 NVIDIA H100 80GB HBM3 float64".
func (d *Device) Name() string { return d.name }

// Precision returns the precision the device computes in.
func (d *Device) Precision() Precision { return d.prec }

// Close frees the device's memory and modules. Buffers from Upload or
// NewBuffer must be freed before.
func (d *Device) Close() error {
	return d.do(func() error {
		d.release()
		d.closed = true
		return nil
	})
}

// release frees what the device holds; the context must be current.
func (d *Device) release() {
	for i := range d.scratch {
		if d.scratch[i].cap > 0 {
			_ = cu.MemFree(d.scratch[i].ptr)
			d.scratch[i] = scratchBuf{}
		}
	}
	for _, m := range d.mods {
		_ = m.Unload()
	}
	d.mods, d.fns = nil, map[string]cu.Function{}
	_ = d.gpu.ReleasePrimaryCtx()
}

// do runs fn with the device's lock held and its context current on the
// calling OS thread.
func (d *Device) do(fn func() error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := cu.SetCurrentContext(d.ctx); err != nil {
		return &KernelError{Kernel: "set context", Err: err}
	}
	return fn()
}

// fn returns the kernel of the given base name in the device's precision.
func (d *Device) fn(base string) (string, cu.Function, error) {
	name := base + d.prec.suffix()
	if f, ok := d.fns[name]; ok {
		return name, f, nil
	}
	for _, m := range d.mods {
		if f, err := m.Function(name); err == nil {
			d.fns[name] = f
			return name, f, nil
		}
	}
	return name, cu.Function{}, fmt.Errorf("cuda: kernel %s is not in the embedded PTX", name)
}

// dim is a grid or block shape.
type dims struct{ x, y, z int }

// launch starts kernel base (in the device's precision) with the given
// arguments, each an 8-byte value (see ptrArg, intArg).
func (d *Device) launch(base string, grid, block dims, smem int, args ...uint64) error {
	name, f, err := d.fn(base)
	if err != nil {
		return err
	}
	if len(args) > len(d.argv) {
		return fmt.Errorf("cuda: %s: %d arguments, at most %d", name, len(args), len(d.argv))
	}
	copy(d.argv[:], args)
	d.last = name
	if err := f.Launch(grid.x, max(grid.y, 1), max(grid.z, 1), block.x, max(block.y, 1), max(block.z, 1),
		smem, cu.NoStream, d.argp[:len(args)]); err != nil {
		return &KernelError{Kernel: name, Err: err}
	}
	return nil
}

// gridFor is the grid of a grid-stride kernel over total elements, with
// threads threads a block.
func gridFor(total int) dims { return dim3(min((total+threads-1)/threads, maxBlocks)) }

// launchToHost runs the grid-stride kernel base, whose arguments are the
// input buffers in, then an output buffer of len(dst) elements (in the
// output slot), then sizes, and copies the output to dst.
func (d *Device) launchToHost(dst []float64, base string, in []cu.DevicePtr, sizes ...int) error {
	out, err := d.scratchElems(slotOut, len(dst))
	if err != nil {
		return err
	}
	var args [len(d.argv)]uint64
	if len(in)+1+len(sizes) > len(args) {
		return fmt.Errorf("cuda: %s: %d arguments, at most %d", base, len(in)+1+len(sizes), len(args))
	}
	for i, p := range in {
		args[i] = ptrArg(p)
	}
	args[len(in)] = ptrArg(out)
	for i, v := range sizes {
		args[len(in)+1+i] = intArg(v)
	}
	if err := d.launch(base, gridFor(len(dst)), dim3(threads), 0, args[:len(in)+1+len(sizes)]...); err != nil {
		return err
	}
	return d.fromDevice(dst, out)
}

// sync waits for the launched kernels and names the last one in an error.
func (d *Device) sync() error {
	if err := cu.Synchronize(); err != nil {
		return &KernelError{Kernel: d.last + " (or a kernel before it)", Err: err}
	}
	return nil
}

func ptrArg(p cu.DevicePtr) uint64 { return uint64(p) }

func intArg(v int) uint64 { return uint64(int64(v)) }

// Synchronize waits for all work on the device's GPU.
func (d *Device) Synchronize() error { return d.do(d.sync) }

// defaultDev is the device Default returns, created by its first call.
var defaultDev struct {
	once sync.Once
	dev  *Device
	err  error
}

// Default returns the float64 device on GPU 0, creating it on the first
// call; later calls return the same device, or the same error. It does not
// make the device engine's default: the application passes it to
// engine.SetDefaultDevice (every program compiled afterwards) or to
// engine.WithDevice and infer.WithDevice (one program). The device lives
// as long as the process; do not Close it.
func Default() (*Device, error) {
	defaultDev.once.Do(func() { defaultDev.dev, defaultDev.err = New(0, Float64) })
	return defaultDev.dev, defaultDev.err
}
