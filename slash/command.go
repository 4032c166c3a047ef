package slash

import "strconv"

// Command is a parsed /regionswitch command. Parse returns one of the value
// types Help, ExecuteForm, Execute, Status, Control, Plans, Pending or Audit
// (never a pointer), so callers switch on those types.
type Command interface {
	// Name is the subcommand as the user types it: "execute", "status",
	// "cancel", "pause", "resume", "plans", "pending", "audit" or "help".
	Name() string
}

// Help asks for the help text (also the result of an empty command).
type Help struct{}

// Name returns "help".
func (Help) Name() string { return "help" }

// ExecuteForm is `execute` with no arguments: the bot opens a modal that
// asks for the plan, action and Region.
type ExecuteForm struct{}

// Name returns "execute".
func (ExecuteForm) Name() string { return "execute" }

// Execute asks for a plan execution. Parse guarantees that Action and Mode
// are one of their constants, that Region satisfies ValidRegionCode, that
// Plan is resolved as described on PlanRef, and that Comment and BreakGlass
// are at most MaxCommentLen characters with no control characters.
type Execute struct {
	Plan   PlanRef
	Action Action
	// Region is the Region code to activate or deactivate, lower case.
	// Parse checks only its form; whether it is one of the plan's two
	// Regions is for the bot to check.
	Region string
	// Mode is ModeGraceful unless the user said otherwise.
	Mode Mode
	// Comment is the user's text exactly as meant: quotes removed, Slack's
	// &amp; &lt; &gt; turned back into & < >, surrounding space trimmed.
	// It is raw user text: escape it before putting it in Slack mrkdwn.
	Comment string
	// DryRun asks the bot to show what it would do and start nothing.
	DryRun bool
	// BreakGlass is the reason given with --break-glass, treated like
	// Comment; empty means the request is not break-glass.
	BreakGlass string
}

// Name returns "execute".
func (Execute) Name() string { return "execute" }

// Status asks for the state of a plan execution.
type Status struct {
	// ExecutionID is 1-128 characters of [A-Za-z0-9_.:/-].
	ExecutionID string
}

// Name returns "status".
func (Status) Name() string { return "status" }

// ControlOp is what Control does to a running execution.
type ControlOp string

// The control operations; each needs a second person, like execute.
const (
	ControlCancel ControlOp = "cancel"
	ControlPause  ControlOp = "pause"
	ControlResume ControlOp = "resume"
)

// Control asks to cancel, pause or resume a plan execution.
type Control struct {
	Op ControlOp
	// ExecutionID is 1-128 characters of [A-Za-z0-9_.:/-].
	ExecutionID string
}

// Name returns the operation: "cancel", "pause" or "resume".
func (c Control) Name() string { return string(c.Op) }

// Plans asks for the list of plans the bot knows.
type Plans struct{}

// Name returns "plans".
func (Plans) Name() string { return "plans" }

// Pending asks for the requests that wait for approval.
type Pending struct{}

// Name returns "pending".
func (Pending) Name() string { return "pending" }

// Audit asks for the audit trail, of one plan or of all.
type Audit struct {
	// Plan is the plan token as typed (an ARN, alias or plan name that
	// passed the same checks as execute's), or empty for all plans.
	Plan string
	// Ref is Plan resolved as execute resolves it (aliases to their ARN).
	Ref PlanRef
}

// Name returns "audit".
func (Audit) Name() string { return "audit" }

// PlanKind says how the user named a plan. The zero value is not a kind:
// Parse always sets one.
type PlanKind int

// The ways to name a plan.
const (
	PlanByARN   PlanKind = iota + 1 // a full plan ARN
	PlanByAlias                     // a name from PLAN_ALIASES
	PlanByName                      // a plan name, to be looked up in the Region
)

// String returns "arn", "alias", "name" or "PlanKind(n)".
func (k PlanKind) String() string {
	switch k {
	case PlanByARN:
		return "arn"
	case PlanByAlias:
		return "alias"
	case PlanByName:
		return "name"
	}
	return "PlanKind(" + strconv.Itoa(int(k)) + ")"
}

// PlanRef is the plan a command names.
type PlanRef struct {
	// Raw is the token as the user typed it (quotes removed).
	Raw  string
	Kind PlanKind
	// ARN is set for PlanByARN and PlanByAlias (the alias's ARN).
	ARN string
	// Name is the plan name: for PlanByName the token, for PlanByARN and
	// PlanByAlias the name part of the ARN (empty if an alias's ARN is not
	// a valid plan ARN).
	Name string
}

// Action is what an execution does to its target Region.
type Action string

// The actions.
const (
	ActionActivate   Action = "activate"
	ActionDeactivate Action = "deactivate"
)

// Mode is how an execution runs.
type Mode string

// The modes; ModeGraceful is the default.
const (
	ModeGraceful   Mode = "graceful"
	ModeUngraceful Mode = "ungraceful"
)
