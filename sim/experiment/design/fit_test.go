package design

import (
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/stat"
)

// decay is a synthetic model: y(t) = A·exp(-k·t) + c at t = 0..11.
func decay(x []float64) ([]float64, error) {
	y := make([]float64, 12)
	for t := range y {
		y[t] = x[0]*math.Exp(-x[1]*float64(t)) + x[2]
	}
	return y, nil
}

var decayBox = Box{
	{Name: "A", Lo: 0, Hi: 10},
	{Name: "k", Lo: 0.01, Hi: 2, Scale: Log},
	{Name: "c", Lo: -5, Hi: 5},
}

// Fitting a model to its own exact outputs recovers the parameters.
func TestFitRecoversParameters(t *testing.T) {
	truth := []float64{3, 0.4, 1}
	target, _ := decay(truth)
	for _, x0 := range [][]float64{nil, {9, 0.02, -4}} {
		calls := 0
		res, err := Fit(decayBox, func(x []float64) ([]float64, error) {
			calls++
			return decay(x)
		}, target, nil, x0, nil)
		if err != nil {
			t.Fatal(err)
		}
		// The cost converges to 1e-12, so parameters to about 1e-5;
		// allow 1e-4 relative.
		for i := range truth {
			if math.Abs(res.X[i]-truth[i]) > 1e-4*math.Abs(truth[i]) {
				t.Errorf("start %v: %s = %v, want %v", x0, decayBox[i].Name, res.X[i], truth[i])
			}
		}
		if res.RMSE > 1e-5 || !res.Converged || res.Evaluations != calls {
			t.Errorf("start %v: RMSE %v converged %v evaluations %d (made %d)", x0, res.RMSE, res.Converged, res.Evaluations, calls)
		}
		t.Logf("start %v: x %.6f RMSE %.2g after %d evaluations", x0, res.X, res.RMSE, res.Evaluations)
	}
}

// Missing targets (NaN) and zero weights leave points out of the fit: a
// corrupted target given weight 0 does not move the answer.
func TestFitMissingAndWeights(t *testing.T) {
	truth := []float64{3, 0.4, 1}
	target, _ := decay(truth)
	target[2] = math.NaN()
	target[5] += 100
	weights := make([]float64, len(target))
	for i := range weights {
		weights[i] = 1
	}
	weights[5] = 0
	res, err := Fit(decayBox, decay, target, weights, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range truth {
		if math.Abs(res.X[i]-truth[i]) > 1e-4*math.Abs(truth[i]) {
			t.Errorf("%s = %v, want %v", decayBox[i].Name, res.X[i], truth[i])
		}
	}
	if !math.IsNaN(res.Residuals[2]) || math.Abs(res.Residuals[5]+100) > 1e-3 {
		t.Errorf("residuals %v: want NaN at 2 and -100 at 5", res.Residuals)
	}
	// RMSE is over the 11 targets present and unweighted: the outlier
	// counts.
	if want := 100 / math.Sqrt(11); math.Abs(res.RMSE-want) > 1e-3 {
		t.Errorf("RMSE %v, want %v", res.RMSE, want)
	}
	if res.Cost > 1e-9 {
		t.Errorf("weighted cost %v, want ≈ 0", res.Cost)
	}
}

// For a straight line, weighted least squares has a closed form; Fit must
// agree with gonum's stat.LinearRegression on noisy data.
func TestFitMatchesLinearRegression(t *testing.T) {
	ts := []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	noise := []float64{0.3, -0.2, 0.5, -0.4, 0.1, 0.0, -0.3, 0.6, -0.1, 0.2}
	target := make([]float64, len(ts))
	weights := make([]float64, len(ts))
	for i, t := range ts {
		target[i] = 2 + 0.7*t + noise[i]
		weights[i] = 1 + float64(i%3)
	}
	alpha, beta := stat.LinearRegression(ts, target, weights, false)
	line := func(x []float64) ([]float64, error) {
		y := make([]float64, len(ts))
		for i, t := range ts {
			y[i] = x[0] + x[1]*t
		}
		return y, nil
	}
	res, err := Fit(Box{{Name: "intercept", Lo: -10, Hi: 10}, {Name: "slope", Lo: -3, Hi: 3}}, line, target, weights, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(res.X[0]-alpha) > 1e-4 || math.Abs(res.X[1]-beta) > 1e-4 {
		t.Errorf("fit %v, closed form [%v %v]", res.X, alpha, beta)
	}
}

// A parameter whose best value is beyond the box ends on the bound.
func TestFitAtBound(t *testing.T) {
	target, _ := decay([]float64{3, 0.4, 1})
	b := Box{{Name: "A", Lo: 0, Hi: 2}, decayBox[1], decayBox[2]}
	res, err := Fit(b, decay, target, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.X[0] != 2 {
		t.Errorf("A = %v, want the bound 2", res.X[0])
	}
	if !b.Contains(res.X) {
		t.Errorf("fit %v outside the box", res.X)
	}
}

func TestFitErrors(t *testing.T) {
	target, _ := decay([]float64{3, 0.4, 1})
	for name, c := range map[string]struct {
		target, weights, x0 []float64
		model               Model
	}{
		"no targets":     {nil, nil, nil, decay},
		"weights length": {target, []float64{1}, nil, decay},
		"negative weight": {target, func() []float64 {
			w := make([]float64, len(target))
			w[0] = -1
			return w
		}(), nil, decay},
		"all missing":   {[]float64{math.NaN()}, nil, nil, decay},
		"start outside": {target, nil, []float64{20, 1, 0}, decay},
		"output length": {target, nil, nil, func(x []float64) ([]float64, error) { return []float64{1}, nil }},
	} {
		if _, err := Fit(decayBox, c.model, c.target, c.weights, c.x0, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	boom := errors.New("simulation failed")
	n := 0
	res, err := Fit(decayBox, func(x []float64) ([]float64, error) {
		if n++; n == 10 {
			return nil, boom
		}
		return decay(x)
	}, target, nil, nil, nil)
	if !errors.Is(err, boom) || res == nil || res.Evaluations != 9 {
		t.Errorf("model error: got %v, %+v; want the error and the 9 evaluations before it", err, res)
	}
}
