package main

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/ignis-ppl/ignis/beam/many"
)

// The series file is CSV with one row per point,
//
//	key,index,x1,…,xD,y
//
// after a header row that starts with "key,". index orders a series'
// points; the rows of a series may be anywhere in the file (or files).

// point is one row.
type point struct {
	Key   string
	Index int
	X     []float64
	Y     float64
}

func parseLine(line string) (point, error) {
	f := strings.Split(strings.TrimSpace(line), ",")
	if len(f) < 4 {
		return point{}, fmt.Errorf("row %q: want key,index,x1,…,xD,y", line)
	}
	p := point{Key: f[0], X: make([]float64, len(f)-3)}
	var err error
	if p.Index, err = strconv.Atoi(f[1]); err != nil {
		return point{}, fmt.Errorf("row %q: index: %w", line, err)
	}
	for i, s := range f[2 : len(f)-1] {
		if p.X[i], err = strconv.ParseFloat(s, 64); err != nil {
			return point{}, fmt.Errorf("row %q: x%d: %w", line, i+1, err)
		}
	}
	if p.Y, err = strconv.ParseFloat(f[len(f)-1], 64); err != nil {
		return point{}, fmt.Errorf("row %q: y: %w", line, err)
	}
	return p, nil
}

func isHeader(line string) bool {
	return strings.HasPrefix(line, "key,") || strings.TrimSpace(line) == ""
}

// assemble orders one key's points by index into a series.
func assemble(key string, pts []point) (many.Series, error) {
	slices.SortFunc(pts, func(a, b point) int { return cmp.Compare(a.Index, b.Index) })
	s := many.Series{Key: key, Dim: len(pts[0].X)}
	for i, p := range pts {
		if len(p.X) != s.Dim {
			return many.Series{}, fmt.Errorf("series %q: point %d has %d inputs, point %d has %d", key, p.Index, len(p.X), pts[0].Index, s.Dim)
		}
		if i > 0 && p.Index == pts[i-1].Index {
			return many.Series{}, fmt.Errorf("series %q: index %d appears twice", key, p.Index)
		}
		s.X = append(s.X, p.X...)
		s.Y = append(s.Y, p.Y)
	}
	return s, nil
}

// writeCSV writes series in the file format.
func writeCSV(path string, series []many.Series) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprint(w, "key,index")
	for j := range series[0].Dim {
		fmt.Fprintf(w, ",x%d", j+1)
	}
	fmt.Fprintln(w, ",y")
	for _, s := range series {
		for i, y := range s.Y {
			fmt.Fprintf(w, "%s,%d", s.Key, i)
			for _, x := range s.X[i*s.Dim : (i+1)*s.Dim] {
				fmt.Fprintf(w, ",%s", strconv.FormatFloat(x, 'g', -1, 64))
			}
			fmt.Fprintf(w, ",%s\n", strconv.FormatFloat(y, 'g', -1, 64))
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readCSV reads a series file in-process, the way the pipeline reads it,
// for the direct fits the pipeline's results are compared with. Rows that
// do not parse and series that do not assemble come back as dead letters.
func readCSV(r io.Reader) ([]many.Series, []many.DeadLetter, error) {
	byKey := map[string][]point{}
	var dead []many.DeadLetter
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		line := sc.Text()
		if isHeader(line) {
			continue
		}
		p, err := parseLine(line)
		if err != nil {
			dead = append(dead, many.DeadLetter{Key: line, Stage: stageRead, Error: err.Error()})
			continue
		}
		byKey[p.Key] = append(byKey[p.Key], p)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	var out []many.Series
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range byKey {
			if !yield(k) {
				return
			}
		}
	}) {
		s, err := assemble(k, byKey[k])
		if err != nil {
			dead = append(dead, many.DeadLetter{Key: k, Stage: stageRead, Error: err.Error()})
			continue
		}
		out = append(out, s)
	}
	return out, dead, nil
}

const stageRead = "read"
