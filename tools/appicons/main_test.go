package main

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// The committed icons are what this program draws (run it after changing
// the drawing): same size, same pixels.
func TestCommittedIconsUpToDate(t *testing.T) {
	for _, ic := range icons {
		f, err := os.Open(filepath.Join("../../protocol/deviceapi/webapp/files/icons", ic.name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", ic.name, err)
		}
		want := draw(ic)
		if got.Bounds() != want.Bounds() || !samePixels(got, want) {
			t.Errorf("%s differs from what appicons draws: run go run ./tools/appicons", ic.name)
		}
	}
}

func samePixels(a image.Image, b *image.NRGBA) bool {
	r := b.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return false
			}
		}
	}
	return true
}
