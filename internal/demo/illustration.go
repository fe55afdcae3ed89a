package demo

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"

	xdraw "golang.org/x/image/draw"
)

// illustrationAlt describes the demo article's picture for people who cannot see it.
const illustrationAlt = "Illustration: an identity card and a bank card side by side, a padlock in front of them"

// illustration draws the demo article's picture: an identity card and a
// bank card behind a padlock, in flat colours. It is made here, so the demo
// carries no third-party photo. Drawn at twice the size and scaled down,
// which smooths the edges.
func illustration() []byte {
	const w, h, s = 1600, 900, 2
	big := image.NewNRGBA(image.Rect(0, 0, w*s, h*s))
	fill := func(inside func(x, y float64) bool, c color.NRGBA) {
		for py := 0; py < h*s; py++ {
			for px := 0; px < w*s; px++ {
				if inside(float64(px)/s, float64(py)/s) {
					big.SetNRGBA(px, py, c)
				}
			}
		}
	}
	// Background: a soft vertical gradient.
	for py := 0; py < h*s; py++ {
		t := float64(py) / float64(h*s)
		c := color.NRGBA{uint8(232 - 40*t), uint8(240 - 30*t), 250, 255}
		for px := 0; px < w*s; px++ {
			big.SetNRGBA(px, py, c)
		}
	}
	roundRect := func(x0, y0, x1, y1, r float64) func(x, y float64) bool {
		return func(x, y float64) bool {
			if x < x0 || x > x1 || y < y0 || y > y1 {
				return false
			}
			cx := math.Max(x0+r, math.Min(x, x1-r))
			cy := math.Max(y0+r, math.Min(y, y1-r))
			return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r
		}
	}
	circle := func(cx, cy, r float64) func(x, y float64) bool {
		return func(x, y float64) bool { return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r }
	}
	shadow := color.NRGBA{60, 70, 110, 70}
	white := color.NRGBA{255, 255, 255, 255}
	ink := color.NRGBA{70, 82, 110, 255}
	faint := color.NRGBA{190, 198, 215, 255}

	// The identity card, on the left.
	fill(roundRect(190, 230, 790, 610, 36), shadow)
	fill(roundRect(170, 210, 770, 590, 36), white)
	fill(roundRect(170, 210, 770, 280, 36), color.NRGBA{44, 110, 180, 255})
	fill(func(x, y float64) bool { return y > 250 && y <= 280 && x > 170 && x < 770 }, color.NRGBA{44, 110, 180, 255})
	fill(roundRect(210, 320, 400, 540, 16), color.NRGBA{214, 226, 242, 255})
	fill(circle(305, 395, 45), ink)
	fill(func(x, y float64) bool {
		return y > 455 && y < 540 && (x-305)*(x-305)/(80*80)+(y-540)*(y-540)/(85*85) <= 1
	}, ink)
	for i, width := range []float64{300, 240, 280, 180} {
		y := 335 + float64(i)*52
		fill(roundRect(440, y, 440+width, y+22, 11), faint)
	}

	// The bank card, on the right, a little lower.
	fill(roundRect(850, 330, 1450, 700, 36), shadow)
	fill(roundRect(830, 310, 1430, 680, 36), color.NRGBA{32, 48, 84, 255})
	fill(roundRect(880, 400, 980, 470, 12), color.NRGBA{222, 184, 92, 255})
	for i := range 4 {
		x := 880 + float64(i)*120
		fill(roundRect(x, 530, x+95, 560, 12), color.NRGBA{150, 165, 200, 255})
	}
	fill(roundRect(880, 600, 1100, 622, 11), color.NRGBA{110, 125, 165, 255})
	fill(circle(1330, 610, 36), color.NRGBA{226, 80, 70, 230})
	fill(circle(1375, 610, 36), color.NRGBA{240, 170, 60, 230})

	// The padlock in front, in the middle.
	lock := color.NRGBA{34, 150, 110, 255}
	fill(func(x, y float64) bool {
		d := math.Hypot(x-800, y-560)
		return y <= 560 && d >= 62 && d <= 92
	}, lock)
	fill(func(x, y float64) bool { return y > 558 && y < 600 && ((x > 708 && x < 738) || (x > 862 && x < 892)) }, lock)
	fill(roundRect(680, 590, 920, 780, 28), lock)
	fill(circle(800, 665, 22), color.NRGBA{230, 248, 240, 255})
	fill(roundRect(790, 670, 810, 730, 8), color.NRGBA{230, 248, 240, 255})

	small := image.NewNRGBA(image.Rect(0, 0, w, h))
	xdraw.CatmullRom.Scale(small, small.Bounds(), big, big.Bounds(), xdraw.Src, nil)
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, small); err != nil {
		panic(err) // encoding to memory cannot fail
	}
	return out.Bytes()
}
