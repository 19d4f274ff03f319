package testpg

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
)

// runner runs PostgreSQL's programs as a user they accept: the current one,
// or nobody when the tests run as root.
type runner struct {
	asOther  bool
	uid, gid int
}

// runAs picks the user.
func runAs() (runner, error) {
	if os.Geteuid() != 0 {
		return runner{}, nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return runner{asOther: true, uid: 65534, gid: 65534}, nil //nolint:nilerr // nobody's usual ids
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return runner{}, fmt.Errorf("user nobody has ids %q/%q", u.Uid, u.Gid)
	}
	return runner{asOther: true, uid: uid, gid: gid}, nil
}

// own gives path to the runner's user.
func (r runner) own(path string) error {
	if !r.asOther {
		return nil
	}
	if err := os.Chown(path, r.uid, r.gid); err != nil {
		return fmt.Errorf("chown %s to %d: %w", path, r.uid, err)
	}
	return nil
}

// prepare makes cmd run as the runner's user from "/" (nobody has no home
// directory to start in).
func (r runner) prepare(cmd *exec.Cmd) {
	cmd.Dir = "/"
	cmd.SysProcAttr = sysProcAttr(r)
}
