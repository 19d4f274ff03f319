package test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/protocol/deviceapi/deviceclient"
	"github.com/pushauth/pushauth/push"
)

// docs/device-api.md §7 and the server agree: every status and code the
// document lists for POST /v1/answers is produced by the running server in
// a real scenario, and the server produces no code the document does not
// list. (503 unavailable needs an actor system that does not answer: it is
// driven in protocol/deviceapi's TestAnswerOutcomes with a failing one.)
func TestDeviceAPIAnswerCodesMatchDocs(t *testing.T) {
	documented := answerCodesFromDocs(t)
	got := map[string]bool{}
	record := func(err error) {
		t.Helper()
		var ae *deviceclient.APIError
		if !errors.As(err, &ae) {
			t.Fatalf("want an API error, got %v", err)
		}
		got[fmt.Sprintf("%d %s", ae.Status, ae.Code)] = true
	}
	h := StartServer(t, timeout(1))
	h.AddUser("jo", "pw")
	h.AddUser("kai", "pw")
	phone, other := h.Phone("jo"), h.Phone("kai")
	c := h.Client("")

	for _, body := range []string{`{`, `{"device_id":"d"}`,
		`{"device_id":"d","login_id":"l","nonce":"n","decision":"maybe","signature":"s"}`} {
		record(rawAnswer(t, h, body))
	}
	login := Start(c, "jo", "pw", "", "")
	p := NextPush(t, phone)
	forger, err := deviceclient.FromState(forgedState(t, phone.State()))
	if err != nil {
		t.Fatal(err)
	}
	record(forger.Answer(h.ctx(), p, push.Approve))
	stranger := phone.State()
	stranger.DeviceID = "dev_unknown"
	ghost, err := deviceclient.FromState(stranger)
	if err != nil {
		t.Fatal(err)
	}
	record(ghost.Answer(h.ctx(), p, push.Approve))
	record(other.Answer(h.ctx(), p, push.Approve))
	neverSent := p
	neverSent.Nonce = "00000000000000000000000000000000"
	record(phone.Answer(h.ctx(), neverSent, push.Approve))
	noLogin := p
	noLogin.LoginID = "00000000000000000000000000000000"
	record(phone.Answer(h.ctx(), noLogin, push.Approve))

	r := login.Wait(t) // NOTIFICATIONTIMEOUT: challenged
	record(phone.Answer(h.ctx(), p, push.Approve))
	again := Start(c, "jo", "push", rfc2865.State_GetString(r.Packet), "")
	p2 := NextPush(t, phone, p.Nonce)
	if err := phone.Answer(h.ctx(), p2, push.Approve); err != nil {
		t.Fatal(err)
	}
	again.Wait(t)
	record(phone.Answer(h.ctx(), p2, push.Approve)) // the login is over: 409 all the same

	numberUser(t, h, "nm") // number matching (S10.3)
	nmPhone := h.Phone("nm")
	Start(c, "nm", "pw-nm", "", "").Wait(t) // the challenge that shows the number
	np := NextPush(t, nmPhone)
	record(nmPhone.Answer(h.ctx(), np, push.Approve))
	record(nmPhone.Pick(h.ctx(), np, 100))

	for code := range documented {
		if !got[code] && code != "503 unavailable" {
			t.Errorf("documented %q never produced", code)
		}
	}
	for code := range got {
		if !documented[code] {
			t.Errorf("server answered %q, which docs/device-api.md §7 does not list", code)
		}
	}
}

// rawAnswer posts a hand-written body to /v1/answers.
func rawAnswer(t *testing.T, h *Harness, body string) error {
	t.Helper()
	resp, err := http.Post(h.DeviceURL+"/v1/answers", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var e struct {
		Code  string `json:"code"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(raw, &e); err != nil || e.Code == "" {
		t.Fatalf("status %d, body %s: not a JSON error", resp.StatusCode, raw)
	}
	return &deviceclient.APIError{Status: resp.StatusCode, Code: e.Code, Message: e.Error}
}

// answerCodesFromDocs reads the status/code table of §7 of the device API
// document: rows like "| 404 | `unknown_login` | ... |".
func answerCodesFromDocs(t *testing.T) map[string]bool {
	t.Helper()
	f, err := os.Open("../docs/device-api.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	row := regexp.MustCompile("^\\| (\\d{3}) \\| (.*?) \\|")
	code := regexp.MustCompile("`([a-z_]+)`")
	codes := map[string]bool{}
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") {
			in = strings.HasPrefix(line, "## 7. POST /v1/answers")
			continue
		}
		m := row.FindStringSubmatch(line)
		if !in || m == nil {
			continue
		}
		for _, c := range code.FindAllStringSubmatch(m[2], -1) {
			codes[m[1]+" "+c[1]] = true
		}
	}
	if len(codes) < 8 {
		t.Fatalf("read only %d codes from §7: has the table moved?", len(codes))
	}
	return codes
}
