package reports

import (
	"image/color"
	"strings"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgpdf"
)

// pdfCanvas adapts vgpdf to what the report draws: vgpdf writes strings
// with a Windows-1252 font encoding, so text is converted from UTF-8 (or
// "±" and "·" come out garbled), and it reads colours as if they were not
// alpha-premultiplied, so translucent fills are converted back to straight
// alpha (or the confidence bands come out grey).
type pdfCanvas struct{ *vgpdf.Canvas }

func (c pdfCanvas) SetColor(col color.Color) {
	if col == nil {
		c.Canvas.SetColor(nil)
		return
	}
	c.Canvas.SetColor(straightColor(color.NRGBAModel.Convert(col).(color.NRGBA)))
}

func (c pdfCanvas) FillString(f font.Face, pt vg.Point, s string) {
	c.Canvas.FillString(f, pt, toCP1252(s))
}

// straightColor returns its components without premultiplying them by
// alpha; only for vgpdf, which expects them so.
type straightColor color.NRGBA

func (s straightColor) RGBA() (r, g, b, a uint32) {
	return uint32(s.R) * 0x101, uint32(s.G) * 0x101, uint32(s.B) * 0x101, uint32(s.A) * 0x101
}

// cp1252 are the Windows-1252 bytes of the characters outside Latin-1.
var cp1252 = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88,
	'‰': 0x89, 'Š': 0x8A, '‹': 0x8B, 'Œ': 0x8C, 'Ž': 0x8E, '‘': 0x91, '’': 0x92, '“': 0x93,
	'”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97, '˜': 0x98, '™': 0x99, 'š': 0x9A, '›': 0x9B,
	'œ': 0x9C, 'ž': 0x9E, 'Ÿ': 0x9F, '−': '-',
}

func toCP1252(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x80 || (r >= 0xA0 && r <= 0xFF):
			b.WriteByte(byte(r))
		case cp1252[r] != 0:
			b.WriteByte(cp1252[r])
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}
