package probgraph

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// Plate marks conditional independence: sites declared through a plate are
// independent across its dimension, their distributions are expanded to
// cover it, and with subsampling their log-probabilities are scaled by
// size / subsample size. Plates own batch dimensions from the right: a plate
// made on the context takes dimension −1, a plate nested in it −2, and so on,
// unless Dim says otherwise.
type Plate struct {
	m      *Ctx
	parent *Plate
	// Name identifies the plate.
	Name string
	// Size is the full size of the plate's dimension.
	Size int
	// SubsampleSize is the number of elements used per step (equal to Size
	// when not subsampling).
	SubsampleSize int
	// Dim is the (negative) batch dimension the plate owns.
	Dim int
	// Particles marks the plate the Particles middleware adds (independent
	// copies of the whole model), as opposed to a plate of the model.
	Particles bool
	// indices holds the subsample's positions, fed before every run.
	indices *engine.Node
}

// PlateOption configures a plate.
type PlateOption func(*Plate)

// Subsample makes the plate use n of its elements per step, chosen anew every
// step by the inference algorithm; log-probabilities are scaled by size/n.
func Subsample(n int) PlateOption { return func(p *Plate) { p.SubsampleSize = n } }

// Dim places the plate at a given negative batch dimension.
func Dim(d int) PlateOption { return func(p *Plate) { p.Dim = d } }

// Plate opens a plate of the given size.
func (m *Ctx) Plate(name string, size int, opts ...PlateOption) *Plate {
	return m.newPlate(nil, name, size, opts)
}

// Plate opens a plate nested inside p.
func (p *Plate) Plate(name string, size int, opts ...PlateOption) *Plate {
	return p.m.newPlate(p, name, size, opts)
}

func (m *Ctx) newPlate(parent *Plate, name string, size int, opts []PlateOption) *Plate {
	depth := 1
	for q := parent; q != nil; q = q.parent {
		depth++
	}
	p := &Plate{m: m, parent: parent, Name: name, Size: size, SubsampleSize: size, Dim: -depth}
	for _, o := range opts {
		o(p)
	}
	switch {
	case size <= 0:
		m.g.Fail(fmt.Errorf("%w: plate %q: size %d", ErrPlate, name, size))
	case p.SubsampleSize <= 0 || p.SubsampleSize > size:
		m.g.Fail(fmt.Errorf("%w: plate %q: subsample size %d for size %d", ErrPlate, name, p.SubsampleSize, size))
	case p.Dim >= 0:
		m.g.Fail(fmt.Errorf("%w: plate %q: dim %d must be negative", ErrPlate, name, p.Dim))
	}
	for q := parent; q != nil; q = q.parent {
		if q.Dim == p.Dim {
			m.g.Fail(fmt.Errorf("%w: plate %q at dim %d collides with enclosing plate %q", ErrPlate, name, p.Dim, q.Name))
		}
	}
	for _, q := range m.plates {
		if q.Name == name && (q.Size != size || q.SubsampleSize != p.SubsampleSize) {
			m.g.Fail(fmt.Errorf("%w: plate %q declared twice with different sizes", ErrPlate, name))
		}
		if q.Name == name && q.indices != nil {
			p.indices = q.indices // the same plate reopened shares its subsample
		}
	}
	if p.SubsampleSize < size && p.indices == nil {
		p.indices = m.g.Input("subsample:"+name, p.SubsampleSize)
	}
	m.plates = append(m.plates, p)
	return p
}

// chain returns the plate and its ancestors, outermost first.
func (p *Plate) chain() []*Plate {
	var c []*Plate
	for q := p; q != nil; q = q.parent {
		c = append([]*Plate{q}, c...)
	}
	return c
}

// Subsampled reports whether the plate uses a subsample.
func (p *Plate) Subsampled() bool { return p.indices != nil }

// Indices returns the subsample's positions (an input the inference algorithm
// fills before every run), or nil when the plate is not subsampled.
func (p *Plate) Indices() *engine.Node { return p.indices }

// Subsample selects the current subsample of x along axis 0 (the data's
// leading axis); without subsampling it returns x.
func (p *Plate) Subsample(x *engine.Node) *engine.Node { return p.SubsampleAxis(x, 0) }

// SubsampleAxis selects the current subsample of x along an axis.
func (p *Plate) SubsampleAxis(x *engine.Node, axis int) *engine.Node {
	if p.indices == nil {
		return x
	}
	return p.m.g.Take(x, axis, p.indices)
}

// Sample declares a random variable inside the plate.
func (p *Plate) Sample(name string, d dist.Distribution, opts ...SampleOption) *engine.Node {
	return p.m.sample(name, d, p.chain(), opts)
}

// Observe declares observed data inside the plate.
func (p *Plate) Observe(name string, d dist.Distribution, value *engine.Node, opts ...SampleOption) *engine.Node {
	return p.m.sample(name, d, p.chain(), append([]SampleOption{Obs(value)}, opts...))
}

// Plates lists the plates a model run opened (after Run or a trace).
func (m *Ctx) Plates() []*Plate { return append([]*Plate(nil), m.plates...) }

// expandToPlates expands a site's distribution so that its batch shape covers
// every plate it is in, and sets the subsampling scale.
func expandToPlates(s *Site) error {
	if len(s.Plates) == 0 {
		return nil
	}
	batch := s.Dist.BatchShape()
	rank := len(batch)
	for _, p := range s.Plates {
		rank = max(rank, -p.Dim)
	}
	target := make(engine.Shape, rank)
	for i := range target {
		target[i] = 1
	}
	copy(target[rank-len(batch):], batch)
	for _, p := range s.Plates {
		i := rank + p.Dim
		switch target[i] {
		case 1, p.SubsampleSize:
			target[i] = p.SubsampleSize
		default:
			return fmt.Errorf("%w: site %q: batch shape %v has %d at dim %d, plate %q has size %d",
				ErrPlate, s.Name, batch, target[i], p.Dim, p.Name, p.SubsampleSize)
		}
		s.Scale *= float64(p.Size) / float64(p.SubsampleSize)
	}
	if !target.Equal(batch) {
		s.Dist = dist.Expand(s.Dist, target...)
	}
	return nil
}
