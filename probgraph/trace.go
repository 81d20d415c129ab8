package probgraph

import (
	"fmt"
	"strings"

	"github.com/ignis-ppl/ignis/engine"
)

// Trace is the record of one run of a model: its sites in execution order.
type Trace struct {
	g      *engine.Graph
	sites  []*Site
	byName map[string]*Site
	plates []*Plate
	seed   *uint64
}

// NewTrace returns an empty trace to record into.
func NewTrace() *Trace { return &Trace{byName: map[string]*Site{}} }

func (t *Trace) reset(m *Ctx) {
	t.g, t.sites, t.byName, t.plates, t.seed = m.g, nil, map[string]*Site{}, nil, m.seed
}

func (t *Trace) add(s *Site) {
	t.sites = append(t.sites, s)
	t.byName[s.Name] = s
}

// TraceModel runs the model once under a trace and returns the trace.
func TraceModel(g *engine.Graph, model Model) (*Trace, error) {
	tr := NewTrace()
	m := &Ctx{g: g, sites: map[string]bool{}}
	Record(tr)(model)(m)
	if err := g.Err(); err != nil {
		return tr, err
	}
	return tr, nil
}

// Graph returns the graph the trace's nodes live on.
func (t *Trace) Graph() *engine.Graph { return t.g }

// Sites returns the recorded sites in execution order.
func (t *Trace) Sites() []*Site { return append([]*Site(nil), t.sites...) }

// Site returns the named site, or nil.
func (t *Trace) Site(name string) *Site { return t.byName[name] }

// Plates returns the plates the run opened.
func (t *Trace) Plates() []*Plate { return append([]*Plate(nil), t.plates...) }

// Seed returns the seed set by a Seed handler in the traced run, if any.
func (t *Trace) Seed() (uint64, bool) {
	if t.seed == nil {
		return 0, false
	}
	return *t.seed, true
}

// LogProbSum is the sum of the scaled log-probabilities of all sample sites
// (observed and latent): the log joint density of the trace.
func (t *Trace) LogProbSum() *engine.Node {
	g := t.g
	total := g.Scalar(0)
	for _, s := range t.sites {
		if s.Kind == SampleSite {
			total = g.Add(total, s.LogProbSum())
		}
	}
	return total
}

// FormatShapes prints each site's batch and event shapes, and with
// logProbs the log-probability shapes, as a table:
//
//	  Trace Shapes:
//	   Param Sites:
//	             a        2
//	  Sample Sites:
//	components dist     | 3
//	          value     | 3
func (t *Trace) FormatShapes(logProbs bool) string {
	type row struct{ name, what, batch, event string }
	var params, samples []row
	for _, s := range t.sites {
		switch s.Kind {
		case ParamSite:
			params = append(params, row{s.Name, "", shapeStr(s.Value.Shape()), ""})
		case SampleSite:
			b, e := s.Dist.BatchShape(), s.Dist.EventShape()
			samples = append(samples, row{s.Name, "dist", shapeStr(b), shapeStr(e)})
			vs := s.Value.Shape()
			cut := len(vs) - len(e)
			if cut < 0 {
				cut = 0
			}
			samples = append(samples, row{"", "value", shapeStr(vs[:cut]), shapeStr(vs[cut:])})
			if logProbs {
				samples = append(samples, row{"", "log_prob", shapeStr(s.LogProb().Shape()), ""})
			}
		}
	}
	nameW, whatW, batchW := len("Sample Sites:"), 0, 0
	for _, r := range append(params, samples...) {
		nameW = max(nameW, len(r.name))
		whatW = max(whatW, len(r.what))
		batchW = max(batchW, len(r.batch))
	}
	var b strings.Builder
	line := func(name, what, batch, event string) {
		fmt.Fprintf(&b, "%*s %*s %*s", nameW, name, whatW, what, batchW, batch)
		if event != "" || what == "dist" || what == "value" {
			fmt.Fprintf(&b, " | %s", event)
		}
		b.WriteString("\n")
	}
	line("Trace Shapes:", "", "", "")
	line("Param Sites:", "", "", "")
	for _, r := range params {
		line(r.name, r.what, r.batch, r.event)
	}
	line("Sample Sites:", "", "", "")
	for _, r := range samples {
		line(r.name, r.what, r.batch, r.event)
	}
	out := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	for i := range out {
		out[i] = strings.TrimRight(out[i], " ")
	}
	return strings.Join(out, "\n") + "\n"
}

func shapeStr(s engine.Shape) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return strings.Join(parts, " ")
}
