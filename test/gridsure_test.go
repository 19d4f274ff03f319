package test

import (
	"strings"
	"testing"

	layeh "layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
	"github.com/pushauth/pushauth/protocol/radius/radclient"
)

// gridAnswer reads the 5×5 grid from a challenge's Reply-Message and
// returns the digits under the PIP's cells.
func gridAnswer(t *testing.T, msg string, pip []int) string {
	t.Helper()
	var cells []string
	for _, line := range strings.Split(msg, "\n") {
		f := strings.Fields(line)
		if len(f) == 5 && len(strings.Join(f, "")) == 5 {
			cells = append(cells, f...)
		}
	}
	if len(cells) != 25 {
		t.Fatalf("no 5×5 grid in %q", msg)
	}
	var b strings.Builder
	for _, c := range pip {
		b.WriteString(cells[c])
	}
	return b.String()
}

func replyMessage(r *radclient.Response) string {
	var parts []string
	for _, v := range r.Attributes {
		if v.Type == rfc2865.ReplyMessage_Type {
			parts = append(parts, string(v.Attribute))
		}
	}
	return strings.Join(parts, "")
}

// S2.7, S3.3: a GridSure user gets a grid with the challenge and answers
// with the digits under the PIP; a wrong answer gets a new grid.
func TestGridSureLogin(t *testing.T) {
	h := StartServer(t, nil)
	h.AddUser("gil", "pw")
	if _, err := h.Admin.ProgramToken(h.ctx(), "gil", apitype.ProgramRequest{Type: "gridsure", PIP: "0,6,12,18"}); err != nil {
		t.Fatal(err)
	}
	pip := []int{0, 6, 12, 18}
	c := h.Client("")
	r := Start(c, "gil", "pw", "", "").Wait(t)
	expectCode(t, r, layeh.CodeAccessChallenge)
	first := gridAnswer(t, replyMessage(r), pip)
	wrong := "0000"
	if first == wrong {
		wrong = "1111"
	}
	r = Start(c, "gil", wrong, rfc2865.State_GetString(r.Packet), "").Wait(t)
	expectCode(t, r, layeh.CodeAccessChallenge)
	answer := gridAnswer(t, replyMessage(r), pip)
	expectCode(t, Start(c, "gil", answer, rfc2865.State_GetString(r.Packet), "").Wait(t), layeh.CodeAccessAccept)
	if rec := h.WaitAudit("gil", 1)[0]; rec.Reason != "gridsure" {
		t.Fatalf("audit %+v", rec)
	}
}

// S2.6: eap agents never get GridSure; a GridSure-only user has no next
// action there and is rejected.
func TestGridSureNeverForEAP(t *testing.T) {
	h := StartServer(t, nil)
	h.AddUser("gus", "pw")
	if _, err := h.Admin.ProgramToken(h.ctx(), "gus", apitype.ProgramRequest{Type: "gridsure", PIP: "1,2,3,4"}); err != nil {
		t.Fatal(err)
	}
	expectCode(t, Start(h.Client("127.0.0.3:0"), "gus", "pw", "", "").Wait(t), layeh.CodeAccessReject)
}
