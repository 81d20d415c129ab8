//go:build gpu

package cuda

import (
	"fmt"
	"unsafe"

	"gorgonia.org/cu"
)

// Scratch slots: device buffers that the host-slice entry points reuse from
// call to call, each grown to the largest size asked for.
const (
	slotA = iota
	slotB
	slotC
	slotOut
	slotInfo
	slotBad
	slotGrad
	numSlots
)

type scratchBuf struct {
	ptr cu.DevicePtr
	cap int64 // bytes
}

// scratchBytes returns slot's buffer with room for at least n bytes.
func (d *Device) scratchBytes(slot int, n int64) (cu.DevicePtr, error) {
	s := &d.scratch[slot]
	if s.cap >= n {
		return s.ptr, nil
	}
	if s.cap > 0 {
		if err := cu.MemFree(s.ptr); err != nil {
			return 0, &KernelError{Kernel: "free", Err: err}
		}
		*s = scratchBuf{}
	}
	n = max(n, 256)
	p, err := cu.MemAlloc(n)
	if err != nil {
		return 0, &KernelError{Kernel: fmt.Sprintf("alloc %d bytes", n), Err: err}
	}
	*s = scratchBuf{ptr: p, cap: n}
	return p, nil
}

// scratchElems returns slot's buffer with room for n elements of the
// device's precision.
func (d *Device) scratchElems(slot, n int) (cu.DevicePtr, error) {
	return d.scratchBytes(slot, int64(n)*d.prec.size())
}

// stage32 returns staging buffer i with room for n float32s.
func (d *Device) stage32(i, n int) []float32 {
	if cap(d.stage[i]) < n {
		d.stage[i] = make([]float32, n)
	}
	return d.stage[i][:n]
}

// toDevice copies v to p, rounding to float32 on a Float32 device.
func (d *Device) toDevice(p cu.DevicePtr, v []float64) error {
	if len(v) == 0 {
		return nil
	}
	var src unsafe.Pointer
	if d.prec == Float32 {
		s := d.stage32(0, len(v))
		for i, x := range v {
			s[i] = float32(x)
		}
		src = unsafe.Pointer(&s[0])
	} else {
		src = unsafe.Pointer(&v[0])
	}
	if err := cu.MemcpyHtoD(p, src, int64(len(v))*d.prec.size()); err != nil {
		return &KernelError{Kernel: "copy to device", Err: err}
	}
	return nil
}

// fromDevice copies len(v) elements from p into v, widening from float32 on
// a Float32 device.
func (d *Device) fromDevice(v []float64, p cu.DevicePtr) error {
	if len(v) == 0 {
		return nil
	}
	if d.prec == Float32 {
		s := d.stage32(1, len(v))
		if err := cu.MemcpyDtoH(unsafe.Pointer(&s[0]), p, int64(len(v))*4); err != nil {
			return &KernelError{Kernel: "copy from device (after " + d.last + ")", Err: err}
		}
		for i, x := range s {
			v[i] = float64(x)
		}
		return nil
	}
	if err := cu.MemcpyDtoH(unsafe.Pointer(&v[0]), p, int64(len(v))*8); err != nil {
		return &KernelError{Kernel: "copy from device (after " + d.last + ")", Err: err}
	}
	return nil
}

// upload copies v into slot's buffer.
func (d *Device) upload(slot int, v []float64) (cu.DevicePtr, error) {
	p, err := d.scratchElems(slot, len(v))
	if err != nil {
		return 0, err
	}
	return p, d.toDevice(p, v)
}

// Buffer is memory on the device holding elements of the device's
// precision: data that stays on the GPU between calls (constant inputs, the
// operands of a benchmark). It belongs to the device that made it.
type Buffer struct {
	dev *Device
	ptr cu.DevicePtr
	n   int
}

// Len returns the number of elements.
func (b *Buffer) Len() int { return b.n }

// NewBuffer allocates n elements on the device (contents undefined).
func (d *Device) NewBuffer(n int) (*Buffer, error) {
	if n <= 0 {
		return nil, fmt.Errorf("cuda: buffer of %d elements", n)
	}
	b := &Buffer{dev: d, n: n}
	err := d.do(func() error {
		p, err := cu.MemAlloc(int64(n) * d.prec.size())
		if err != nil {
			return &KernelError{Kernel: fmt.Sprintf("alloc %d elements", n), Err: err}
		}
		b.ptr = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// Upload allocates a buffer holding v.
func (d *Device) Upload(v []float64) (*Buffer, error) {
	b, err := d.NewBuffer(len(v))
	if err != nil {
		return nil, err
	}
	if err := b.Set(v); err != nil {
		_ = b.Free()
		return nil, err
	}
	return b, nil
}

// Set copies v (of length Len) into the buffer.
func (b *Buffer) Set(v []float64) error {
	if len(v) != b.n {
		return fmt.Errorf("cuda: set a buffer of %d elements from %d", b.n, len(v))
	}
	return b.dev.do(func() error { return b.dev.toDevice(b.ptr, v) })
}

// Download copies the buffer into dst (of length Len).
func (b *Buffer) Download(dst []float64) error {
	if len(dst) != b.n {
		return fmt.Errorf("cuda: download a buffer of %d elements into %d", b.n, len(dst))
	}
	return b.dev.do(func() error { return b.dev.fromDevice(dst, b.ptr) })
}

// Free releases the buffer's memory.
func (b *Buffer) Free() error {
	if b.n == 0 {
		return nil
	}
	return b.dev.do(func() error {
		b.n = 0
		if err := cu.MemFree(b.ptr); err != nil {
			return &KernelError{Kernel: "free", Err: err}
		}
		return nil
	})
}
