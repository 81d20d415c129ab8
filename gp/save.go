package gp

import (
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/ignis-ppl/ignis/engine"
)

// savedFit is the form a Fitted is saved in.
type savedFit struct {
	Format  string        `json:"format"`
	Hypers  []savedHyper  `json:"hypers"`
	Members []savedMember `json:"members"`
	X       []float64     `json:"x"`
	Y       []float64     `json:"y"`
	N       int           `json:"n"`
	D       int           `json:"d"`
	YMean   []float64     `json:"y_mean"`
	YStd    []float64     `json:"y_std"`
	Jitter  JitterPolicy  `json:"jitter"`
}

type savedHyper struct {
	Name  string `json:"name"`
	Size  int    `json:"size"`
	Fixed bool   `json:"fixed"`
}

type savedMember struct {
	Values [][]float64 `json:"values,omitempty"`
	LML    float64     `json:"log_marginal_likelihood"`
	Jitter float64     `json:"jitter"`
	Best   int         `json:"best"`
	Err    string      `json:"error,omitempty"`
}

const saveFormat = "ignis-gp-fit-1"

// Save writes the fit as JSON: the data, the targets' normalization, the
// hyperparameters' names and each member's fitted values, log marginal
// likelihood and jitter (not the per-start runs). The kernel is code, so
// Load takes the PriorFunc again.
func (m *Fitted) Save(w io.Writer) error {
	s := savedFit{Format: saveFormat, X: m.data.X, Y: m.data.Y, N: m.data.N, D: m.data.D,
		YMean: m.ymean, YStd: m.ystd, Jitter: m.jitter}
	for _, h := range m.Hypers {
		s.Hypers = append(s.Hypers, savedHyper{Name: h.Name, Size: h.Size, Fixed: h.Fixed})
	}
	for _, mem := range m.Members {
		sm := savedMember{Values: mem.Values, LML: mem.LogMarginalLikelihood, Jitter: mem.Jitter, Best: mem.Best}
		if mem.Err != nil {
			sm.Err, sm.LML = mem.Err.Error(), 0
		}
		s.Members = append(s.Members, sm)
	}
	if err := json.NewEncoder(w).Encode(s); err != nil {
		return fmt.Errorf("gp: save: %w", err)
	}
	return nil
}

// Load reads a fit written by Save. build must declare the hyperparameters
// the fit was made with (names and sizes); predictions run on dev
// (engine.DefaultDevice() when nil).
func Load(r io.Reader, build PriorFunc, dev engine.Device) (*Fitted, error) {
	var s savedFit
	if err := json.NewDecoder(r).Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: load: %w", ErrData, err)
	}
	if s.Format != saveFormat {
		return nil, fmt.Errorf("%w: load: format %q, want %q", ErrData, s.Format, saveFormat)
	}
	if build == nil {
		return nil, fmt.Errorf("%w: load: no prior", ErrOptions)
	}
	data := Data{X: s.X, Y: s.Y, N: s.N, D: s.D}
	b, err := data.members()
	if err != nil {
		return nil, fmt.Errorf("gp: load: %w", err)
	}
	if len(s.Members) != b || len(s.YMean) != b || len(s.YStd) != b {
		return nil, fmt.Errorf("%w: load: %d members, %d means and %d scales for %d members of data", ErrData, len(s.Members), len(s.YMean), len(s.YStd), b)
	}
	f := &fitter{data: data, b: b, build: build}
	decl, err := f.declare()
	if err != nil {
		return nil, fmt.Errorf("gp: load: %w", err)
	}
	if len(decl) != len(s.Hypers) {
		return nil, fmt.Errorf("%w: load: the prior declares %d hyperparameters, the fit has %d", ErrOptions, len(decl), len(s.Hypers))
	}
	for i, h := range s.Hypers {
		if decl[i].Name != h.Name || decl[i].Size != h.Size {
			return nil, fmt.Errorf("%w: load: hyperparameter %d is %q (size %d) in the fit, %q (size %d) in the prior",
				ErrOptions, i, h.Name, h.Size, decl[i].Name, decl[i].Size)
		}
	}
	if dev == nil {
		dev = engine.DefaultDevice()
	}
	out := &Fitted{Hypers: decl, Members: make([]Member, b), data: data, ymean: s.YMean, ystd: s.YStd,
		build: build, device: dev, jitter: s.Jitter.WithDefaults()}
	out.y = make([]float64, len(s.Y))
	for i, v := range s.Y {
		m := i / s.N
		if !(s.YStd[m] > 0) {
			return nil, fmt.Errorf("%w: load: target scale %v of member %d", ErrData, s.YStd[m], m)
		}
		out.y[i] = (v - s.YMean[m]) / s.YStd[m]
	}
	for m, sm := range s.Members {
		mem := Member{Values: sm.Values, LogMarginalLikelihood: sm.LML, Jitter: sm.Jitter, Best: sm.Best}
		if sm.Err != "" {
			mem.Err, mem.LogMarginalLikelihood = fmt.Errorf("gp: member %d failed when fitted: %s", m, sm.Err), math.NaN()
		} else if len(sm.Values) != len(decl) {
			return nil, fmt.Errorf("%w: load: member %d has %d hyperparameters, want %d", ErrData, m, len(sm.Values), len(decl))
		} else {
			for i, v := range sm.Values {
				if len(v) != decl[i].size() {
					return nil, fmt.Errorf("%w: load: member %d: %s has %d values, want %d", ErrData, m, decl[i].Name, len(v), decl[i].size())
				}
			}
		}
		out.Members[m] = mem
	}
	return out, nil
}
