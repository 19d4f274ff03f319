// Package qrpage holds what the pages that show a one-time code share
// (the device API's activation page, the enrolment page, the operator
// console): the QR code as a data: URL for an <img>, and the code
// written in groups of four for typing.
package qrpage

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"strings"

	"github.com/skip2/go-qrcode"
)

// Size is a QR code's width and height in pixels.
const Size = 256

// DataURL is the QR code of text (medium error correction, Size pixels)
// as a data: URL of a PNG. A page showing it needs img-src data: in its
// Content-Security-Policy.
func DataURL(text string) (template.URL, error) {
	png, err := qrcode.Encode(text, qrcode.Medium, Size)
	if err != nil {
		return "", fmt.Errorf("QR code: %w", err)
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)), nil
}

// GroupByFour writes code in groups of four characters separated by
// spaces, for typing.
func GroupByFour(code string) string {
	var b strings.Builder
	for i, c := range []rune(code) {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}
