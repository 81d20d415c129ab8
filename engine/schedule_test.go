package engine

import (
	"errors"
	"testing"
)

func TestSchedulesGiveExactRates(t *testing.T) {
	// Powers of two keep every rate exact, so the comparison is ==.
	cases := []struct {
		name  string
		s     Schedule
		steps []int
		want  []float64
	}{
		{"constant", ConstantLR(0.125), []int{0, 1, 2, 1000}, []float64{0.125, 0.125, 0.125, 0.125}},
		{"exponential", ExponentialLR{Initial: 0.5, Gamma: 0.5}, []int{0, 1, 2, 3, 10},
			[]float64{0.5, 0.25, 0.125, 0.0625, 0.5 / 1024}},
		{"exponential/gamma=1", ExponentialLR{Initial: 0.75, Gamma: 1}, []int{0, 7, 100000}, []float64{0.75, 0.75, 0.75}},
		{"step", StepLR{Initial: 1, Gamma: 0.5, StepSize: 3}, []int{0, 1, 2, 3, 4, 5, 6, 8, 9},
			[]float64{1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.125}},
		{"step/size=1", StepLR{Initial: 0.25, Gamma: 2, StepSize: 1}, []int{0, 1, 2}, []float64{0.25, 0.5, 1}},
		{"func", ScheduleFunc(func(step int) float64 { return 1 / float64(step+1) }), []int{0, 1, 3}, []float64{1, 0.5, 0.25}},
	}
	for _, c := range cases {
		for i, step := range c.steps {
			if got := c.s.LR(step); got != c.want[i] {
				t.Errorf("%s: LR(%d) = %v, want %v", c.name, step, got, c.want[i])
			}
		}
	}
}

func TestSchedulesValidate(t *testing.T) {
	type validator interface{ Validate() error }
	good := []validator{ConstantLR(0), ConstantLR(0.1), ExponentialLR{Initial: 0.1, Gamma: 0.99},
		StepLR{Initial: 0.1, Gamma: 0.1, StepSize: 1}}
	for _, v := range good {
		if err := v.Validate(); err != nil {
			t.Errorf("%+v: unexpected error %v", v, err)
		}
	}
	bad := []validator{ConstantLR(-1), ExponentialLR{Initial: -0.1, Gamma: 0.9}, ExponentialLR{Initial: 0.1, Gamma: -1},
		StepLR{Initial: 0.1, Gamma: 0.5}, StepLR{Initial: 0.1, Gamma: 0.5, StepSize: -2}, StepLR{Initial: 0.1, Gamma: -0.5, StepSize: 2}}
	for _, v := range bad {
		if err := v.Validate(); !errors.Is(err, ErrArgument) {
			t.Errorf("%+v: Validate() = %v, want ErrArgument", v, err)
		}
	}
}
