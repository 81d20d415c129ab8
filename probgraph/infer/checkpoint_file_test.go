package infer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestSaveFileLoadFileRoundTrip(t *testing.T) {
	a := newConjSVI(t, 7)
	if _, err := a.Run(t.Context(), 5, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "svi.ckpt")
	if err := a.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	b := newConjSVI(t, 99)
	if err := b.LoadFile(path); err != nil {
		t.Fatal(err)
	}
	if b.Steps() != a.Steps() || !slices.Equal(a.Param("m"), b.Param("m")) {
		t.Errorf("loaded %d steps, m = %v; saved %d steps, m = %v", b.Steps(), b.Param("m"), a.Steps(), a.Param("m"))
	}
	if err := b.LoadFile(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadFile of a missing file: %v", err)
	}
}

// A save that fails at any point leaves the previous checkpoint in place,
// loadable, and no temporary file behind.
func TestSaveFileFailureKeepsPreviousCheckpoint(t *testing.T) {
	a := newConjSVI(t, 7)
	if _, err := a.Run(t.Context(), 3, nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "svi.ckpt")
	if err := a.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	saved := a.Param("m")
	if _, err := a.Run(t.Context(), 3, nil); err != nil {
		t.Fatal(err)
	}

	// The writer fails halfway through the new checkpoint.
	errDiskFull := errors.New("disk full")
	err = writeFileAtomic(path, func(w io.Writer) error {
		var buf bytes.Buffer
		if err := a.Save(&buf); err != nil {
			return err
		}
		if _, err := w.Write(buf.Bytes()[:buf.Len()/2]); err != nil {
			return err
		}
		return errDiskFull
	})
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("failed write: error %v, want the writer's", err)
	}
	// The target is a directory: the rename fails after a complete write.
	asDir := filepath.Join(dir, "taken")
	if err := os.Mkdir(asDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(asDir, "keep"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := a.SaveFile(asDir); err == nil {
		t.Fatal("saving over a non-empty directory succeeded")
	}
	// The directory does not exist: nothing can be created.
	if err := a.SaveFile(filepath.Join(dir, "no", "such", "dir", "svi.ckpt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("save into a missing directory: %v", err)
	}

	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Fatal("a failed save changed the previous checkpoint")
	}
	b := newConjSVI(t, 1)
	if err := b.LoadFile(path); err != nil {
		t.Fatalf("the previous checkpoint no longer loads: %v", err)
	}
	if got := b.Param("m"); !slices.Equal(got, saved) {
		t.Errorf("loaded m = %v, the previous checkpoint holds %v", got, saved)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"svi.ckpt", "taken"}) {
		t.Errorf("directory holds %v after the failed saves, want [svi.ckpt taken]", names)
	}
}

// FuzzLoadCheckpoint feeds Load arbitrary bytes, and the same bytes as a
// payload under a valid checksum (so that the checks past the checksum are
// reached). Load must return nil or an ErrCheckpoint, never panic, and change
// nothing when it fails; what it accepts must save and load again.
func FuzzLoadCheckpoint(f *testing.F) {
	s := newConjSVI(f, 7)
	for steps := range 3 {
		if steps > 0 {
			if _, err := s.Step(); err != nil {
				f.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := s.Save(&buf); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
		var file checkpointFile
		if err := json.Unmarshal(buf.Bytes(), &file); err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(file.Payload))
	}
	f.Add([]byte(`{"format":"ignis-svi-checkpoint","version":1,"payload":{},"sha256":""}`))
	f.Add([]byte(`{"params":[{"name":"m","shape":[-1],"unconstrained":[]}],"steps":-1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(what string, file []byte) {
			m, steps := s.Param("m"), s.Steps()
			err := s.Load(bytes.NewReader(file))
			if err != nil {
				if !errors.Is(err, ErrCheckpoint) {
					t.Fatalf("%s: error %v does not wrap ErrCheckpoint", what, err)
				}
				if !slices.Equal(s.Param("m"), m) || s.Steps() != steps {
					t.Fatalf("%s: a failed load changed the state", what)
				}
				return
			}
			var buf bytes.Buffer
			if err := s.Save(&buf); err != nil {
				t.Fatalf("%s: save after an accepted load: %v", what, err)
			}
			if err := s.Load(&buf); err != nil {
				t.Fatalf("%s: an accepted checkpoint does not survive save and load: %v", what, err)
			}
		}
		check("file", data)
		var compact bytes.Buffer
		if json.Compact(&compact, data) != nil {
			return
		}
		sum := sha256.Sum256(compact.Bytes())
		signed, err := json.Marshal(checkpointFile{Format: checkpointFormat, Version: checkpointVersion,
			Payload: compact.Bytes(), SHA256: hex.EncodeToString(sum[:])})
		if err != nil {
			return // not a JSON value json.Marshal accepts as raw
		}
		check("signed payload", signed)
	})
}

// Load's errors wrap both ErrCheckpoint and what went wrong underneath, so
// that errors.Is and errors.As reach either.
func TestLoadErrorsKeepTheirCause(t *testing.T) {
	s := newConjSVI(t, 7)
	err := s.Load(bytes.NewReader([]byte("{not json")))
	var syntax *json.SyntaxError
	if !errors.Is(err, ErrCheckpoint) || !errors.As(err, &syntax) {
		t.Errorf("malformed file: error %v, want ErrCheckpoint wrapping a *json.SyntaxError", err)
	}
	errBroken := errors.New("broken pipe")
	if err := s.Load(io.MultiReader(bytes.NewReader([]byte("{")), errReader{errBroken})); !errors.Is(err, errBroken) {
		t.Errorf("failing reader: error %v, want the reader's", err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
