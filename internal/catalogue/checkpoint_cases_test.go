package catalogue_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ignis-ppl/ignis/engine"
	"github.com/ignis-ppl/ignis/probgraph"
	"github.com/ignis-ppl/ignis/probgraph/dist"
	"github.com/ignis-ppl/ignis/probgraph/infer"
)

// The checkpoint cases train z ~ N(0, 1), x | z ~ N(z, 0.7²) with x = 1.3
// observed, under the guide N(m, s²).
func ckptModel(m *probgraph.Ctx) {
	g := m.Graph()
	z := m.Sample("z", dist.Normal(g.Scalar(0), g.Scalar(1)))
	m.Observe("x", dist.Normal(z, g.Scalar(0.7)), g.Scalar(1.3))
}

func ckptGuide(m *probgraph.Ctx) {
	loc := m.Param("m", probgraph.Scalar(0.2))
	scale := m.Param("s", probgraph.Scalar(0.9), probgraph.Constrained(dist.Positive()))
	m.Sample("z", dist.Normal(loc, scale))
}

// ckptGuideVector has a vector location: another parameter shape.
func ckptGuideVector(m *probgraph.Ctx) {
	loc := m.Param("m", probgraph.Zeros(1))
	scale := m.Param("s", probgraph.Scalar(0.9), probgraph.Constrained(dist.Positive()))
	m.Sample("z", dist.Normal(m.Graph().Reshape(loc), scale))
}

// ckptGuideRenamed names its location "loc".
func ckptGuideRenamed(m *probgraph.Ctx) {
	loc := m.Param("loc", probgraph.Scalar(0.2))
	scale := m.Param("s", probgraph.Scalar(0.9), probgraph.Constrained(dist.Positive()))
	m.Sample("z", dist.Normal(loc, scale))
}

func newCkptSVI(guide probgraph.Model, seed uint64) (*infer.SVI, error) {
	opt, err := engine.NewAdam(engine.AdamOptions{LR: 0.05})
	if err != nil {
		return nil, err
	}
	return infer.NewSVI(ckptModel, guide, opt, infer.TraceELBO{NumParticles: 2}, infer.WithSeed(seed))
}

// trainedCheckpoint trains for a few steps and returns the SVI and its
// checkpoint.
func trainedCheckpoint(ctx context.Context) (*infer.SVI, []byte, error) {
	s, err := newCkptSVI(ckptGuide, 7)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.Run(ctx, 5, nil); err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	if err := s.Save(&buf); err != nil {
		return nil, nil, err
	}
	return s, buf.Bytes(), nil
}

// loadInto loads file into a fresh SVI of the given guide; on an error it
// also checks that the failed load changed nothing.
func loadInto(guide probgraph.Model, file []byte) error {
	s, err := newCkptSVI(guide, 1)
	if err != nil {
		return err
	}
	before := s.Params()
	err = s.Load(bytes.NewReader(file))
	if err != nil {
		for name, v := range before {
			if !slices.Equal(s.Params()[name].Data, v.Data) {
				return wrong("a failed load (%v) changed parameter %s", err, name)
			}
		}
	}
	return err
}

// resign returns the checkpoint with its payload changed by edit and a
// checksum that matches, so that the checks past the checksum are reached.
func resign(file []byte, edit func(payload map[string]any)) ([]byte, error) {
	var f map[string]json.RawMessage
	if err := json.Unmarshal(file, &f); err != nil {
		return nil, err
	}
	var p map[string]any
	if err := json.Unmarshal(f["payload"], &p); err != nil {
		return nil, err
	}
	edit(p)
	payload, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(payload)
	f["payload"] = payload
	f["sha256"], _ = json.Marshal(hex.EncodeToString(sum[:]))
	return json.Marshal(f)
}

// failingWriter accepts n bytes and then fails.
type failingWriter struct{ n int }

var errDeviceFull = errors.New("device full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errDeviceFull
	}
	w.n -= len(p)
	return len(p), nil
}

type failingReader struct{}

var errReadFailed = errors.New("read failed")

func (failingReader) Read([]byte) (int, error) { return 0, errReadFailed }

// checkpointCases are the catalogue's misuses of checkpoint.
func checkpointCases() []badInput {
	withFile := func(f func(ctx context.Context, s *infer.SVI, file []byte) error) func(context.Context) error {
		return func(ctx context.Context) error {
			s, file, err := trainedCheckpoint(ctx)
			if err != nil {
				return fmt.Errorf("setup: %w", err)
			}
			return f(ctx, s, file)
		}
	}
	return []badInput{
		{name: "truncated checkpoint", want: infer.ErrCheckpoint, mention: []string{"bad checkpoint"},
			run: withFile(func(_ context.Context, _ *infer.SVI, file []byte) error {
				return loadInto(ckptGuide, file[:len(file)/2])
			})},
		{name: "empty checkpoint", want: infer.ErrCheckpoint,
			run: withFile(func(context.Context, *infer.SVI, []byte) error { return loadInto(ckptGuide, nil) })},
		{name: "one bit flipped in a parameter value", want: infer.ErrCheckpoint, mention: []string{"checksum mismatch"},
			run: withFile(func(_ context.Context, _ *infer.SVI, file []byte) error {
				i := bytes.Index(file, []byte(`"unconstrained":[`))
				if i < 0 {
					return wrong("no parameter values in the checkpoint")
				}
				bad := slices.Clone(file)
				bad[i+len(`"unconstrained":[`)+3] ^= 1
				return loadInto(ckptGuide, bad)
			})},
		{name: "every single-bit flip is caught or harmless", want: nil,
			run: withFile(func(_ context.Context, orig *infer.SVI, file []byte) error {
				s, err := newCkptSVI(ckptGuide, 1)
				if err != nil {
					return err
				}
				want := orig.Params()
				for i := range file {
					for bit := range 8 {
						bad := slices.Clone(file)
						bad[i] ^= 1 << bit
						err := s.Load(bytes.NewReader(bad))
						if err != nil {
							if !errors.Is(err, infer.ErrCheckpoint) {
								return wrong("flip of bit %d of byte %d: error %v is not ErrCheckpoint", bit, i, err)
							}
							continue
						}
						// A flip JSON does not see (the case of a key
						// letter, whitespace) must load the same state.
						for name, v := range want {
							if !slices.Equal(s.Params()[name].Data, v.Data) {
								return wrong("flip of bit %d of byte %d loaded %s = %v, saved %v", bit, i, name, s.Params()[name].Data, v.Data)
							}
						}
					}
				}
				return nil
			})},
		{name: "checkpoint of version 2", want: infer.ErrCheckpoint, mention: []string{"version 2"},
			run: withFile(func(_ context.Context, _ *infer.SVI, file []byte) error {
				return loadInto(ckptGuide, bytes.Replace(file, []byte(`"version":1`), []byte(`"version":2`), 1))
			})},
		{name: "file of another format", want: infer.ErrCheckpoint, mention: []string{`"pickle"`},
			run: withFile(func(_ context.Context, _ *infer.SVI, file []byte) error {
				return loadInto(ckptGuide, bytes.Replace(file, []byte(`"ignis-svi-checkpoint"`), []byte(`"pickle"`), 1))
			})},
		{name: "parameter of another shape", want: infer.ErrCheckpoint, mention: []string{"parameter 0", `"m"`, "[1]"},
			run: withFile(func(_ context.Context, _ *infer.SVI, file []byte) error { return loadInto(ckptGuideVector, file) })},
		{name: "parameter of another name", want: infer.ErrCheckpoint, mention: []string{"parameter 0", `"m"`, `"loc"`},
			run: withFile(func(_ context.Context, _ *infer.SVI, file []byte) error { return loadInto(ckptGuideRenamed, file) })},
		{name: "negative step count under a valid checksum", want: infer.ErrCheckpoint, mention: []string{"step count -3"},
			run: withFile(func(_ context.Context, _ *infer.SVI, file []byte) error {
				bad, err := resign(file, func(p map[string]any) { p["steps"] = -3 })
				if err != nil {
					return fmt.Errorf("setup: %w", err)
				}
				return loadInto(ckptGuide, bad)
			})},
		{name: "a parameter missing under a valid checksum", want: infer.ErrCheckpoint, mention: []string{"1 parameters", "has 2"},
			run: withFile(func(_ context.Context, _ *infer.SVI, file []byte) error {
				bad, err := resign(file, func(p map[string]any) { p["params"] = p["params"].([]any)[:1] })
				if err != nil {
					return fmt.Errorf("setup: %w", err)
				}
				return loadInto(ckptGuide, bad)
			})},
		{name: "corrupt generator state under a valid checksum", want: infer.ErrCheckpoint, mention: []string{"noise generator"},
			run: withFile(func(_ context.Context, _ *infer.SVI, file []byte) error {
				bad, err := resign(file, func(p map[string]any) { p["noise_rng"] = "AAAA" })
				if err != nil {
					return fmt.Errorf("setup: %w", err)
				}
				return loadInto(ckptGuide, bad)
			})},
		{name: "reader that fails keeps its error", want: errReadFailed, mention: []string{"load"},
			run: func(context.Context) error {
				s, err := newCkptSVI(ckptGuide, 1)
				if err != nil {
					return err
				}
				return s.Load(failingReader{})
			}},
		{name: "writer that fails halfway keeps its error", want: errDeviceFull, mention: []string{"save"},
			run: func(ctx context.Context) error {
				s, file, err := trainedCheckpoint(ctx)
				if err != nil {
					return err
				}
				return s.Save(&failingWriter{n: len(file) / 2})
			}},
		{name: "LoadFile of a missing file", want: os.ErrNotExist, mention: []string{"missing.ckpt"},
			run: func(context.Context) error {
				s, err := newCkptSVI(ckptGuide, 1)
				if err != nil {
					return err
				}
				dir, err := os.MkdirTemp("", "ignis-catalogue-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				return s.LoadFile(filepath.Join(dir, "missing.ckpt"))
			}},
		{name: "SaveFile into a missing directory leaves nothing", want: os.ErrNotExist, mention: []string{"save", "svi.ckpt"},
			run: withFile(func(_ context.Context, s *infer.SVI, _ []byte) error {
				dir, err := os.MkdirTemp("", "ignis-catalogue-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				err = s.SaveFile(filepath.Join(dir, "gone", "svi.ckpt"))
				if entries, _ := os.ReadDir(dir); len(entries) != 0 {
					return wrong("a failed save left %d entries behind", len(entries))
				}
				return err
			})},
		{name: "failed SaveFile leaves the previous checkpoint loadable", want: nil,
			run: withFile(func(ctx context.Context, s *infer.SVI, _ []byte) error {
				dir, err := os.MkdirTemp("", "ignis-catalogue-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				path := filepath.Join(dir, "svi.ckpt")
				if err := s.SaveFile(path); err != nil {
					return err
				}
				saved := s.Params()
				if _, err := s.Run(ctx, 3, nil); err != nil {
					return err
				}
				// The rename onto a non-empty directory fails after the
				// whole new checkpoint was written.
				taken := filepath.Join(dir, "taken")
				if err := os.MkdirAll(filepath.Join(taken, "x"), 0o755); err != nil {
					return err
				}
				if err := s.SaveFile(taken); err == nil {
					return wrong("saving over a non-empty directory succeeded")
				}
				entries, err := os.ReadDir(dir)
				if err != nil {
					return err
				}
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				if !slices.Equal(names, []string{"svi.ckpt", "taken"}) {
					return wrong("directory holds %v after a failed save", names)
				}
				fresh, err := newCkptSVI(ckptGuide, 2)
				if err != nil {
					return err
				}
				if err := fresh.LoadFile(path); err != nil {
					return err
				}
				for name, v := range saved {
					if !slices.Equal(fresh.Params()[name].Data, v.Data) {
						return wrong("previous checkpoint loads %s = %v, saved %v", name, fresh.Params()[name].Data, v.Data)
					}
				}
				return nil
			})},
		{name: "SaveFile over a checkpoint replaces it whole", want: nil,
			run: withFile(func(ctx context.Context, s *infer.SVI, _ []byte) error {
				dir, err := os.MkdirTemp("", "ignis-catalogue-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				path := filepath.Join(dir, "svi.ckpt")
				if err := s.SaveFile(path); err != nil {
					return err
				}
				if _, err := s.Run(ctx, 2, nil); err != nil {
					return err
				}
				if err := s.SaveFile(path); err != nil {
					return err
				}
				fresh, err := newCkptSVI(ckptGuide, 2)
				if err != nil {
					return err
				}
				if err := fresh.LoadFile(path); err != nil {
					return err
				}
				if fresh.Steps() != s.Steps() {
					return wrong("loaded %d steps, saved %d", fresh.Steps(), s.Steps())
				}
				// Training on from the loaded state matches the original.
				a, err := s.Step()
				if err != nil {
					return err
				}
				b, err := fresh.Step()
				if err != nil {
					return err
				}
				if a != b {
					return wrong("the step after loading gives loss %v, the original %v", b, a)
				}
				return nil
			})},
		{name: "re-indented checkpoint still loads", want: nil,
			run: withFile(func(_ context.Context, s *infer.SVI, file []byte) error {
				var out bytes.Buffer
				if err := json.Indent(&out, file, "", "  "); err != nil {
					return err
				}
				fresh, err := newCkptSVI(ckptGuide, 2)
				if err != nil {
					return err
				}
				if err := fresh.Load(strings.NewReader(out.String())); err != nil {
					return err
				}
				if got, want := fresh.Param("m"), s.Param("m"); !slices.Equal(got, want) {
					return wrong("m = %v, saved %v", got, want)
				}
				return nil
			})},
		{name: "checkpoint checksum field removed", want: infer.ErrCheckpoint, mention: []string{"checksum"},
			run: withFile(func(_ context.Context, _ *infer.SVI, file []byte) error {
				var f map[string]json.RawMessage
				if err := json.Unmarshal(file, &f); err != nil {
					return err
				}
				delete(f, "sha256")
				bad, _ := json.Marshal(f)
				return loadInto(ckptGuide, bad)
			})},
		{name: "payload that is not an object", want: infer.ErrCheckpoint,
			run: withFile(func(_ context.Context, _ *infer.SVI, file []byte) error {
				payload := []byte(`[1,2,3]`)
				sum := sha256.Sum256(payload)
				bad, _ := json.Marshal(map[string]any{"format": "ignis-svi-checkpoint", "version": 1,
					"payload": json.RawMessage(payload), "sha256": hex.EncodeToString(sum[:])})
				return loadInto(ckptGuide, bad)
			})},
	}
}

var _ io.Writer = (*failingWriter)(nil)
