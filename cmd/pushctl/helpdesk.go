package main

import (
	"strconv"
	"time"

	"github.com/pushauth/pushauth/protocol/adminapi/apitype"
)

func (c *cli) bypassIssue(args []string) error {
	const usage = "bypass issue NAME [--uses N] [--valid DURATION]"
	fs := c.flagSet(usage)
	uses := fs.Int("uses", 1, "")
	valid := fs.Duration("valid", 24*time.Hour, "")
	pos, err := c.parse(fs, args, usage, 1)
	if err != nil {
		return err
	}
	if err := checkUserName(usage, pos[0]); err != nil {
		return err
	}
	if *valid%time.Second != 0 || *valid <= 0 {
		return usagef(usage, "bypass issue: --valid must be whole seconds, e.g. 24h or 30m")
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	code, err := api.IssueBypassCode(c.ctx(), pos[0],
		apitype.BypassCodeRequest{Uses: *uses, ValidSeconds: int(*valid / time.Second)})
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(code)
	}
	return c.printf("bypass code for %s: %s\n(id %d, %d use(s), valid until %s; shown only now: read it to the user)\n",
		code.User, code.Code, code.ID, code.UsesLeft, formatTime(code.ExpiresAt))
}

func (c *cli) bypassList(args []string) error {
	pos, api, err := c.connect(args, "bypass list NAME", 1)
	if err != nil {
		return err
	}
	codes, err := api.BypassCodes(c.ctx(), pos[0])
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(apitype.BypassCodeList{BypassCodes: codes})
	}
	t := c.table("ID", "USES LEFT", "EXPIRES", "CREATED", "BY")
	for _, b := range codes {
		t.row(strconv.FormatInt(b.ID, 10), strconv.Itoa(b.UsesLeft), formatTime(b.ExpiresAt), formatTime(b.CreatedAt), b.CreatedBy)
	}
	return t.flush()
}

func (c *cli) bypassRevoke(args []string) error {
	const usage = "bypass revoke NAME ID"
	pos, api, err := c.connect(args, usage, 2)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(pos[1], 10, 64)
	if err != nil {
		return usagef(usage, "bypass revoke: ID must be a number (see 'pushctl bypass list %s')", pos[0])
	}
	if err := api.RevokeBypassCode(c.ctx(), pos[0], id); err != nil {
		return err
	}
	return c.done("bypass code %d of %s revoked\n", id, pos[0])
}

func (c *cli) adminTokenCreate(args []string) error {
	const usage = "admin-token create --name NAME --role admin|helpdesk|readonly"
	fs := c.flagSet(usage)
	name := fs.String("name", "", "")
	role := fs.String("role", "", "")
	if _, err := c.parse(fs, args, usage, 0); err != nil {
		return err
	}
	if *name == "" || *role == "" {
		return usagef(usage, "admin-token create: --name and --role are required")
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	t, err := api.CreateAdminToken(c.ctx(), *name, *role)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(t)
	}
	return c.printf("admin token %s (role %s):\n%s\n(shown only now: keep it in a file readable only by its user)\n",
		t.Name, t.Role, t.Token)
}

func (c *cli) adminTokenList(args []string) error {
	_, api, err := c.connect(args, "admin-token list", 0)
	if err != nil {
		return err
	}
	tokens, err := api.AdminTokens(c.ctx())
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(apitype.AdminTokenList{AdminTokens: tokens})
	}
	t := c.table("NAME", "ROLE", "CREATED", "BY")
	for _, a := range tokens {
		t.row(a.Name, a.Role, formatTime(a.CreatedAt), a.CreatedBy)
	}
	return t.flush()
}

func (c *cli) adminTokenRevoke(args []string) error {
	pos, api, err := c.connect(args, "admin-token revoke NAME", 1)
	if err != nil {
		return err
	}
	if err := api.RevokeAdminToken(c.ctx(), pos[0]); err != nil {
		return err
	}
	return c.done("admin token %s revoked\n", pos[0])
}
