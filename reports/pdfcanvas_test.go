package reports

import (
	"image/color"
	"testing"
)

// The PDF backend gets Windows-1252 bytes: "±" and "·" are single bytes,
// characters it cannot show become "?".
func TestToCP1252(t *testing.T) {
	for in, want := range map[string]string{
		"19,770 ± 38":     "19,770 \xb1 38",
		"report · page 1": "report \xb7 page 1",
		"a – b − c":       "a \x96 b - c",
		"≤ 3":             "? 3",
		"plain":           "plain",
	} {
		if got := toCP1252(in); got != want {
			t.Errorf("toCP1252(%q) = %q, want %q", in, got, want)
		}
	}
}

// A translucent fill reaches the PDF backend with straight (not
// premultiplied) components, so a band keeps its hue.
func TestStraightColor(t *testing.T) {
	c := color.NRGBA{R: 200, G: 100, B: 50, A: 60}
	r, g, b, a := straightColor(color.NRGBAModel.Convert(c).(color.NRGBA)).RGBA()
	if r>>8 != 200 || g>>8 != 100 || b>>8 != 50 || a>>8 != 60 {
		t.Errorf("got %d %d %d %d, want 200 100 50 60", r>>8, g>>8, b>>8, a>>8)
	}
}
