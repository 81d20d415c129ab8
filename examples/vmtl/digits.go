package main

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"strconv"
	"strings"

	"github.com/ignis-ppl/ignis/vmtl"
)

// digitsTxt holds the rotated-digits tasks written by
// scripts/data/vmtl_digits.py: a header "# angles a0 a1 …", then one image
// per line, "task split label pixels" with split 0 for training and 1 for
// test, and the 64 pixels as base-17 digits (values 0–16).
//
//go:embed testdata/digits.txt
var digitsTxt []byte

// digits parses the embedded tasks; pixels are scaled to [0, 1] and a
// constant 1 is appended to each image.
func digits() (problem, []int, error) {
	sc := bufio.NewScanner(bytes.NewReader(digitsTxt))
	var angles []int
	p := problem{name: "rotated digits", xDim: 65, classes: 10}
	for line := 1; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) > 2 && f[0] == "#" && f[1] == "angles" {
			for _, a := range f[2:] {
				v, err := strconv.Atoi(a)
				if err != nil {
					return p, nil, fmt.Errorf("digits line %d: %w", line, err)
				}
				angles = append(angles, v)
			}
			p.train = make([]vmtl.Data, len(angles))
			p.test = make([]vmtl.Data, len(angles))
			continue
		}
		if len(f) != 4 || len(f[3]) != 64 {
			return p, nil, fmt.Errorf("digits line %d: want 4 fields with 64 pixels", line)
		}
		t, err1 := strconv.Atoi(f[0])
		split, err2 := strconv.Atoi(f[1])
		label, err3 := strconv.Atoi(f[2])
		if err1 != nil || err2 != nil || err3 != nil || t < 0 || t >= len(angles) || split < 0 || split > 1 {
			return p, nil, fmt.Errorf("digits line %d: bad task, split or label", line)
		}
		d := &p.train[t]
		if split == 1 {
			d = &p.test[t]
		}
		for _, c := range f[3] {
			v, err := strconv.ParseInt(string(c), 17, 0)
			if err != nil {
				return p, nil, fmt.Errorf("digits line %d: %w", line, err)
			}
			d.X = append(d.X, float64(v)/16)
		}
		d.X = append(d.X, 1) // a constant feature: the classifier's bias
		d.Y = append(d.Y, float64(label))
	}
	if err := sc.Err(); err != nil {
		return p, nil, err
	}
	if len(angles) == 0 {
		return p, nil, fmt.Errorf("digits: no angles header")
	}
	return p, angles, nil
}
