package infer

import (
	"fmt"
	"math/bits"
	"slices"
	"sort"
	"strings"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
)

// This file sums (or maximizes) enumerated dimensions out of a model trace's
// log-probability factors, respecting plates.
//
// Every factor is laid out on a common rank R = nEnum + nesting: the left
// nEnum axes belong to enumerated sites (the j-th enumerated site of the run
// owns axis nEnum−1−j), the right `nesting` axes to plates. A factor depends
// on an enumerated site when its size along that site's axis is above one.
// Factors are grouped by the set of plates they sit in (their ordinal; plates
// are told apart by name, not by dimension). The
// deepest group is contracted first: enumerated axes that no other group
// uses are summed out (log-sum-exp, or max for MAP) element by element of
// its plates; then the plates it does not share with the groups that still
// need its remaining enumerated axes are summed out (a product over plate
// elements, in log space); what is left joins the group of the shared
// plates. This is exact when the plates form a tree around every
// enumerated variable, and an error names the sites otherwise.
//
// Which enumerated sites a factor depends on is read from its shape, and
// checked against the graph: a factor computed from an enumerated value
// must have that site's axis. A reduction over a plate dim shifts the
// enumeration axis right, into the plate axes, and would otherwise make
// the factor look independent of the site.
//
// With particles (keep ≥ 0), the particle plate is the outermost plate of
// every factor; the final sums keep its axis, giving one log marginal per
// particle.

// axisSet is a set of small numbers as a bit mask: axes of the common layout,
// or plate numbers (see enumLayout.plateID).
type axisSet uint64

func (a axisSet) axes() []int {
	var out []int
	for i := 0; i < 64; i++ {
		if a&(1<<i) != 0 {
			out = append(out, i)
		}
	}
	return out
}

func (a axisSet) count() int { return bits.OnesCount64(uint64(a)) }

// enumLayout is the common layout of one enumerated run.
type enumLayout struct {
	rank, nEnum, nesting int
	// owner names the site enumerated along each enum axis; ordinal is the
	// set of plates that site sits in.
	owner   map[int]string
	ordinal map[int]axisSet
	// Plates are told apart by name (two plates may share a dimension when
	// neither is inside the other): plateID numbers them, plateName and
	// plateAxis give each number's name and axis. Ordinals are sets of
	// plate numbers.
	plateID   map[string]int
	plateName []string
	plateAxis []int
	// value maps each enumerated site's value node to its axis, size the
	// number of values along each axis; reach memoizes which enumerated
	// values a node depends on (see reaches).
	value map[*engine.Node]int
	size  map[int]int
	reach map[*engine.Node]axisSet
}

// enumFactor is one site's log-probability in the common layout.
type enumFactor struct {
	t      *engine.Node
	plates axisSet
	dims   axisSet
	sites  []string
}

// layoutOf finds the enumerated sites of a model trace and the layout they
// imply for a run with the given plate nesting.
func layoutOf(mtr *probgraph.Trace, nesting int) (*enumLayout, error) {
	l := &enumLayout{nesting: nesting, owner: map[int]string{}, ordinal: map[int]axisSet{}, plateID: map[string]int{},
		value: map[*engine.Node]int{}, size: map[int]int{}, reach: map[*engine.Node]axisSet{}}
	var enumSites []*probgraph.Site
	for _, s := range mtr.Sites() {
		if s.IsLatent() && s.Infer.Enumerate != probgraph.NoEnumeration && s.Infer.EnumDim != 0 {
			enumSites = append(enumSites, s)
		}
	}
	l.nEnum = len(enumSites)
	l.rank = nesting + l.nEnum
	if l.rank > 64 {
		return nil, fmt.Errorf("%w: %d enumerated sites and %d plate dimensions exceed 64 axes", probgraph.ErrEnum, l.nEnum, nesting)
	}
	for _, s := range enumSites {
		ax := l.rank + s.Infer.EnumDim
		if ax < 0 || ax >= l.nEnum {
			return nil, fmt.Errorf("%w: site %q is enumerated at dim %d, outside the %d enumeration dims left of %d plate dims",
				probgraph.ErrEnum, s.Name, s.Infer.EnumDim, l.nEnum, nesting)
		}
		ord, err := l.plateAxes(s)
		if err != nil {
			return nil, err
		}
		l.owner[ax], l.ordinal[ax] = s.Name, ord
		l.value[s.Value] = ax
		l.size[ax] = s.Value.Shape()[0]
	}
	return l, nil
}

// reaches returns the enum axes whose sites' values the node depends on
// through the graph.
func (l *enumLayout) reaches(n *engine.Node) axisSet {
	if n == nil {
		return 0
	}
	if a, ok := l.reach[n]; ok {
		return a
	}
	var a axisSet
	if ax, ok := l.value[n]; ok {
		a |= 1 << ax
	}
	l.reach[n] = a // inputs come before n, so there is no cycle
	for _, in := range n.Inputs() {
		a |= l.reaches(in)
	}
	l.reach[n] = a
	return a
}

// plateAxes returns the set of plates a site sits in.
func (l *enumLayout) plateAxes(s *probgraph.Site) (axisSet, error) {
	var ord axisSet
	for _, p := range s.Plates {
		if -p.Dim > l.nesting {
			return 0, fmt.Errorf("%w: site %q is in plate %q at dim %d, beyond max plate nesting %d",
				probgraph.ErrEnum, s.Name, p.Name, p.Dim, l.nesting)
		}
		id, ok := l.plateID[p.Name]
		if !ok {
			id = len(l.plateName)
			if id == 64 {
				return 0, fmt.Errorf("%w: more than 64 plates", probgraph.ErrEnum)
			}
			l.plateID[p.Name] = id
			l.plateName = append(l.plateName, p.Name)
			l.plateAxis = append(l.plateAxis, l.rank+p.Dim)
		}
		ord |= 1 << id
	}
	return ord, nil
}

// axesOf returns the axes of a set of plates.
func (l *enumLayout) axesOf(plates axisSet) axisSet {
	var a axisSet
	for _, id := range plates.axes() {
		a |= 1 << l.plateAxis[id]
	}
	return a
}

// factor lays out a site's log-probability; ok is false when it depends on
// no enumerated site (it can then simply be summed).
func (l *enumLayout) factor(s *probgraph.Site) (f enumFactor, ok bool, err error) {
	lp := s.LogProb()
	if lp == nil || !lp.Valid() {
		return f, false, fmt.Errorf("%w: site %q has no valid log-probability", probgraph.ErrEnum, s.Name)
	}
	shape := lp.Shape()
	if len(shape) > l.rank {
		return f, false, fmt.Errorf("%w: site %q has log-probability shape %v, more than %d enumeration and %d plate dims; raise max plate nesting",
			probgraph.ErrEnum, s.Name, shape, l.nEnum, l.nesting)
	}
	full := make([]int, l.rank)
	for i := range full {
		full[i] = 1
	}
	copy(full[l.rank-len(shape):], shape)
	for ax := 0; ax < l.nEnum; ax++ {
		if full[ax] > 1 {
			f.dims |= 1 << ax
		}
	}
	// A factor computed from an enumerated site's values must keep that
	// site's enumeration dim. It loses it when the values were reduced over
	// (along the enumeration dim, or along a plate dim, which moves the
	// enumeration dim right into the plate dims): a plate-local site summed
	// into a factor outside its plate couples all of its elements, and the
	// per-element sum over its values would be silently wrong.
	for _, ax := range (l.reaches(lp) &^ f.dims).axes() {
		if l.size[ax] < 2 {
			continue
		}
		where := ""
		if ord := l.ordinal[ax]; ord != 0 {
			var names []string
			for _, id := range ord.axes() {
				names = append(names, fmt.Sprintf("%q", l.plateName[id]))
			}
			where = fmt.Sprintf(" in plate %s", strings.Join(names, " "))
		}
		return f, false, fmt.Errorf("%w: site %q is computed from the values of enumerated site %q%s, but its log-probability (shape %v) has no dim of size %d at the enumeration dim %d: the values were reduced over, along the enumeration dim or along a plate dim; a local enumerated variable can only feed factors inside its plates",
			probgraph.ErrEnum, s.Name, l.owner[ax], where, shape, l.size[ax], ax-l.rank)
	}
	if f.dims == 0 {
		return f, false, nil
	}
	if s.Scale != 1 {
		return f, false, fmt.Errorf("%w: site %q depends on enumerated sites and has log-probability scale %v (subsampling or a Scale handler); exact enumeration needs unscaled factors",
			probgraph.ErrEnum, s.Name, s.Scale)
	}
	if f.plates, err = l.plateAxes(s); err != nil {
		return f, false, err
	}
	for ax := l.nEnum; ax < l.rank; ax++ {
		if full[ax] > 1 && l.axesOf(f.plates)&(1<<ax) == 0 {
			return f, false, fmt.Errorf("%w: site %q has size %d at dim %d, which none of its plates owns",
				probgraph.ErrEnum, s.Name, full[ax], ax-l.rank)
		}
	}
	for _, ax := range f.dims.axes() {
		if miss := l.ordinal[ax] &^ f.plates; miss != 0 {
			return f, false, fmt.Errorf("%w: site %q depends on enumerated site %q but is outside its plate %q",
				probgraph.ErrEnum, s.Name, l.owner[ax], l.plateName[miss.axes()[0]])
		}
	}
	f.t = s.Dist.Graph().Reshape(lp, full...)
	f.sites = []string{s.Name}
	return f, true, nil
}

// reduceKeep reduces over axes keeping them as size-1 dimensions.
func reduceKeep(g *engine.Graph, x *engine.Node, axes axisSet, op func(*engine.Node, ...int) *engine.Node) *engine.Node {
	if axes == 0 || !x.Valid() {
		return x
	}
	shape := x.Shape().Clone()
	for _, a := range axes.axes() {
		shape[a] = 1
	}
	return g.Reshape(op(x, axes.axes()...), shape...)
}

// group is the factors of one ordinal, added together.
type group struct {
	plates axisSet
	t      *engine.Node
	dims   axisSet
	sites  []string
}

// contraction runs the elimination. With a target axis it keeps that
// enumerated axis and the plates of its site, and returns the factor over
// them (unnormalized); without, it returns the scalar log of the sum (or max)
// over all enumerated values.
type contraction struct {
	g      *engine.Graph
	l      *enumLayout
	useMax bool
	target int // enum axis to keep, or −1
	// keep is the particle plate's axis, or −1: without a target, the
	// result is then the log of the sum per particle, shape [P].
	keep    int
	factors []enumFactor
}

// sumExcept sums x, laid out on rank axes (it may be shorter: leading ones
// are implied), over every axis but keep; keep < 0 sums everything to a
// scalar. With keep, the result has shape [size of x at keep].
func sumExcept(g *engine.Graph, x *engine.Node, rank, keep int) *engine.Node {
	if keep < 0 || !x.Valid() {
		return g.Sum(x)
	}
	shape := x.Shape()
	full := make([]int, rank)
	for i := range full {
		full[i] = 1
	}
	copy(full[rank-len(shape):], shape)
	axes := make([]int, 0, rank-1)
	for i := 0; i < rank; i++ {
		if i != keep {
			axes = append(axes, i)
		}
	}
	return g.Reshape(g.Sum(g.Reshape(x, full...), axes...), full[keep])
}

func (c *contraction) elim(x *engine.Node, axes axisSet) *engine.Node {
	if c.useMax {
		return reduceKeep(c.g, x, axes, c.g.Max)
	}
	return reduceKeep(c.g, x, axes, c.g.LogSumExp)
}

func (c *contraction) run() (*engine.Node, error) {
	g := c.g
	groups := map[axisSet]*group{}
	var targetOrd axisSet
	if c.target >= 0 {
		targetOrd = c.l.ordinal[c.target]
		ones := make([]int, c.l.rank)
		for i := range ones {
			ones[i] = 1
		}
		groups[targetOrd] = &group{plates: targetOrd, t: g.Fill(0, ones...), dims: 1 << c.target}
	}
	for _, f := range c.factors {
		if q, ok := groups[f.plates]; ok {
			q.t = g.Add(q.t, f.t)
			q.dims |= f.dims
			q.sites = append(q.sites, f.sites...)
			continue
		}
		groups[f.plates] = &group{plates: f.plates, t: f.t, dims: f.dims, sites: slices.Clone(f.sites)}
	}
	total := g.Scalar(0)
	for {
		leaf := c.pickLeaf(groups, targetOrd)
		if leaf == nil {
			break
		}
		delete(groups, leaf.plates)
		var others axisSet
		for _, q := range groups {
			others |= q.dims
		}
		local := leaf.dims &^ others
		t := c.elim(leaf.t, local)
		rest := leaf.dims &^ local
		if rest == 0 {
			total = g.Add(total, sumExcept(g, t, c.l.rank, c.keep))
			continue
		}
		parent := leaf.plates
		for _, q := range groups {
			if q.dims&rest != 0 {
				parent &= q.plates
			}
		}
		if parent == leaf.plates {
			return nil, c.treeError(leaf, rest)
		}
		for _, ax := range rest.axes() {
			if c.l.ordinal[ax]&^parent != 0 {
				return nil, c.treeError(leaf, rest)
			}
		}
		t = reduceKeep(g, t, c.l.axesOf(leaf.plates&^parent), g.Sum)
		if q, ok := groups[parent]; ok {
			q.t = g.Add(q.t, t)
			q.dims |= rest
			q.sites = append(q.sites, leaf.sites...)
		} else {
			groups[parent] = &group{plates: parent, t: t, dims: rest, sites: leaf.sites}
		}
	}
	if c.target < 0 {
		return total, g.Err()
	}
	tg := groups[targetOrd]
	return c.elim(tg.t, tg.dims&^(1<<c.target)), g.Err()
}

// pickLeaf returns the group with the most plates (the target's excluded),
// ties broken by the lowest axes, or nil when none is left.
func (c *contraction) pickLeaf(groups map[axisSet]*group, targetOrd axisSet) *group {
	keys := make([]axisSet, 0, len(groups))
	for k := range groups {
		if c.target >= 0 && k == targetOrd {
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil
	}
	sort.Slice(keys, func(i, j int) bool {
		if ci, cj := keys[i].count(), keys[j].count(); ci != cj {
			return ci > cj
		}
		return keys[i] < keys[j]
	})
	return groups[keys[0]]
}

func (c *contraction) treeError(leaf *group, rest axisSet) error {
	var vars, plates, sites []string
	for _, s := range leaf.sites {
		sites = append(sites, fmt.Sprintf("%q", s))
	}
	for _, ax := range rest.axes() {
		vars = append(vars, fmt.Sprintf("%q", c.l.owner[ax]))
	}
	for _, id := range leaf.plates.axes() {
		plates = append(plates, fmt.Sprintf("%q", c.l.plateName[id]))
	}
	what := "the plates do not nest into a tree around them"
	if c.target >= 0 {
		what = fmt.Sprintf("they must be decoded before %q, or the plates do not nest into a tree around them", c.l.owner[c.target])
	}
	return fmt.Errorf("%w: sites %s in plates [%s] share enumerated sites %s with factors in other plates, and %s",
		probgraph.ErrEnum, strings.Join(sites, ", "), strings.Join(plates, " "), strings.Join(vars, ", "), what)
}

// enumFactors lays out every sample site of the model trace; those that
// depend on no enumerated site are summed into plain (over every axis but
// keep, the particle plate's axis, when keep ≥ 0).
func enumFactors(g *engine.Graph, l *enumLayout, mtr *probgraph.Trace, keep int) (factors []enumFactor, plain *engine.Node, err error) {
	plain = g.Scalar(0)
	for _, s := range mtr.Sites() {
		if s.Kind != probgraph.SampleSite {
			continue
		}
		f, ok, err := l.factor(s)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			factors = append(factors, f)
		} else {
			plain = g.Add(plain, sumExcept(g, s.LogProb(), l.rank, keep))
		}
	}
	return factors, plain, nil
}
