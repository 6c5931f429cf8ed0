package design

import (
	"math"
	"slices"
	"testing"
)

// TestRegressSamples pins the points drawn for a fixed seed. A sweep that
// resumes identifies points by index, so a change here (in this package,
// gonum's samplers or math/rand/v2's PCG) would silently mix two designs
// in one results table. If it fails on purpose, bump the design version the
// caller stores with its results and update the table.
func TestRegressSamples(t *testing.T) {
	b := Box{{Lo: 0, Hi: 1}, {Lo: 0, Hi: 1}}
	for _, c := range []struct {
		name   string
		sample func(Box, int, uint64) ([][]float64, error)
		want   [][]float64
	}{
		{"LatinHypercube", LatinHypercube, [][]float64{
			{0.05517374905006552, 0.667670787431265},
			{0.5975655493554852, 0.12293291960805064},
			{0.9646537310952762, 0.6406322858506919},
		}},
		{"Random", Random, [][]float64{
			{0.3604816929499731, 0.8086312991514427},
			{0.582634826624947, 0.9950873415468249},
			{0.1991449271167861, 0.5620317697419934},
		}},
	} {
		got, err := c.sample(b, 3, 1)
		if err != nil {
			t.Fatal(err)
		}
		for i := range c.want {
			if !slices.Equal(got[i], c.want[i]) {
				t.Errorf("%s seed 1 point %d = %v, want %v", c.name, i, got[i], c.want[i])
			}
		}
	}
}

// TestRegressMorris pins a small Morris design for seed 1, as grid levels
// (unit coordinate × (p-1)).
func TestRegressMorris(t *testing.T) {
	m, err := NewMorris(Box{{Lo: 0, Hi: 1}, {Lo: 0, Hi: 1}, {Lo: 0, Hi: 1}}, 2, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{
		{2, 1, 0}, {0, 1, 0}, {0, 3, 0}, {0, 3, 2},
		{2, 1, 2}, {0, 1, 2}, {0, 3, 2}, {0, 3, 0},
	}
	for i, w := range want {
		got := make([]float64, len(w))
		for j, u := range m.Unit[i] {
			got[j] = math.Round(u * 3)
		}
		if !slices.Equal(got, w) {
			t.Errorf("point %d at levels %v, want %v", i, got, w)
		}
	}
}
