package adminclient

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// reconnectDelay is how long FollowAudit waits before connecting again.
const reconnectDelay = 2 * time.Second

// FollowAudit calls each with every new record f selects (GET
// /v1/audit/stream; f's Limit and Cursor do not apply), in the order
// written, until ctx ends (then it returns nil) or each returns an error.
// A dropped connection is opened again with Last-Event-ID, so no record
// is missed or repeated; an error answer of the API ends it.
func (c *Client) FollowAudit(ctx context.Context, f apitype.AuditFilter, each func(apitype.AuditRecord) error) error {
	f.Limit, f.Cursor = 0, ""
	var last int64
	for {
		err := c.streamAudit(ctx, f, &last, each)
		var apiErr *Error
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.As(err, &apiErr), errors.Is(err, errStop):
			return errors.Unwrap(err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(reconnectDelay):
		}
	}
}

// errStop wraps each's error, which ends FollowAudit.
var errStop = errors.New("stopped")

// streamAudit reads one connection of the stream, keeping *last at the
// id of the last record passed to each.
func (c *Client) streamAudit(ctx context.Context, f apitype.AuditFilter, last *int64, each func(apitype.AuditRecord) error) error {
	req, err := c.newRequest(ctx, http.MethodGet, "/v1/audit/stream"+auditParams(f), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	if *last > 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatInt(*last, 10))
	}
	hc := *c.http
	hc.Timeout = 0 // a stream has no end; ctx ends it
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the admin API at %s: %w", c.baseURL, unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20)) // the error body, if any
		return fmt.Errorf("audit stream: %w", answerError(resp, data))
	}
	return readEvents(resp.Body, func(id, data string) error {
		var r apitype.AuditRecord
		if err := json.Unmarshal([]byte(data), &r); err != nil {
			return fmt.Errorf("audit stream: invalid record %q: %w", data, err)
		}
		if err := each(r); err != nil {
			return fmt.Errorf("%w: %w", errStop, err)
		}
		*last = max(*last, r.ID)
		return nil
	})
}

// readEvents calls audit with each "audit" event's id and data of a
// text/event-stream body, until it ends.
func readEvents(body io.Reader, audit func(id, data string) error) error {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var id, event, data string
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if event == apitype.AuditStreamEvent {
				if err := audit(id, data); err != nil {
					return err
				}
			}
			event, data = "", ""
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			id = value
		case "event":
			event = value
		case "data":
			data += value
		}
	}
	return sc.Err()
}
