package probgraph

import (
	"fmt"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph/dist"
)

// SiteKind tells what a site is.
type SiteKind uint8

// Site kinds.
const (
	SampleSite        SiteKind = iota // a random variable, latent or observed
	ParamSite                         // a learnable parameter
	DeterministicSite                 // a named function of other values, recorded for inspection
)

func (k SiteKind) String() string {
	return [...]string{"sample", "param", "deterministic"}[k]
}

// Enumerate says how a discrete site is summed out instead of sampled.
type Enumerate uint8

// Enumeration strategies.
const (
	NoEnumeration Enumerate = iota
	Parallel                // the support is laid out along a new dimension left of all plates
	Sequential              // one graph branch per value (small supports)
)

// InferConfig holds per-site instructions for inference algorithms.
type InferConfig struct {
	Enumerate Enumerate
	// EnumDim is the dimension the enumerated support occupies; set by the
	// enumeration handler.
	EnumDim int
	// Baseline turns on a moving-average baseline for score-function
	// gradients of a non-reparameterizable guide site; BaselineBeta is its
	// decay (default 0.9).
	Baseline     bool
	BaselineBeta float64
	// Auxiliary marks a guide site that has no counterpart in the model (an
	// autoguide's joint latent vector, from which the per-site values are
	// computed); model/guide checks do not look for it in the model.
	Auxiliary bool
}

// Site is the message a statement sends through the handler stack; handlers
// read and change it, and a trace records it.
type Site struct {
	Kind SiteKind
	Name string
	// Dist is the distribution of a sample site.
	Dist dist.Distribution
	// Value is the site's value: an observation, a draw, a parameter.
	Value *engine.Node
	// Observed marks a sample site whose value is data.
	Observed bool
	// Scale multiplies the site's log-probability (plate subsampling and the
	// Scale handler set it).
	Scale float64
	// Mask, when set, multiplies the log-probability element-wise (0 drops an
	// element); it broadcasts with the batch shape.
	Mask *engine.Node
	// Plates are the plates the site is in, innermost last.
	Plates []*Plate
	// Infer holds instructions for inference algorithms.
	Infer InferConfig
	// Stop, set by a handler, keeps handlers outside it from seeing the site.
	Stop bool
	// Constraint and Init describe a parameter site; Unconstrained is the
	// parameter node the optimizer updates (Value = transform(Unconstrained)).
	Constraint    dist.Constraint
	Init          Tensor
	Unconstrained *engine.Node
	// logProb caches LogProb.
	logProb *engine.Node
}

// IsLatent reports whether the site is an unobserved sample site.
func (s *Site) IsLatent() bool { return s.Kind == SampleSite && !s.Observed }

// LogProb returns the site's scaled and masked log-probability with the
// distribution's batch shape (nil for non-sample sites).
func (s *Site) LogProb() *engine.Node {
	if s.Kind != SampleSite || s.Dist == nil {
		return nil
	}
	if s.logProb != nil {
		return s.logProb
	}
	g := s.Dist.Graph()
	lp := s.Dist.LogProb(s.Value)
	if s.Mask != nil && lp.Valid() {
		// Masked-out elements contribute exactly zero, even where the
		// log-probability is −Inf or NaN.
		lp = g.Where(s.Mask, lp, g.Scalar(0))
	}
	if s.Scale != 1 && lp.Valid() {
		lp = g.Scale(lp, s.Scale)
	}
	s.logProb = lp
	return lp
}

// LogProbSum is the sum of LogProb over all its elements (a scalar node).
func (s *Site) LogProbSum() *engine.Node {
	lp := s.LogProb()
	if lp == nil || !lp.Valid() {
		return lp
	}
	return s.Dist.Graph().Sum(lp)
}

func (s *Site) String() string {
	if s.Dist != nil {
		return fmt.Sprintf("%s site %q (%s)", s.Kind, s.Name, s.Dist.Family())
	}
	return fmt.Sprintf("%s site %q", s.Kind, s.Name)
}

// Tensor is a plain value with a shape: initial values of parameters and
// data given to handlers.
type Tensor struct {
	Data  []float64
	Shape []int
}

// Scalar is a shape-() tensor.
func Scalar(v float64) Tensor { return Tensor{Data: []float64{v}} }

// Vector is a shape-(n) tensor.
func Vector(v ...float64) Tensor {
	return Tensor{Data: append([]float64(nil), v...), Shape: []int{len(v)}}
}

// Full is a tensor of the given shape with every element v.
func Full(v float64, shape ...int) Tensor {
	n := engine.Shape(shape).Size()
	d := make([]float64, n)
	for i := range d {
		d[i] = v
	}
	return Tensor{Data: d, Shape: append([]int(nil), shape...)}
}

// Zeros is a tensor of zeros.
func Zeros(shape ...int) Tensor { return Full(0, shape...) }
