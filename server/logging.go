package server

import (
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/pushauth/pushauth/config"
)

// NewLogger builds the server's zerolog logger: JSON, or console output
// when format is "console" or "auto" on a terminal.
func NewLogger(c config.Log, out *os.File) zerolog.Logger {
	level, err := zerolog.ParseLevel(c.Level)
	if err != nil || c.Level == "" {
		level = zerolog.InfoLevel
	}
	var w io.Writer = out
	if c.Format == "console" || (c.Format != "json" && isatty.IsTerminal(out.Fd())) {
		w = zerolog.ConsoleWriter{Out: out, TimeFormat: time.TimeOnly}
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger()
}
