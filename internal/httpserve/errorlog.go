package httpserve

import (
	"log"
	"strings"

	"github.com/rs/zerolog"
)

// ErrorLog returns a *log.Logger for http.Server.ErrorLog that writes each
// message as one zerolog line ("http: Accept error …", "http: TLS handshake
// error …"): warn level, error level for a handler panic.
func ErrorLog(l zerolog.Logger) *log.Logger {
	return log.New(logWriter{log: l}, "", 0)
}

// logWriter turns each Write (one message of a log.Logger) into one event.
type logWriter struct{ log zerolog.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	msg := strings.TrimRight(string(p), "\n")
	ev := w.log.Warn()
	if strings.Contains(msg, "panic serving") {
		ev = w.log.Error()
	}
	ev.Str("source", "net/http").Msg(msg)
	return len(p), nil
}
