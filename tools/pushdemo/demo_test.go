package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// The whole demo runs against the in-process server and tells the four
// stories with the expected outcomes (a few seconds: story c waits for
// NOTIFICATIONTIMEOUT).
func TestDemoTellsFourStories(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo waits for a 3-second notification timeout")
	}
	var out, errs bytes.Buffer
	if code := run(nil, &out, &errs); code != 0 {
		t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errs.String())
	}
	transcript := out.String()
	stories := "4"
	if _, err := exec.LookPath("eapol_test"); err == nil {
		stories = "5"
		for _, want := range []string{"Story e.", "(eap)", "MPPE keys OK: 1  mismatch: 0"} {
			if !strings.Contains(transcript, want) {
				t.Errorf("transcript lacks %q", want)
			}
		}
	}
	if !strings.Contains(transcript, "demo finished: "+stories+" stories, all as expected") {
		t.Errorf("transcript lacks the end of %s stories", stories)
	}
	for _, want := range []string{
		"Story a.", "Story b.", "Story c.", "Story d.",
		"phone → approve",
		"NAS ← Access-Accept",
		`NAS ← Access-Reject "The sign-in was denied`,
		`NAS ← Access-Challenge "No answer from your device.`,
		`answer="push"`,
		`NAS ← Access-Challenge "Enter your passcode."`,
	} {
		if !strings.Contains(transcript, want) {
			t.Errorf("transcript lacks %q", want)
		}
	}
	if n := strings.Count(transcript, "NAS ← Access-Accept"); n != 3 {
		t.Errorf("%d Access-Accepts, want 3 (stories a, c, d)", n)
	}
	for _, secret := range []string{userPassword, user2Pass} {
		if strings.Contains(transcript, secret) {
			t.Errorf("a password reached the transcript")
		}
	}
	if t.Failed() {
		t.Logf("transcript:\n%s", transcript)
	}
}

func TestBadFlagIsUsageError(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run([]string{"-nope"}, &out, &errs); code != 2 {
		t.Fatalf("exit code %d, want 2", code)
	}
}

func TestStoryCountMatchesStories(t *testing.T) {
	if n := len((&demo{}).stories()); n != storyCount || n != len(wantOutcomes) {
		t.Fatalf("%d stories, storyCount %d, %d audit outcomes", n, storyCount, len(wantOutcomes))
	}
}
