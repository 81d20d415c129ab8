package engine

import (
	"errors"
	"math"
	"math/big"
	"slices"
	"testing"
)

// fuzzDims decodes a shape from fuzz bytes: mostly small dimensions, with
// zero, negative and huge ones mixed in to reach the validation paths.
func fuzzDims(b []byte) Shape {
	if len(b) > 5 {
		b = b[:5]
	}
	s := make(Shape, len(b))
	for i, c := range b {
		switch c {
		case 0:
			s[i] = 0
		case 255:
			s[i] = -1
		case 254:
			s[i] = 1 << 31
		case 253:
			s[i] = 1 << 40
		case 252:
			s[i] = math.MaxInt
		default:
			s[i] = 1 + int(c)%4
		}
	}
	return s
}

// refBroadcast is NumPy's broadcasting rule for positive dimensions, written
// out independently of BroadcastShapes.
func refBroadcast(a, b Shape) (Shape, bool) {
	for _, d := range append(slices.Clone(a), b...) {
		if d <= 0 {
			return nil, false
		}
	}
	r := max(len(a), len(b))
	out := make(Shape, r)
	for i := 1; i <= r; i++ {
		da, db := 1, 1
		if i <= len(a) {
			da = a[len(a)-i]
		}
		if i <= len(b) {
			db = b[len(b)-i]
		}
		switch {
		case da == db, db == 1:
			out[r-i] = da
		case da == 1:
			out[r-i] = db
		default:
			return nil, false
		}
	}
	return out, true
}

// refFits reports positive dimensions whose product is at most MaxElements,
// computed without overflow.
func refFits(s Shape) bool {
	n := big.NewInt(1)
	for _, d := range s {
		if d <= 0 {
			return false
		}
		n.Mul(n, big.NewInt(int64(d)))
	}
	return n.Cmp(big.NewInt(MaxElements)) <= 0
}

// fuzzValues fills a tensor with small values that are exact in float64.
func fuzzValues(n, salt int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64((i*7+salt)%11) - 5
	}
	return v
}

// refAt reads x (of shape s) at the index idx of a shape it broadcasts to.
func refAt(x []float64, s Shape, idx []int) float64 {
	off, st := 0, 1
	for i := len(s) - 1; i >= 0; i-- {
		j := idx[len(idx)-len(s)+i]
		if s[i] != 1 {
			off += j * st
		}
		st *= s[i]
	}
	return x[off]
}

// unravel writes the multi-index of flat element k of shape s into idx.
func unravel(k int, s Shape, idx []int) {
	for i := len(s) - 1; i >= 0; i-- {
		idx[i] = k % s[i]
		k /= s[i]
	}
}

// FuzzShapeInference builds element-wise, reduce, reshape, broadcast and
// matmul nodes on random shapes. Nothing may panic; every node's shape, or
// its error, must agree with a reference rule; and programs of small results
// must compute what the reference computes.
func FuzzShapeInference(f *testing.F) {
	f.Add([]byte{1, 2}, []byte{2}, uint8(0), int8(0))
	f.Add([]byte{3, 1, 2}, []byte{2, 1}, uint8(1), int8(-1))
	f.Add([]byte{2, 3}, []byte{3, 2}, uint8(2), int8(1))
	f.Add([]byte{1, 3}, []byte{255, 2}, uint8(3), int8(0))
	f.Add([]byte{2}, []byte{254, 254, 2}, uint8(4), int8(0))
	f.Add([]byte{1, 1}, []byte{253, 253}, uint8(0), int8(0))
	f.Add([]byte{2, 3}, []byte{252, 255}, uint8(3), int8(0))
	f.Add([]byte{5, 2, 3}, []byte{2, 3, 4}, uint8(2), int8(2))
	// Regression: the known dimensions' product overflowed to 0 and the
	// inferred one divided by it.
	f.Add([]byte{2}, []byte{255, 253, 253}, uint8(3), int8(0))
	f.Fuzz(func(t *testing.T, sa, sb []byte, which uint8, axis int8) {
		a, b := fuzzDims(sa), fuzzDims(sb)
		want, wantOK := refBroadcast(a, b)
		got, gotOK := BroadcastShapes(a, b)
		if gotOK != wantOK || !got.Equal(want) {
			t.Fatalf("BroadcastShapes(%v, %v) = %v, %t; want %v, %t", a, b, got, gotOK, want, wantOK)
		}
		if back, ok := BroadcastShapes(b, a); ok != gotOK || !back.Equal(got) {
			t.Fatalf("BroadcastShapes is not symmetric: (%v, %v) gives %v, reversed %v", a, b, got, back)
		}
		g := NewGraph()
		x := g.Input("x", a...)
		if x.Valid() != refFits(a) {
			t.Fatalf("Input of shape %v: valid %t, error %v", a, x.Valid(), g.Err())
		}
		if !x.Valid() {
			if err := g.Err(); !errors.Is(err, ErrArgument) {
				t.Fatalf("Input of shape %v: error %v, want ErrArgument", a, err)
			}
			return
		}
		var out *Node
		var ref Shape
		refOK := false
		switch which % 5 {
		case 0: // element-wise
			y := g.Input("y", b...)
			if !y.Valid() {
				return
			}
			out = g.Add(x, y)
			ref, refOK = want, wantOK && refFits(want)
		case 1: // reduce
			out = g.Sum(x, int(axis))
			if ax, ok := normAxis(int(axis), len(a)); ok {
				ref, refOK = append(slices.Clone(a[:ax]), a[ax+1:]...), true
			}
		case 2: // matmul
			y := g.Input("y", b...)
			if !y.Valid() {
				return
			}
			out = g.MatMul(x, y)
			if len(a) >= 2 && len(b) >= 2 && a[len(a)-1] == b[len(b)-2] {
				if batch, ok := refBroadcast(a[:len(a)-2], b[:len(b)-2]); ok {
					ref = append(batch, a[len(a)-2], b[len(b)-1])
					refOK = refFits(ref)
				}
			}
		case 3: // reshape, one dimension may be inferred
			out = g.Reshape(x, b...)
			ref, refOK = refReshape(a, b)
		case 4: // broadcast
			out = g.BroadcastTo(x, b...)
			ref, refOK = b, wantOK && want.Equal(b) && refFits(b)
		}
		err := g.Err()
		if out.Valid() != refOK {
			t.Fatalf("op %d on %v and %v: valid %t (error %v), reference valid %t with %v", which%5, a, b, out.Valid(), err, refOK, ref)
		}
		if !refOK {
			if !errors.Is(err, ErrShape) && !errors.Is(err, ErrArgument) {
				t.Fatalf("op %d on %v and %v: error %v, want ErrShape or ErrArgument", which%5, a, b, err)
			}
			return
		}
		if !out.Shape().Equal(ref) {
			t.Fatalf("op %d on %v and %v: shape %v, reference %v", which%5, a, b, out.Shape(), ref)
		}
		if out.Shape().Size() > 512 || a.Size() > 512 || refFits(b) && b.Size() > 512 {
			return
		}
		checkFuzzValues(t, g, which%5, int(axis), x, out, a, b)
	})
}

// refReshape is the reshape rule: at most one −1, the other dimensions
// positive, and as many elements as the input.
func refReshape(from, to Shape) (Shape, bool) {
	size := big.NewInt(int64(from.Size()))
	known, infer := big.NewInt(1), -1
	for i, d := range to {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d <= 0:
			return nil, false
		default:
			known.Mul(known, big.NewInt(int64(d)))
		}
	}
	out := slices.Clone(to)
	if infer >= 0 {
		q, m := new(big.Int).QuoRem(size, known, new(big.Int))
		if m.Sign() != 0 || q.Sign() == 0 {
			return nil, false
		}
		out[infer] = int(q.Int64())
		return out, true
	}
	return out, known.Cmp(size) == 0
}

// checkFuzzValues runs the program and compares its output with a direct
// evaluation of the reference.
func checkFuzzValues(t *testing.T, g *Graph, which uint8, axis int, x, out *Node, a, b Shape) {
	t.Helper()
	var y *Node
	if which == 0 || which == 2 {
		y = g.Nodes()[1]
	}
	p, err := g.Compile([]*Node{out})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	xv := fuzzValues(a.Size(), 1)
	if err := p.Set(x, xv); err != nil {
		t.Fatal(err)
	}
	var yv []float64
	if y != nil {
		yv = fuzzValues(b.Size(), 4)
		if err := p.Set(y, yv); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Run(); err != nil {
		t.Fatalf("run: %v", err)
	}
	shape := out.Shape()
	got := p.Value(out)
	idx := make([]int, len(shape))
	for k := range got {
		unravel(k, shape, idx)
		var want float64
		switch which {
		case 0:
			want = refAt(xv, a, idx) + refAt(yv, b, idx)
		case 1: // sums of small integers are exact in any order
			ax, _ := normAxis(axis, len(a))
			want = refSumAt(xv, a, ax, idx)
		case 2:
			want = refMatMulAt(xv, yv, a, b, idx)
		case 3:
			want = xv[k]
		case 4:
			want = refAt(xv, a, idx)
		}
		if got[k] != want {
			t.Fatalf("op %d on %v and %v: element %d (%v) is %v, reference %v", which, a, b, k, idx, got[k], want)
		}
	}
}

// refSumAt sums x (shape a) over axis ax, at index idx of the result.
func refSumAt(x []float64, a Shape, ax int, idx []int) float64 {
	full := make([]int, len(a))
	var s float64
	for k := range x {
		unravel(k, a, full)
		if slices.Equal(append(slices.Clone(full[:ax]), full[ax+1:]...), idx) {
			s += x[k]
		}
	}
	return s
}

// refMatMulAt computes element idx of the batched product of x (shape a)
// and y (shape b).
func refMatMulAt(x, y []float64, a, b Shape, idx []int) float64 {
	r := len(idx)
	i, j := idx[r-2], idx[r-1]
	batch := idx[:r-2]
	k := a[len(a)-1]
	ai := make([]int, 0, r)
	var s float64
	for l := 0; l < k; l++ {
		ai = append(append(ai[:0], batch...), i, l)
		av := refAt(x, a, ai)
		ai = append(append(ai[:0], batch...), l, j)
		s += av * refAt(y, b, ai)
	}
	return s
}
