package infer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"syscall"

	"github.com/ignis-ppl/ignis/engine"
)

// ErrCheckpoint reports a checkpoint that cannot be loaded: corrupted (its
// checksum does not match), of another format or version, or written for a
// different model and guide.
var ErrCheckpoint = errors.New("infer: bad checkpoint")

const (
	checkpointFormat  = "ignis-svi-checkpoint"
	checkpointVersion = 1
)

type checkpointFile struct {
	Format  string          `json:"format"`
	Version int             `json:"version"`
	Payload json.RawMessage `json:"payload"`
	SHA256  string          `json:"sha256"`
}

type checkpointParam struct {
	Name          string    `json:"name"`
	Constraint    string    `json:"constraint"`
	Shape         []int     `json:"shape"`
	Unconstrained []float64 `json:"unconstrained"`
}

type checkpointPayload struct {
	Params       []checkpointParam      `json:"params"`
	Optimizer    *engine.OptimizerState `json:"optimizer,omitempty"`
	NoiseRNG     []byte                 `json:"noise_rng"`
	SubsampleRNG []byte                 `json:"subsample_rng"`
	Baseline     float64                `json:"baseline"`
	SiteBaseline [][]float64            `json:"site_baselines,omitempty"`
	Steps        int                    `json:"steps"`
}

// Save writes everything needed to continue training exactly where it
// stands: parameters (unconstrained), optimizer state, the states of the
// noise and subsampling generators, the baseline and the step count. The
// file carries a SHA-256 checksum of its contents.
func (s *SVI) Save(w io.Writer) error {
	p := checkpointPayload{Baseline: s.baseline, Steps: s.steps}
	for _, b := range s.siteBase {
		p.SiteBaseline = append(p.SiteBaseline, slices.Clone(b))
	}
	for _, e := range s.ps.Entries() {
		p.Params = append(p.Params, checkpointParam{
			Name: e.Name, Constraint: e.Constraint.String(), Shape: e.Unconstrained.Shape(),
			Unconstrained: slices.Clone(s.prog.Value(e.Unconstrained)),
		})
	}
	if so, ok := s.opt.(engine.StatefulOptimizer); ok {
		st := so.State()
		p.Optimizer = &st
	}
	var err error
	if p.NoiseRNG, err = s.prog.RNGState(); err != nil {
		return fmt.Errorf("infer: save: noise generator: %w", err)
	}
	if p.SubsampleRNG, err = s.subRNG.MarshalBinary(); err != nil {
		return fmt.Errorf("infer: save: subsample generator: %w", err)
	}
	payload, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("infer: save: %w", err)
	}
	sum := sha256.Sum256(payload)
	f := checkpointFile{Format: checkpointFormat, Version: checkpointVersion, Payload: payload, SHA256: hex.EncodeToString(sum[:])}
	b, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("infer: save: %w", err)
	}
	if _, err = w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("infer: save: %w", err)
	}
	return nil
}

// Load restores a checkpoint written by Save for the same model and guide.
// Nothing is changed unless the whole checkpoint is valid.
func (s *SVI) Load(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("infer: load: %w", err)
	}
	var f checkpointFile
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("%w: %w", ErrCheckpoint, err)
	}
	if f.Format != checkpointFormat || f.Version != checkpointVersion {
		return fmt.Errorf("%w: format %q version %d, want %q version %d", ErrCheckpoint, f.Format, f.Version, checkpointFormat, checkpointVersion)
	}
	// Checksum the payload bytes exactly as written (compacted, since the
	// file may have been re-indented).
	var compact bytes.Buffer
	if err := json.Compact(&compact, f.Payload); err != nil {
		return fmt.Errorf("%w: %w", ErrCheckpoint, err)
	}
	sum := sha256.Sum256(compact.Bytes())
	if hex.EncodeToString(sum[:]) != f.SHA256 {
		return fmt.Errorf("%w: checksum mismatch (the file is corrupted)", ErrCheckpoint)
	}
	var p checkpointPayload
	if err := json.Unmarshal(f.Payload, &p); err != nil {
		return fmt.Errorf("%w: %w", ErrCheckpoint, err)
	}
	if p.Steps < 0 {
		return fmt.Errorf("%w: step count %d is negative", ErrCheckpoint, p.Steps)
	}
	entries := s.ps.Entries()
	if len(p.Params) != len(entries) {
		return fmt.Errorf("%w: %d parameters, this SVI has %d", ErrCheckpoint, len(p.Params), len(entries))
	}
	for i, e := range entries {
		cp := p.Params[i]
		if cp.Name != e.Name || cp.Constraint != e.Constraint.String() || !e.Unconstrained.Shape().Equal(cp.Shape) ||
			len(cp.Unconstrained) != e.Unconstrained.Shape().Size() {
			return fmt.Errorf("%w: parameter %d is %q %v %s, this SVI has %q %v %s", ErrCheckpoint, i,
				cp.Name, cp.Shape, cp.Constraint, e.Name, e.Unconstrained.Shape(), e.Constraint)
		}
	}
	if len(p.SiteBaseline) != len(s.siteBase) {
		return fmt.Errorf("%w: %d site baselines, this SVI has %d", ErrCheckpoint, len(p.SiteBaseline), len(s.siteBase))
	}
	for i, b := range p.SiteBaseline {
		if len(b) != len(s.siteBase[i]) {
			return fmt.Errorf("%w: site baseline %d has %d values, this SVI has %d", ErrCheckpoint, i, len(b), len(s.siteBase[i]))
		}
	}
	so, stateful := s.opt.(engine.StatefulOptimizer)
	if (p.Optimizer != nil) != stateful {
		return fmt.Errorf("%w: optimizer state present %t, optimizer keeps state %t", ErrCheckpoint, p.Optimizer != nil, stateful)
	}
	// Validate the generator states on scratch generators before changing
	// anything; the optimizer's SetState changes nothing when it fails.
	var scratch rand.PCG
	if err := scratch.UnmarshalBinary(p.NoiseRNG); err != nil {
		return fmt.Errorf("%w: noise generator: %w", ErrCheckpoint, err)
	}
	if err := scratch.UnmarshalBinary(p.SubsampleRNG); err != nil {
		return fmt.Errorf("%w: subsample generator: %w", ErrCheckpoint, err)
	}
	if stateful {
		if err := so.SetState(*p.Optimizer); err != nil {
			return fmt.Errorf("%w: %w", ErrCheckpoint, err)
		}
	}
	if err := s.prog.SetRNGState(p.NoiseRNG); err != nil {
		return fmt.Errorf("%w: %w", ErrCheckpoint, err)
	}
	if err := s.subRNG.UnmarshalBinary(p.SubsampleRNG); err != nil {
		return fmt.Errorf("%w: subsample generator: %w", ErrCheckpoint, err)
	}
	for i, e := range entries {
		copy(s.prog.Value(e.Unconstrained), p.Params[i].Unconstrained)
	}
	for i, b := range p.SiteBaseline {
		copy(s.siteBase[i], b)
	}
	s.baseline, s.steps = p.Baseline, p.Steps
	return nil
}

// SaveFile writes a checkpoint (see Save) to the file at path, atomically:
// the checkpoint goes to a temporary file in the same directory, which is
// synced to disk and then renamed over path, and the directory is synced.
// A crash or an error at any point leaves either the previous file or the
// new one at path, never a part of one; on an error the temporary file is
// removed.
func (s *SVI) SaveFile(path string) error { return writeFileAtomic(path, s.Save) }

// LoadFile restores a checkpoint from the file at path (see Load).
func (s *SVI) LoadFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("infer: load: %w", err)
	}
	defer f.Close()
	return s.Load(f)
}

// writeFileAtomic replaces the file at path by what write writes, through a
// synced temporary file renamed over it.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("infer: save %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close() // may already be closed; the first error is the one to report
			_ = os.Remove(tmp.Name())
		}
	}()
	// The new file keeps the mode of the one it replaces (CreateTemp
	// makes it private).
	mode := os.FileMode(0o644)
	if fi, serr := os.Stat(path); serr == nil && fi.Mode().IsRegular() {
		mode = fi.Mode().Perm()
	}
	if err = tmp.Chmod(mode); err != nil {
		return fmt.Errorf("infer: save %s: %w", path, err)
	}
	if err = write(tmp); err != nil {
		return fmt.Errorf("infer: save %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("infer: save %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("infer: save %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("infer: save %s: %w", path, err)
	}
	// The rename is durable once the directory entry is: sync the
	// directory. Some systems cannot open a directory for syncing; the
	// file itself is complete either way.
	if d, derr := os.Open(dir); derr == nil {
		serr := d.Sync()
		cerr := d.Close()
		if serr != nil && !errors.Is(serr, syscall.EINVAL) && !errors.Is(serr, errors.ErrUnsupported) {
			return fmt.Errorf("infer: save %s: sync directory: %w", path, serr)
		}
		if cerr != nil {
			return fmt.Errorf("infer: save %s: %w", path, cerr)
		}
	}
	return nil
}
