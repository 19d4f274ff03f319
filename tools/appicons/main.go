// Command appicons draws the pushauth app's PNG icons (a white check mark
// in a ring on the brand blue) into the app's embedded files. They are
// committed; run it again only to change them:
//
//	go run ./tools/appicons
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
)

// icon is one file to draw: its size, and whether the blue fills the whole
// square (maskable and Apple icons: the system rounds the corners) or a
// rounded square with transparent corners.
type icon struct {
	name      string
	size      int
	fullBleed bool
}

var icons = []icon{
	{"icon-192.png", 192, false},
	{"icon-512.png", 512, false},
	{"maskable-512.png", 512, true},
	{"apple-touch-icon.png", 180, true},
}

var (
	blue  = color.NRGBA{0x2f, 0x5b, 0xd3, 0xff}
	white = color.NRGBA{0xff, 0xff, 0xff, 0xff}
)

func main() {
	dir := flag.String("dir", "protocol/deviceapi/webapp/files/icons", "where to write the icons")
	flag.Parse()
	for _, ic := range icons {
		if err := write(filepath.Join(*dir, ic.name), draw(ic)); err != nil {
			fmt.Fprintln(os.Stderr, "appicons:", err)
			os.Exit(1)
		}
	}
}

func write(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return f.Close()
}

// draw renders the icon in unit coordinates (0..1), 4×4 samples a pixel.
func draw(ic icon) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, ic.size, ic.size))
	const n = 4
	for y := 0; y < ic.size; y++ {
		for x := 0; x < ic.size; x++ {
			var bg, fg float64
			for sy := 0; sy < n; sy++ {
				for sx := 0; sx < n; sx++ {
					u := (float64(x) + (float64(sx)+0.5)/n) / float64(ic.size)
					v := (float64(y) + (float64(sy)+0.5)/n) / float64(ic.size)
					if ic.fullBleed || inRoundedSquare(u, v, 0.22) {
						bg++
						if inMark(u, v, ic.fullBleed) {
							fg++
						}
					}
				}
			}
			img.SetNRGBA(x, y, mix(bg/(n*n), fg/(n*n)))
		}
	}
	return img
}

// mix is blue with coverage bg, white over it with coverage fg.
func mix(bg, fg float64) color.NRGBA {
	if bg == 0 {
		return color.NRGBA{}
	}
	t := fg / bg
	ch := func(a, b uint8) uint8 { return uint8(math.Round(float64(a)*(1-t) + float64(b)*t)) }
	return color.NRGBA{ch(blue.R, white.R), ch(blue.G, white.G), ch(blue.B, white.B), uint8(math.Round(255 * bg))}
}

func inRoundedSquare(u, v, r float64) bool {
	dx := math.Max(math.Abs(u-0.5)-(0.5-r), 0)
	dy := math.Max(math.Abs(v-0.5)-(0.5-r), 0)
	return dx*dx+dy*dy <= r*r
}

// inMark is the ring and the check mark; a maskable icon keeps them in
// the middle 80% (the safe zone).
func inMark(u, v float64, small bool) bool {
	s := 1.0
	if small {
		s = 0.8
	}
	u, v = 0.5+(u-0.5)/s, 0.5+(v-0.5)/s
	ring := math.Abs(math.Hypot(u-0.5, v-0.5)-0.30) < 0.035
	check := segment(u, v, 0.36, 0.51, 0.46, 0.61) < 0.045 || segment(u, v, 0.46, 0.61, 0.66, 0.40) < 0.045
	return ring || check
}

// segment is the distance from (u, v) to the segment (ax, ay)-(bx, by).
func segment(u, v, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	t := math.Max(0, math.Min(1, ((u-ax)*dx+(v-ay)*dy)/(dx*dx+dy*dy)))
	return math.Hypot(u-(ax+t*dx), v-(ay+t*dy))
}
