package engine

// rows walks the leading dimensions of shape (all but the last) in row-major
// order and calls fn once per innermost row with the row's offset in each of
// the operands, whose strides (aligned to shape, 0 along broadcast
// dimensions) are given. It allocates nothing when idx is reused.
type rows struct {
	shape   Shape
	strides [][]int
	idx     []int
	off     []int
}

func newRows(shape Shape, strides ...[]int) *rows {
	r := &rows{shape: shape, strides: strides, idx: make([]int, len(shape)), off: make([]int, len(strides))}
	return r
}

// inner returns the length of a row and each operand's step along it.
func (r *rows) inner(k int) (n, step int) {
	if len(r.shape) == 0 {
		return 1, 0
	}
	last := len(r.shape) - 1
	return r.shape[last], r.strides[k][last]
}

// each calls fn(off) for every row; off holds each operand's starting offset.
func (r *rows) each(fn func(off []int)) {
	if r.shape.Size() == 0 {
		return
	}
	outer := len(r.shape) - 1
	if outer <= 0 {
		clear(r.off)
		fn(r.off)
		return
	}
	clear(r.idx)
	clear(r.off)
	for {
		fn(r.off)
		// advance the odometer over dimensions [0, outer)
		d := outer - 1
		for ; d >= 0; d-- {
			r.idx[d]++
			for k := range r.off {
				r.off[k] += r.strides[k][d]
			}
			if r.idx[d] < r.shape[d] {
				break
			}
			for k := range r.off {
				r.off[k] -= r.strides[k][d] * r.shape[d]
			}
			r.idx[d] = 0
		}
		if d < 0 {
			return
		}
	}
}
