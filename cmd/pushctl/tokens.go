package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

// qrPNGSize is the side of a --qr-png image in pixels.
const qrPNGSize = 320

func (c *cli) tokenProgram(args []string) error {
	const usage = "token program NAME --type oath|softtoken|gridsure [--algorithm totp|hotp] [--pip 0,6,12,18] [--serial S] [--qr-png FILE]"
	fs := c.flagSet(usage)
	var req apitype.ProgramRequest
	fs.StringVar(&req.Type, "type", "", "")
	fs.StringVar(&req.Algorithm, "algorithm", "", "")
	fs.StringVar(&req.PIP, "pip", "", "")
	fs.StringVar(&req.Serial, "serial", "", "")
	qrPNG := fs.String("qr-png", "", "")
	pos, err := c.parse(fs, args, usage, 1)
	if err != nil {
		return err
	}
	if req.Type == "" {
		return usagef(usage, "token program: --type is required (oath, softtoken or gridsure)")
	}
	if err := checkUserName(usage, pos[0]); err != nil {
		return err
	}
	if *qrPNG != "" && strings.EqualFold(req.Type, apitype.TypeGridSure) {
		return usagef(usage, "token program: a gridsure token has no QR code (drop --qr-png)")
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	res, err := api.ProgramToken(c.ctx(), pos[0], req)
	if err != nil {
		return err
	}
	return c.showProgrammed(res, *qrPNG)
}

// tokenLinkOneLogin links a user to OneLogin Protect (SPEC S4.2).
func (c *cli) tokenLinkOneLogin(args []string) error {
	const usage = "token link-onelogin NAME --onelogin-user ID [--device ID] [--serial S]"
	fs := c.flagSet(usage)
	req := apitype.ProgramRequest{Type: apitype.TypeOneLogin}
	fs.StringVar(&req.OneLoginUser, "onelogin-user", "", "")
	fs.StringVar(&req.OneLoginDevice, "device", "", "")
	fs.StringVar(&req.Serial, "serial", "", "")
	pos, err := c.parse(fs, args, usage, 1)
	if err != nil {
		return err
	}
	if req.OneLoginUser == "" {
		return usagef(usage, "token link-onelogin: --onelogin-user is required")
	}
	if err := checkUserName(usage, pos[0]); err != nil {
		return err
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	res, err := api.ProgramToken(c.ctx(), pos[0], req)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(res)
	}
	return c.printf("linked %s to OneLogin user %s as token %s\n", res.User, req.OneLoginUser, res.Serial)
}

func (c *cli) tokenActivate(args []string) error {
	const usage = "token activate SERIAL [--qr-png FILE]"
	fs := c.flagSet(usage)
	qrPNG := fs.String("qr-png", "", "")
	pos, err := c.parse(fs, args, usage, 1)
	if err != nil {
		return err
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	res, err := api.NewActivation(c.ctx(), pos[0])
	if err != nil {
		return err
	}
	return c.showProgrammed(res, *qrPNG)
}

// showProgrammed prints a programming result, the one time its secret is
// shown, and writes its QR code (the otpauth URI, else the activation URL or
// code) to pngPath if set. The result is printed first, so that a failing
// PNG write cannot lose the secret.
func (c *cli) showProgrammed(res *apitype.ProgramResult, pngPath string) error {
	qrText := firstNonEmpty(res.OTPAuthURI, res.ActivationURL, res.ActivationCode)
	if err := c.printProgrammed(res, qrText); err != nil {
		return err
	}
	if pngPath == "" || qrText == "" {
		return nil
	}
	if err := writeQRPNG(pngPath, qrText); err != nil {
		return err
	}
	return c.done("QR code written to %s\n", pngPath)
}

func (c *cli) printProgrammed(res *apitype.ProgramResult, qrText string) error {
	if c.json {
		return c.printJSON(res)
	}
	if err := c.describeToken(res); err != nil || qrText == "" {
		return err
	}
	q, err := qrcode.New(qrText, qrcode.Medium)
	if err != nil {
		return fmt.Errorf("make QR code: %w", err)
	}
	return c.printf("\n%s", q.ToSmallString(false))
}

func (c *cli) describeToken(res *apitype.ProgramResult) error {
	owner := ""
	if res.User != "" {
		owner = " for " + res.User
	}
	switch {
	case res.OTPAuthURI != "":
		return c.printf("programmed %s token %s%s (%s)\nshown only now, import it into the authenticator app:\n%s\n",
			res.Type, res.Serial, owner, otpSummary(res), res.OTPAuthURI)
	case res.ActivationCode != "":
		expires := "-"
		if res.ActivationExpiresAt != nil {
			expires = formatTime(*res.ActivationExpiresAt) + " (in " + time.Until(*res.ActivationExpiresAt).Round(time.Second).String() + ")"
		}
		return c.printf("soft token %s%s: activate it once on the phone, code shown only now\n"+
			"activation code: %s\nactivation URL:  %s\nexpires:         %s\n",
			res.Serial, owner, res.ActivationCode, orDash(res.ActivationURL), expires)
	}
	return c.printf("programmed %s token %s%s\n", res.Type, res.Serial, owner)
}

func otpSummary(res *apitype.ProgramResult) string {
	s := fmt.Sprintf("%s, %d digits", res.Algorithm, res.Digits)
	if res.Period > 0 {
		s += fmt.Sprintf(", %d s", res.Period)
	}
	return s
}

// writeQRPNG writes text's QR code as a PNG readable only by its owner (it
// holds a secret).
func writeQRPNG(path, text string) error {
	png, err := qrcode.Encode(text, qrcode.Medium, qrPNGSize)
	if err != nil {
		return fmt.Errorf("make QR code: %w", err)
	}
	if err := os.WriteFile(path, png, 0o600); err != nil {
		return fmt.Errorf("write QR code: %w", err)
	}
	return nil
}

// tokenList sends the name as given, even one checkUserName refuses, so the
// tokens of a user stored before the rules can be listed (and deleted).
func (c *cli) tokenList(args []string) error {
	pos, api, err := c.connect(args, "token list NAME", 1)
	if err != nil {
		return err
	}
	tokens, err := api.Tokens(c.ctx(), pos[0])
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"tokens": tokens})
	}
	t := c.table("SERIAL", "TYPE", "ALGORITHM", "PUSH", "DEVICE", "PUSH KIND", "PUSH DISABLED", "ACTIVATED", "LAST SEEN", "CREATED")
	for _, tok := range tokens {
		device, kind, disabled, activated, seen := "", "", "", "", ""
		if d := tok.Device; d != nil {
			device = strings.TrimSpace(d.Platform + " " + d.OSVersion)
			kind, disabled, activated, seen = d.PushKind, d.PushDisabled, formatTime(d.ActivatedAt), lastSeen(d.LastSeen)
		}
		t.row(tok.Serial, tok.Type, tok.Algorithm, onOff(tok.PushOn), device, kind, disabled, activated, seen, formatTime(tok.CreatedAt))
	}
	return t.flush()
}

// lastSeen is a device's last seen, or "never".
func lastSeen(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return formatTime(t)
}

func (c *cli) tokenDelete(args []string) error {
	pos, api, err := c.connect(args, "token delete SERIAL", 1)
	if err != nil {
		return err
	}
	if err := api.DeleteToken(c.ctx(), pos[0]); err != nil {
		return err
	}
	return c.done("deleted token %s\n", pos[0])
}
