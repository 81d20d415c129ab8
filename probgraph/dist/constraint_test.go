package dist

import "testing"

// Within compares intervals by their ends, open or closed, and other sets
// by equality.
func TestWithin(t *testing.T) {
	for _, c := range []struct {
		inner, outer Constraint
		want         bool
	}{
		{Positive(), NonNegative(), true},
		{NonNegative(), Positive(), false},
		{Positive(), Real(), true},
		{UnitInterval(), Real(), true},
		{Interval(0, 1), UnitInterval(), true},
		{UnitInterval(), Interval(0, 1), false},
		{GreaterThan(1), Positive(), true},
		{GreaterThan(-1), Positive(), false},
		{LessThan(0), Real(), true},
		{Real(), Positive(), false},
		{Simplex(), Simplex(), true},
		{Simplex(), Real(), false},
		{Boolean(), NonNegativeInteger(), false},
		{NonNegativeInteger(), NonNegativeInteger(), true},
		{independentConstraint{c: Positive(), n: 1}, independentConstraint{c: NonNegative(), n: 1}, true},
		{independentConstraint{c: Positive(), n: 1}, independentConstraint{c: NonNegative(), n: 2}, false},
	} {
		if got := Within(c.inner, c.outer); got != c.want {
			t.Errorf("Within(%v, %v) = %v, want %v", c.inner, c.outer, got, c.want)
		}
	}
}
