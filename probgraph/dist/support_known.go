package dist

import (
	"runtime"
	"sync"
	"weak"

	"github.com/ignis-ppl/ignis/engine"
)

// Values known to lie in a set. LogProb masks values outside the family's
// support to −∞ (support_mask.go); for a value that is already known to lie
// in it — a draw of a distribution with that support, the constrained image
// of a free value, data checked when the model was traced — the mask is a
// pass over the value that can never change the result, so LogProb leaves
// it out. The marks are kept per graph, for the graph's life.

// supportMarks holds one graph's marks.
type supportMarks struct {
	mu sync.Mutex
	m  map[*engine.Node]Constraint
}

// marks maps a graph (weakly: marks do not keep a graph alive) to its marks.
var marks sync.Map // weak.Pointer[engine.Graph] → *supportMarks

// MarkSupport records that every value x takes lies in c, so that LogProb
// of a distribution whose support contains c leaves out its support mask
// for x. Samplers and inference call it for the values they produce (draws,
// constrained images of free values, checked data); marking a value that
// can leave c makes LogProb give wrong finite values there instead of −∞.
func MarkSupport(x *engine.Node, c Constraint) {
	if x == nil || c == nil || !x.Valid() {
		return
	}
	g := x.Graph()
	key := weak.Make(g)
	v, loaded := marks.LoadOrStore(key, &supportMarks{m: map[*engine.Node]Constraint{}})
	if !loaded {
		runtime.AddCleanup(g, func(k weak.Pointer[engine.Graph]) { marks.Delete(k) }, key)
	}
	sm := v.(*supportMarks)
	sm.mu.Lock()
	sm.m[x] = c
	sm.mu.Unlock()
}

// knownIn reports whether x was marked with a set within c.
func knownIn(x *engine.Node, c Constraint) bool {
	if x == nil || c == nil || x.Graph() == nil {
		return false
	}
	v, ok := marks.Load(weak.Make(x.Graph()))
	if !ok {
		return false
	}
	sm := v.(*supportMarks)
	sm.mu.Lock()
	mark, ok := sm.m[x]
	sm.mu.Unlock()
	return ok && Within(mark, c)
}
