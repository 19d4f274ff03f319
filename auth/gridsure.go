package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// GridSure geometry and PIP length limits (SPEC S3.3, S4.3).
const (
	GridSide  = 5
	GridCells = GridSide * GridSide
	MinPIPLen = 4
	MaxPIPLen = 8
)

// Grid is a GridSure challenge: one decimal digit (0..9) per cell, cells
// numbered 0..24 row by row from the top left.
type Grid [GridCells]byte

// ParsePIP parses a PIP written as comma-separated cell numbers, e.g.
// "0,6,12,18": 4..8 distinct cells in 0..24, order significant.
func ParsePIP(s string) ([]int, error) {
	fields := strings.Split(s, ",")
	pip := make([]int, 0, len(fields))
	for _, f := range fields {
		cell, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("gridsure pip: %q is not a cell number 0..%d", strings.TrimSpace(f), GridCells-1)
		}
		pip = append(pip, cell)
	}
	if err := ValidatePIP(pip); err != nil {
		return nil, err
	}
	return pip, nil
}

// ValidatePIP checks that pip has 4..8 distinct cells in 0..24.
func ValidatePIP(pip []int) error {
	if len(pip) < MinPIPLen || len(pip) > MaxPIPLen {
		return fmt.Errorf("gridsure pip: %d cells, want %d..%d", len(pip), MinPIPLen, MaxPIPLen)
	}
	var seen [GridCells]bool
	for _, cell := range pip {
		if cell < 0 || cell >= GridCells {
			return fmt.Errorf("gridsure pip: cell %d is outside 0..%d", cell, GridCells-1)
		}
		if seen[cell] {
			return fmt.Errorf("gridsure pip: cell %d appears twice", cell)
		}
		seen[cell] = true
	}
	return nil
}

// FormatPIP writes pip in the form ParsePIP reads.
func FormatPIP(pip []int) string {
	parts := make([]string, len(pip))
	for i, cell := range pip {
		parts[i] = strconv.Itoa(cell)
	}
	return strings.Join(parts, ",")
}

// NewGrid returns a grid of uniformly random digits read from r. A nil r,
// or one that fails, is replaced by crypto/rand.
func NewGrid(r io.Reader) Grid {
	if r == nil {
		r = rand.Reader
	}
	var g Grid
	var buf [1]byte
	for i := 0; i < GridCells; {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			r = rand.Reader
			continue
		}
		if buf[0] >= 250 { // reject to keep digits unbiased
			continue
		}
		g[i] = buf[0] % 10
		i++
	}
	return g
}

// String shows the grid for a Reply-Message: 5 rows of 5 digits, digits
// separated by spaces, rows by newlines.
func (g Grid) String() string {
	var b strings.Builder
	for i, d := range g {
		switch {
		case i == 0:
		case i%GridSide == 0:
			b.WriteByte('\n')
		default:
			b.WriteByte(' ')
		}
		b.WriteByte('0' + d%10)
	}
	return b.String()
}

// Answer returns the digits under the PIP's cells in PIP order. Cells
// outside the grid are skipped; validate the PIP first.
func (g Grid) Answer(pip []int) string {
	b := make([]byte, 0, len(pip))
	for _, cell := range pip {
		if cell >= 0 && cell < GridCells {
			b = append(b, '0'+g[cell]%10)
		}
	}
	return string(b)
}

// VerifyGridAnswer reports whether answer is the PIP's digits on g, compared
// in constant time. White space inside the answer is ignored; an invalid PIP
// never verifies.
func VerifyGridAnswer(g Grid, pip []int, answer string) bool {
	if ValidatePIP(pip) != nil {
		return false
	}
	given := strings.Join(strings.Fields(answer), "")
	return subtle.ConstantTimeCompare([]byte(g.Answer(pip)), []byte(given)) == 1
}
