package auth

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// seqGrid is the grid whose cell i holds i%10.
func seqGrid() Grid {
	var g Grid
	for i := range g {
		g[i] = byte(i % 10)
	}
	return g
}

func TestParsePIP(t *testing.T) {
	tests := []struct {
		in      string
		want    []int
		wantErr string
	}{
		{"0,6,12,18", []int{0, 6, 12, 18}, ""},
		{" 24, 0 ,5,10 ", []int{24, 0, 5, 10}, ""},
		{"1,2,3,4,5,6,7,8", []int{1, 2, 3, 4, 5, 6, 7, 8}, ""},
		{"1,2,3", nil, "3 cells"},
		{"1,2,3,4,5,6,7,8,9", nil, "9 cells"},
		{"0,6,12,25", nil, "cell 25"},
		{"0,6,-1,18", nil, "cell -1"},
		{"0,6,6,18", nil, "cell 6 appears twice"},
		{"0,6,x,18", nil, `"x"`},
		{"0,6,,18", nil, `""`},
		{"", nil, `""`},
	}
	for _, tt := range tests {
		got, err := ParsePIP(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParsePIP(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("ParsePIP(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if back := FormatPIP(got); back != strings.ReplaceAll(tt.in, " ", "") {
			t.Errorf("FormatPIP(%v) = %q", got, back)
		}
	}
}

func TestNewGrid(t *testing.T) {
	// 250..255 are rejected; 13 -> 3, 249 -> 9.
	src := append([]byte{250, 255, 13, 249}, bytes.Repeat([]byte{7}, GridCells)...)
	g := NewGrid(bytes.NewReader(src))
	if g[0] != 3 || g[1] != 9 || g[2] != 7 || g[GridCells-1] != 7 {
		t.Fatalf("NewGrid = %v", g)
	}
}

func TestNewGridFallsBackToCryptoRand(t *testing.T) {
	for _, r := range []interface{ Read([]byte) (int, error) }{nil, iotest.ErrReader(errors.New("boom")), bytes.NewReader([]byte{1, 2})} {
		g := NewGrid(r)
		for i, d := range g {
			if d > 9 {
				t.Fatalf("cell %d = %d, not a digit", i, d)
			}
		}
	}
}

func TestGridString(t *testing.T) {
	want := "0 1 2 3 4\n5 6 7 8 9\n0 1 2 3 4\n5 6 7 8 9\n0 1 2 3 4"
	if got := seqGrid().String(); got != want {
		t.Fatalf("String() =\n%s\nwant\n%s", got, want)
	}
}

func TestGridAnswer(t *testing.T) {
	g := seqGrid()
	tests := []struct {
		pip  []int
		want string
	}{
		{[]int{0, 6, 12, 18}, "0628"},
		{[]int{24, 19, 14, 9, 4}, "49494"},
		{[]int{10, 11, 12, 13, 23, 22, 21, 20}, "01233210"},
	}
	for _, tt := range tests {
		if got := g.Answer(tt.pip); got != tt.want {
			t.Errorf("Answer(%v) = %q, want %q", tt.pip, got, tt.want)
		}
	}
}

func TestVerifyGridAnswer(t *testing.T) {
	g := seqGrid()
	pip := []int{0, 6, 12, 18} // answer "0628"
	tests := []struct {
		name   string
		pip    []int
		answer string
		want   bool
	}{
		{"right", pip, "0628", true},
		{"spaced", pip, " 0 6 2 8 ", true},
		{"wrong digit", pip, "0629", false},
		{"wrong order", []int{18, 12, 6, 0}, "0628", false},
		{"short", pip, "062", false},
		{"long", pip, "06280", false},
		{"empty", pip, "", false},
		{"invalid pip", []int{0, 6, 12}, "062", false},
		{"pip out of range", []int{0, 6, 12, 25}, "062", false},
		{"pip repeats", []int{0, 6, 6, 18}, "0668", false},
	}
	for _, tt := range tests {
		if got := VerifyGridAnswer(g, tt.pip, tt.answer); got != tt.want {
			t.Errorf("%s: VerifyGridAnswer(%v, %q) = %v, want %v", tt.name, tt.pip, tt.answer, got, tt.want)
		}
	}
}
