package slash

import "strings"

var usageLines = map[string]string{
	"execute": `/regionswitch execute <plan> <activate|deactivate> <region> [--mode graceful|ungraceful]
                      [--comment "text"] [--dry-run] [--break-glass "reason"]
/regionswitch execute          (no arguments: opens a form)`,
	"status":  `/regionswitch status <executionId>`,
	"control": `/regionswitch cancel|pause|resume <executionId>`,
	"plans":   `/regionswitch plans`,
	"pending": `/regionswitch pending`,
	"audit":   `/regionswitch audit [plan]`,
	"help":    `/regionswitch help`,
}

var allUsage = strings.Join([]string{
	usageLines["execute"],
	usageLines["status"],
	usageLines["control"],
	`/regionswitch plans | pending | audit [plan] | help`,
}, "\n")

// Usage returns the usage line(s) of subcommand cmd (case-insensitive:
// "execute", "status", "cancel", "pause", "resume", "plans", "pending",
// "audit", "help"), or of all subcommands when cmd is "" or unknown. The
// text is plain (not escaped for Slack) and never empty.
func Usage(cmd string) string {
	switch c := strings.ToLower(cmd); c {
	case "cancel", "pause", "resume":
		return usageLines["control"]
	case "execute", "status", "plans", "pending", "audit", "help":
		return usageLines[c]
	}
	return allUsage
}

const examples = "*Examples*\n" +
	"• `/regionswitch execute checkout-prod activate us-west-2 --comment \"INC-123: us-east-1 impaired\"`\n" +
	"• `/regionswitch execute arn:aws:arc-region-switch::123456789012:plan/checkout:abc123 deactivate us-east-1 --mode ungraceful`\n" +
	"• `/regionswitch execute checkout-prod activate us-west-2 --dry-run`   (shows what would run; starts nothing)\n" +
	"• `/regionswitch status 1a2b3c4d`   • `/regionswitch cancel 1a2b3c4d`   • `/regionswitch audit checkout-prod`\n"

const notes = "*Notes*\n" +
	"• `<plan>`: a plan ARN, an alias, or a plan name. `<region>`: a Region code such as `us-west-2`, one of the plan's two Regions.\n" +
	"• `--mode` is graceful unless you say ungraceful. Quote a comment with spaces: `--comment \"text\"`.\n" +
	"• `--break-glass \"reason\"` is for emergencies; the reason is recorded with the request.\n" +
	"• A second person approves every execute, cancel, pause and resume."

// HelpText returns the reply to `help` (and to an empty command): what the
// bot does, the usage of every subcommand, and examples. It is Slack mrkdwn
// with &, < and > already escaped, and fits on one screen.
func HelpText() string {
	return "*/regionswitch* starts and follows AWS ARC Region switch plan executions.\n" +
		"```" + escapeMrkdwn(allUsage) + "```\n" +
		examples +
		escapeMrkdwn(notes)
}
