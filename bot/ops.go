package bot

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/regionswitch-bot/regionswitch-bot/render"
	"github.com/regionswitch-bot/regionswitch-bot/session"
	"github.com/regionswitch-bot/regionswitch-bot/slash"
)

// auditLimit is how many audit entries /regionswitch audit shows.
const auditLimit = 20

// pending tells the user about every open request (pending, approved,
// executing), with links to their approval messages.
func (b *Bot) pending(ctx context.Context, log *slog.Logger, to asker) {
	open, err := b.store.Open(ctx)
	if err != nil {
		log.Error("listing open requests", "err", err)
		b.tell(ctx, log, to, storeDown)
		return
	}
	if len(open) == 0 {
		b.tell(ctx, log, to, ":white_check_mark: No open Region switch requests.")
		return
	}
	sort.Slice(open, func(i, j int) bool { return open[i].CreatedAt.Before(open[j].CreatedAt) })
	var sb strings.Builder
	fmt.Fprintf(&sb, "*%d open request(s)*", len(open))
	for _, r := range open {
		fmt.Fprintf(&sb, "\n• `%s` %s: *%s* %s `%s` (%s) by %s, %d of %d approvals, expires %s %s",
			r.ID, r.Status, render.Escape(r.PlanName), r.Action, r.TargetRegion, r.Mode, render.Mention(r.RequesterID),
			len(r.Approvers), max(r.ApprovalsRequired, 1), r.ExpiresAt.UTC().Format("15:04 UTC"), render.MessageLink(r.ChannelID, r.MessageTS))
	}
	b.tell(ctx, log, to, sb.String())
}

// audit tells the user the latest audit entries, for one plan (ARN, alias
// or name) or all.
func (b *Bot) audit(ctx context.Context, log *slog.Logger, to asker, c slash.Audit) {
	plan := c.Plan
	if c.Ref.ARN != "" {
		plan = c.Ref.ARN
	}
	entries, err := b.store.Audit(ctx, plan, auditLimit)
	if err != nil {
		log.Error("reading the audit trail", "err", err)
		b.tell(ctx, log, to, storeDown)
		return
	}
	if len(entries) == 0 {
		b.tell(ctx, log, to, ":information_source: The audit trail has no entries"+forPlan(plan)+".")
		return
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "*Audit trail%s* (newest first, %d shown)", forPlan(plan), len(entries))
	for _, e := range entries {
		fmt.Fprintf(&sb, "\n• %s `%s` *%s* by %s: %s %s `%s`", e.At.UTC().Format("2006-01-02 15:04:05Z"), e.RequestID, e.Event,
			render.Mention(e.Actor), render.Escape(e.PlanName), e.Action, e.Region)
		if e.ExecutionID != "" {
			fmt.Fprintf(&sb, " execution `%s`", e.ExecutionID)
		}
		if e.ErrorCode != "" {
			fmt.Fprintf(&sb, " `%s`", e.ErrorCode)
		}
		if e.BreakGlass {
			sb.WriteString(" :rotating_light: break-glass")
		}
		if e.Reason != "" {
			sb.WriteString(" — " + render.Escape(render.Truncate(e.Reason, 120)))
		}
	}
	b.tell(ctx, log, to, sb.String())
}

func forPlan(plan string) string {
	if plan == "" {
		return ""
	}
	return " for " + render.Escape(plan)
}

// plans tells the user the plans the bot knows: its aliases, and the plans
// the default Region's data plane lists.
func (b *Bot) plans(ctx context.Context, log *slog.Logger, to asker) {
	var sb strings.Builder
	sb.WriteString("*Region switch plans*")
	aliases := make([]string, 0, len(b.cfg.Aliases))
	for a := range b.cfg.Aliases {
		aliases = append(aliases, a)
	}
	sort.Strings(aliases)
	for _, a := range aliases {
		fmt.Fprintf(&sb, "\n• alias `%s` → `%s`", a, b.cfg.Aliases[a])
	}
	plans, err := b.arc.ListKnownPlans(ctx)
	if err != nil {
		code, msg := session.Describe(err)
		fmt.Fprintf(&sb, "\n:warning: No Region could list plans: `%s` %s", code, render.Escape(msg))
	}
	for _, p := range plans {
		fmt.Fprintf(&sb, "\n• *%s* (%s) version `%s`, from %s", render.Escape(p.Name), strings.Join(p.Regions, ", "), p.Version, answeredBy(p))
		if p.ActiveExecution != "" {
			fmt.Fprintf(&sb, " — execution `%s` in progress", p.ActiveExecution)
		}
	}
	b.tell(ctx, log, to, sb.String())
}

// answeredBy says where plan data came from, with its age when cached.
func answeredBy(p session.Plan) string {
	if p.AnsweredBy == session.AnsweredByCache {
		return fmt.Sprintf("the bot's cache (%s old)", p.Age.Round(time.Second))
	}
	return p.AnsweredBy
}
