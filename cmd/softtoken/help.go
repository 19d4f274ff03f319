package main

import (
	"strings"

	"github.com/pushauth/pushauth/internal/cli"
)

// command is softtoken's help.
func command() cli.Command {
	return cli.Command{
		Name:    "softtoken",
		Summary: "a phone running the pushauth soft token, simulated in a terminal",
		Usage: []string{
			"activate URL [--platform android|ios] [--os-version V] [--push-kind poll|apns|fcm]\n" +
				"                     [--push-token T] [--state FILE] [--force]",
			"code [--state FILE]",
			"watch --answer approve|deny|ignore|ask [--count N] [--wait D] [--state FILE]",
			"help | --version",
		},
		About: `softtoken does what the phone app does, through the public device API
(docs/device-api.md): it activates a soft token from the activation URL an
operator got from "pushctl token program NAME --type softtoken", shows the
token's one-time passcodes, and watches for pushes, checks the server's
signature on each, shows who is logging in from where, and approves or
denies. Run "softtoken COMMAND -h" for a command's flags.`,
		Sections: []cli.Section{
			{Title: "Commands", Items: []cli.Item{
				{Term: "activate", Text: subcommandSummary("activate")},
				{Term: "code", Text: subcommandSummary("code")},
				{Term: "watch", Text: subcommandSummary("watch")},
			}},
			{Title: "Files", Items: []cli.Item{
				{Term: defaultState, Text: "the device's state: private key, OTP seed, the server's public key\n(mode 0600; --state chooses another file)"},
			}},
			{Title: "Exit status", Items: []cli.Item{
				{Term: "0", Text: "done"},
				{Term: "1", Text: "the command failed (one line on stderr)"},
				{Term: "2", Text: "wrong command line"},
			}},
		},
	}
}

// subcommandSummary says in one line what a subcommand does.
func subcommandSummary(name string) string {
	switch name {
	case "activate":
		return "activate the soft token of an activation URL and save the device state"
	case "code":
		return "print the current one-time passcode"
	case "watch":
		return "long-poll for pushes and answer each (ask: prompt y/n on the terminal, or the number to pick under number matching;\n" +
			"a prompt whose push expires or whose login ends is dropped, and what was typed for it is not taken as the next one's answer)"
	}
	return ""
}

// subcommandUsage is the synopsis of a subcommand, from softtoken's help.
func subcommandUsage(name string) []string {
	for _, u := range command().Usage {
		if strings.HasPrefix(u, name+" ") {
			return []string{u}
		}
	}
	return []string{name}
}
