package slash

import (
	"strings"
	"testing"
)

func TestUsageErrorMessages(t *testing.T) {
	cases := []struct {
		name      string
		err       UsageError
		wantError string
		wantUser  string
	}{
		{
			name:      "with suggestion",
			err:       UsageError{Problem: "`activte` is not an action", Suggestion: "did you mean activate?", Usage: "/regionswitch help"},
			wantError: "slash: `activte` is not an action (did you mean activate?)",
			wantUser:  ":warning: `activte` is not an action. did you mean activate?\n```/regionswitch help```",
		},
		{
			name:      "without suggestion",
			err:       UsageError{Problem: "missing the action: activate or deactivate", Usage: "u"},
			wantError: "slash: missing the action: activate or deactivate",
			wantUser:  ":warning: missing the action: activate or deactivate.\n```u```",
		},
		{
			name:      "question keeps its mark",
			err:       UsageError{Problem: "missing the Region: which Region should be activated?", Usage: "u"},
			wantError: "slash: missing the Region: which Region should be activated?",
			wantUser:  ":warning: missing the Region: which Region should be activated?\n```u```",
		},
		{
			name:      "mrkdwn escaped",
			err:       UsageError{Problem: "`<!channel> & <@U1>` is bad", Suggestion: "try <b>", Usage: "/regionswitch status <executionId>"},
			wantError: "slash: `<!channel> & <@U1>` is bad (try <b>)",
			wantUser:  ":warning: `&lt;!channel&gt; &amp; &lt;@U1&gt;` is bad. try &lt;b&gt;\n```/regionswitch status &lt;executionId&gt;```",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.wantError {
				t.Errorf("Error(): got %q, want %q", got, tc.wantError)
			}
			if got := tc.err.UserMessage(); got != tc.wantUser {
				t.Errorf("UserMessage():\n got %q\nwant %q", got, tc.wantUser)
			}
		})
	}
}

// TestUserMessageNeverPings checks that what a user typed cannot reach
// Slack as a mention or link through the error reply.
func TestUserMessageNeverPings(t *testing.T) {
	inputs := []string{
		"execute <!channel> activate us-west-2",
		"execute &lt;!here&gt; activate us-west-2",
		"<!everyone>",
		"status <@U123>",
		"execute x activate <https://evil.example|click>",
		"execute checkout-prod activate us-west-2 --mode <!channel>",
		"execute checkout-prod activate us-west-2 --comment <!channel> extra",
	}
	for _, in := range inputs {
		t.Run(in, func(t *testing.T) {
			_, err := testParser.Parse(in)
			msg := asUsageError(t, err).UserMessage()
			if strings.ContainsAny(msg, "<>") {
				t.Errorf("UserMessage() for %q: got %q, want no < or >", in, msg)
			}
		})
	}
}

func TestQuoteTok(t *testing.T) {
	cases := []struct{ in, want string }{
		{"abc", "`abc`"},
		{"", "`\"\"`"},
		{"a`b", "`a'b`"},
		{"a\nb", "`a\uFFFDb`"},
		{"&lt;x&gt;", "`<x>`"},
		{strings.Repeat("é", maxEcho+5), "`" + strings.Repeat("é", maxEcho) + "…`"},
		{strings.Repeat("é", maxEcho), "`" + strings.Repeat("é", maxEcho) + "`"},
	}
	for _, tc := range cases {
		if got := quoteTok(tc.in); got != tc.want {
			t.Errorf("quoteTok(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestUsage(t *testing.T) {
	for _, cmd := range subcommands {
		u := Usage(cmd)
		if u == "" {
			t.Errorf("Usage(%q): got empty", cmd)
		}
		if !strings.Contains(u, "/regionswitch") {
			t.Errorf("Usage(%q): got %q, want it to show /regionswitch", cmd, u)
		}
		want := cmd
		if cmd == "cancel" || cmd == "pause" || cmd == "resume" {
			want = "cancel|pause|resume"
		}
		if !strings.Contains(u, want) {
			t.Errorf("Usage(%q): got %q, want it to contain %q", cmd, u, want)
		}
		if strings.ToUpper(cmd) != cmd && Usage(strings.ToUpper(cmd)) != u {
			t.Errorf("Usage(%q): differs from Usage(%q)", strings.ToUpper(cmd), cmd)
		}
	}
	all := Usage("")
	for _, want := range []string{"execute <plan> <activate|deactivate> <region>", "--mode graceful|ungraceful",
		`--comment "text"`, "--dry-run", `--break-glass "reason"`, "status <executionId>",
		"cancel|pause|resume <executionId>", "plans", "pending", "audit [plan]", "help", "opens a form"} {
		if !strings.Contains(all, want) {
			t.Errorf("Usage(\"\"): got %q, want it to contain %q", all, want)
		}
	}
	if got := Usage("bogus"); got != all {
		t.Errorf("Usage(\"bogus\"): got %q, want all usage", got)
	}
}

func TestHelpText(t *testing.T) {
	h := HelpText()
	if lines := strings.Count(h, "\n") + 1; lines > 25 {
		t.Errorf("HelpText(): got %d lines, want at most 25 (one screen)", lines)
	}
	if strings.ContainsAny(h, "<>") {
		t.Errorf("HelpText(): got unescaped < or > in %q", h)
	}
	for _, want := range []string{"execute", "status", "cancel", "pause", "resume", "plans", "pending", "audit", "help",
		"--mode", "--comment", "--dry-run", "--break-glass", "Examples", "us-west-2", "&lt;plan&gt;"} {
		if !strings.Contains(h, want) {
			t.Errorf("HelpText(): want it to contain %q", want)
		}
	}
	// Every example must parse.
	examples := 0
	for _, line := range strings.Split(h, "\n") {
		if !strings.HasPrefix(line, "•") {
			continue
		}
		for _, ex := range strings.Split(line, "`/regionswitch ")[1:] {
			text, _, _ := strings.Cut(ex, "`")
			examples++
			if _, err := testParser.Parse(text); err != nil {
				t.Errorf("example %q in HelpText: got %v, want it to parse", text, err)
			}
		}
	}
	if examples < 4 {
		t.Errorf("HelpText(): got %d examples, want at least 4", examples)
	}
}
