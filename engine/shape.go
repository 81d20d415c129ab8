package engine

import (
	"fmt"
	"slices"
)

// Shape is the size of each dimension of a row-major tensor. A nil or empty
// Shape is a scalar.
type Shape []int

// Size is the number of elements: the product of the dimensions (1 for a scalar).
func (s Shape) Size() int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// Rank is the number of dimensions.
func (s Shape) Rank() int { return len(s) }

// Equal reports whether both shapes have the same dimensions.
func (s Shape) Equal(t Shape) bool { return slices.Equal(s, t) }

// Clone returns a copy that shares no memory with s.
func (s Shape) Clone() Shape { return slices.Clone(s) }

func (s Shape) String() string {
	return fmt.Sprint([]int(s))
}

// strides returns row-major strides.
func (s Shape) strides() []int {
	st := make([]int, len(s))
	acc := 1
	for i := len(s) - 1; i >= 0; i-- {
		st[i] = acc
		acc *= s[i]
	}
	return st
}

func (s Shape) valid() bool {
	for _, d := range s {
		if d <= 0 {
			return false
		}
	}
	return true
}

// MaxElements is the most elements one tensor may hold (2³², 32 GiB of
// float64): larger shapes are errors when the node is built, not a failed
// allocation that ends the process.
const MaxElements = 1 << 32

// tooLarge reports a shape of positive dimensions whose size exceeds
// MaxElements (or overflows int).
func (s Shape) tooLarge() bool {
	n := 1
	for _, d := range s {
		if d > 0 && n > MaxElements/d {
			return true
		}
		n *= d
	}
	return false
}

// BroadcastShapes applies NumPy's broadcasting rule: dimensions are aligned
// from the right; each pair must be equal or contain a 1. Dimensions must be
// positive, as in every ignis shape: a zero or negative one does not
// broadcast.
func BroadcastShapes(shapes ...Shape) (Shape, bool) {
	rank := 0
	for _, s := range shapes {
		if !s.valid() {
			return nil, false
		}
		rank = max(rank, len(s))
	}
	out := make(Shape, rank)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		off := rank - len(s)
		for i, d := range s {
			switch {
			case out[off+i] == 1:
				out[off+i] = d
			case d == 1 || d == out[off+i]:
			default:
				return nil, false
			}
		}
	}
	return out, true
}

// broadcastStrides returns strides that read an array of shape in as if it had
// shape out (0 along broadcast dimensions). in must broadcast to out.
func broadcastStrides(in, out Shape) []int {
	st := make([]int, len(out))
	inSt := in.strides()
	off := len(out) - len(in)
	for i := range in {
		if in[i] != 1 {
			st[off+i] = inSt[i]
		}
	}
	return st
}

// normAxis maps a possibly negative axis into [0, rank).
func normAxis(axis, rank int) (int, bool) {
	if axis < 0 {
		axis += rank
	}
	return axis, axis >= 0 && axis < rank
}

// normAxes normalizes, sorts and de-duplicates axes; no axes means all axes.
func normAxes(axes []int, rank int) ([]int, bool) {
	if len(axes) == 0 {
		out := make([]int, rank)
		for i := range out {
			out[i] = i
		}
		return out, true
	}
	out := make([]int, 0, len(axes))
	for _, a := range axes {
		n, ok := normAxis(a, rank)
		if !ok || slices.Contains(out, n) {
			return nil, false
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out, true
}
