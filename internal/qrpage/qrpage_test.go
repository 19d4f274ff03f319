package qrpage

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"strings"
	"testing"
)

func TestGroupByFour(t *testing.T) {
	for in, want := range map[string]string{"": "", "ABC": "ABC", "ABCD": "ABCD", "ABCDEFGHI": "ABCD EFGH I", "ÄBCDÉ": "ÄBCD É"} {
		if got := GroupByFour(in); got != want {
			t.Errorf("GroupByFour(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDataURLIsAPNGOfSize(t *testing.T) {
	u, err := DataURL("https://device.example/v1/activate?code=ABCD")
	if err != nil {
		t.Fatal(err)
	}
	b64, ok := strings.CutPrefix(string(u), "data:image/png;base64,")
	if !ok {
		t.Fatalf("not a PNG data URL: %.40s", u)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil || img.Bounds().Dx() != Size || img.Bounds().Dy() != Size {
		t.Fatalf("image %v, %v", img.Bounds(), err)
	}
}
