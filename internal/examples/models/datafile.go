package models

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
)

// DataFormat names the layout WriteDatasets writes: a manifest.json that
// lists the data sets and, per array, a file of raw little-endian float64
// values in row-major order (NumPy: np.fromfile(path, "<f8").reshape(shape)).
const DataFormat = "ignis-data/1"

// ErrDataFile reports a data directory that ReadDatasets cannot use.
var ErrDataFile = errors.New("models: bad data file")

// Dataset is a named data set as it is written to disk for other
// implementations to read: the model it is for, the seed it was drawn
// with, its sizes and its arrays.
type Dataset struct {
	Name  string `json:"name"`
	Model string `json:"model"`
	Seed  uint64 `json:"seed"`
	// N rows of D covariates; Groups is the number of groups of a grouped
	// data set (0 otherwise).
	N      int     `json:"n"`
	D      int     `json:"d"`
	Groups int     `json:"groups,omitempty"`
	Arrays []Array `json:"arrays"`
}

// Array is one array of a data set. File is the name of its data file in
// the directory, set by WriteDatasets.
type Array struct {
	Name  string    `json:"name"`
	Shape []int     `json:"shape"`
	File  string    `json:"file"`
	Data  []float64 `json:"-"`
}

// Array returns the data of the named array.
func (d Dataset) Array(name string) ([]float64, error) {
	for _, a := range d.Arrays {
		if a.Name == name {
			return a.Data, nil
		}
	}
	return nil, fmt.Errorf("%w: data set %q has no array %q", ErrDataFile, d.Name, name)
}

type manifest struct {
	Format   string    `json:"format"`
	Datasets []Dataset `json:"datasets"`
}

// WriteDatasets writes the data sets to dir (created if missing): one file
// NAME.ARRAY.f64 per array and manifest.json listing them.
func WriteDatasets(dir string, sets []Dataset) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	m := manifest{Format: DataFormat}
	for _, s := range sets {
		s.Arrays = slices.Clone(s.Arrays)
		for i, a := range s.Arrays {
			if n := size(a.Shape); n != len(a.Data) {
				return fmt.Errorf("%w: %s.%s has shape %v but %d values", ErrDataFile, s.Name, a.Name, a.Shape, len(a.Data))
			}
			a.File = s.Name + "." + a.Name + ".f64"
			buf := make([]byte, 8*len(a.Data))
			for k, v := range a.Data {
				binary.LittleEndian.PutUint64(buf[8*k:], math.Float64bits(v))
			}
			if err := os.WriteFile(filepath.Join(dir, a.File), buf, 0o644); err != nil {
				return err
			}
			s.Arrays[i] = a
		}
		m.Datasets = append(m.Datasets, s)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "manifest.json"), append(b, '\n'), 0o644)
}

// ReadDatasets reads the data sets that WriteDatasets wrote to dir.
func ReadDatasets(dir string) ([]Dataset, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: manifest: %w", ErrDataFile, err)
	}
	if m.Format != DataFormat {
		return nil, fmt.Errorf("%w: format %q, want %q", ErrDataFile, m.Format, DataFormat)
	}
	for _, s := range m.Datasets {
		for i, a := range s.Arrays {
			if filepath.Base(a.File) != a.File {
				return nil, fmt.Errorf("%w: %s.%s: file %q is not in the directory", ErrDataFile, s.Name, a.Name, a.File)
			}
			raw, err := os.ReadFile(filepath.Join(dir, a.File))
			if err != nil {
				return nil, err
			}
			if n := size(a.Shape); len(raw) != 8*n {
				return nil, fmt.Errorf("%w: %s holds %d bytes, shape %v needs %d", ErrDataFile, a.File, len(raw), a.Shape, 8*n)
			}
			a.Data = make([]float64, len(raw)/8)
			for k := range a.Data {
				a.Data[k] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*k:]))
			}
			s.Arrays[i] = a
		}
	}
	return m.Datasets, nil
}

func size(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

// The Model names of the data sets that this package converts.
const (
	LogRegModel            = "logreg"
	PoissonRegModel        = "poisson"
	VaryingInterceptsModel = "varying_intercepts"
)

// Dataset returns the data as a data set for LogReg: arrays X (n×d), y (n)
// and the true coefficients beta (d).
func (d LogRegData) Dataset(name string, seed uint64) Dataset {
	return Dataset{Name: name, Model: LogRegModel, Seed: seed, N: d.N, D: d.D, Arrays: []Array{
		{Name: "X", Shape: []int{d.N, d.D}, Data: d.X},
		{Name: "y", Shape: []int{d.N}, Data: d.Y},
		{Name: "beta", Shape: []int{d.D}, Data: d.Beta},
	}}
}

// LogRegFromDataset is the inverse of LogRegData.Dataset.
func LogRegFromDataset(s Dataset) (LogRegData, error) {
	a, err := arrays(s, LogRegModel, "X", "y", "beta")
	if err != nil {
		return LogRegData{}, err
	}
	return LogRegData{X: a[0], Y: a[1], Beta: a[2], N: s.N, D: s.D}, nil
}

// Dataset returns the data as a data set for PoissonReg, laid out as
// LogRegData's.
func (d PoissonRegData) Dataset(name string, seed uint64) Dataset {
	s := LogRegData(d).Dataset(name, seed)
	s.Model = PoissonRegModel
	return s
}

// PoissonRegFromDataset is the inverse of PoissonRegData.Dataset.
func PoissonRegFromDataset(s Dataset) (PoissonRegData, error) {
	a, err := arrays(s, PoissonRegModel, "X", "y", "beta")
	if err != nil {
		return PoissonRegData{}, err
	}
	return PoissonRegData{X: a[0], Y: a[1], Beta: a[2], N: s.N, D: s.D}, nil
}

// Dataset returns the data as a data set for VaryingIntercepts: arrays X
// (n×d), y (n), group (n, whole numbers), and the true values beta (d),
// alpha_raw (groups) and truth (μ, τ, σ).
func (d GroupedData) Dataset(name string, seed uint64) Dataset {
	return Dataset{Name: name, Model: VaryingInterceptsModel, Seed: seed, N: d.N, D: d.D, Groups: d.Groups, Arrays: []Array{
		{Name: "X", Shape: []int{d.N, d.D}, Data: d.X},
		{Name: "y", Shape: []int{d.N}, Data: d.Y},
		{Name: "group", Shape: []int{d.N}, Data: d.Group},
		{Name: "beta", Shape: []int{d.D}, Data: d.Beta},
		{Name: "alpha_raw", Shape: []int{d.Groups}, Data: d.AlphaRaw},
		{Name: "truth", Shape: []int{3}, Data: []float64{d.Mu, d.Tau, d.Sigma}},
	}}
}

// GroupedFromDataset is the inverse of GroupedData.Dataset.
func GroupedFromDataset(s Dataset) (GroupedData, error) {
	a, err := arrays(s, VaryingInterceptsModel, "X", "y", "group", "beta", "alpha_raw", "truth")
	if err != nil {
		return GroupedData{}, err
	}
	for _, g := range a[2] {
		if !(g >= 0 && g < float64(s.Groups) && g == math.Trunc(g)) {
			return GroupedData{}, fmt.Errorf("%w: %s: group index %v outside [0, %d)", ErrDataFile, s.Name, g, s.Groups)
		}
	}
	t := a[5]
	return GroupedData{X: a[0], Y: a[1], Group: a[2], Beta: a[3], AlphaRaw: a[4], Mu: t[0], Tau: t[1], Sigma: t[2],
		N: s.N, D: s.D, Groups: s.Groups}, nil
}

// arrays returns the named arrays of s after checking the model and that
// each array's size agrees with the data set's sizes.
func arrays(s Dataset, model string, names ...string) ([][]float64, error) {
	if s.Model != model {
		return nil, fmt.Errorf("%w: data set %q is for model %q, not %q", ErrDataFile, s.Name, s.Model, model)
	}
	want := map[string]int{"X": s.N * s.D, "y": s.N, "group": s.N, "beta": s.D, "alpha_raw": s.Groups, "truth": 3}
	out := make([][]float64, len(names))
	for i, name := range names {
		a, err := s.Array(name)
		if err != nil {
			return nil, err
		}
		if len(a) != want[name] {
			return nil, fmt.Errorf("%w: %s.%s has %d values, want %d", ErrDataFile, s.Name, name, len(a), want[name])
		}
		out[i] = a
	}
	return out, nil
}
