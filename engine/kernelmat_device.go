package engine

import "fmt"

// SqDistDevice is a device that computes scaled squared distances, the core of
// every stationary kernel matrix. The SqDist op's kernel uses it when the
// program's device implements it.
//
// SqDist writes, for b < batch, n' < n, m' < m,
//
//	dst[(b·n + n')·m + m'] = Σ_{d'<d} ((x1[(b·n + n')·d + d'] − x2[(b·m + m')·d + d']) / ls[b·d + d'])²
//
// All slices are contiguous and row-major, already broadcast to the batch:
// x1 is [batch, n, d], x2 is [batch, m, d], ls is [batch, d] and dst is
// [batch, n, m] (a caller with a shared X or a shared lengthscale repeats it).
// x1 and x2 may be the same slice; dst overlaps none of the inputs. The error
// is for device failures, not for values: a zero lengthscale gives Inf or NaN.
type SqDistDevice interface {
	Device
	SqDist(dst, x1, x2, ls []float64, batch, n, m, d int) error
}

// SqDist is the CPU's implementation of SqDistDevice, the reference that other
// devices are tested against. It runs the same code as the SqDist op's CPU
// kernel (which calls that code directly, with no broadcast copies), and
// allocates its task plan on every call.
func (cpuDevice) SqDist(dst, x1, x2, ls []float64, batch, n, m, d int) error {
	if batch <= 0 || n <= 0 || m <= 0 || d <= 0 {
		return fmt.Errorf("%w: cpu sqdist: sizes batch=%d n=%d m=%d d=%d must be positive", ErrArgument, batch, n, m, d)
	}
	if len(dst) != batch*n*m || len(x1) != batch*n*d || len(x2) != batch*m*d || len(ls) != batch*d {
		return fmt.Errorf("%w: cpu sqdist: lengths dst %d, x1 %d, x2 %d, ls %d for batch=%d n=%d m=%d d=%d",
			ErrShape, len(dst), len(x1), len(x2), len(ls), batch, n, m, d)
	}
	in := []Shape{{batch, n, d}, {batch, m, d}, {batch, d}}
	return newSqDistKernel(in, Shape{batch, n, m}, false).Run(dst, [][]float64{x1, x2, ls})
}

func isCPU(d Device) bool {
	_, ok := d.(cpuDevice)
	return ok
}

// sqDistDeviceKernel runs sqdist on a SqDistDevice, first copying any
// broadcast operand out to the full batch in buffers allocated at compile time.
type sqDistDeviceKernel struct {
	dev            SqDistDevice
	batch, n, m, d int
	pd             int
	offs           [3][]int
	bufs           [3][]float64 // nil where the input is already full-batch and contiguous
}

func newSqDistDeviceKernel(dev SqDistDevice, in []Shape, out Shape) *sqDistDeviceKernel {
	batch := out[:len(out)-2]
	k := &sqDistDeviceKernel{dev: dev, batch: batch.Size(), n: out[len(out)-2], m: out[len(out)-1],
		d: in[0][len(in[0])-1], pd: in[2][len(in[2])-1]}
	core := [3]int{2, 2, 1}
	sizes := [3]int{k.n * k.d, k.m * k.d, k.d}
	for i, s := range in {
		c := core[i]
		k.offs[i] = batchOffsets(batch, batchOf(s, c), Shape(s[len(s)-c:]).Size())
		if s.Size() != k.batch*sizes[i] {
			k.bufs[i] = make([]float64, k.batch*sizes[i])
		}
	}
	return k
}

func (k *sqDistDeviceKernel) Run(out []float64, in [][]float64) error {
	sizes := [3]int{k.n * k.d, k.m * k.d, k.d}
	var args [3][]float64
	for i, buf := range k.bufs {
		if buf == nil {
			args[i] = in[i]
			continue
		}
		sz := sizes[i]
		for b, off := range k.offs[i] {
			dst := buf[b*sz : (b+1)*sz]
			if i == 2 && k.pd == 1 {
				for j := range dst {
					dst[j] = in[i][off]
				}
				continue
			}
			copy(dst, in[i][off:off+sz])
		}
		args[i] = buf
	}
	if err := k.dev.SqDist(out, args[0], args[1], args[2], k.batch, k.n, k.m, k.d); err != nil {
		return fmt.Errorf("sqdist on %s: %w", k.dev.Name(), err)
	}
	return nil
}
