package slash_test

import (
	"fmt"

	"github.com/regionswitch-bot/regionswitch-bot/slash"
)

func ExampleParser_Parse() {
	p := slash.Parser{Aliases: map[string]string{
		"checkout-prod": "arn:aws:arc-region-switch::123456789012:plan/checkout:abc123",
	}}
	cmd, err := p.Parse(`execute checkout-prod activate US-WEST-2 —mode ungraceful --comment “INC-123: us-east-1 impaired”`)
	if err != nil {
		panic(err)
	}
	switch c := cmd.(type) {
	case slash.Execute:
		fmt.Println(c.Plan.Kind, c.Plan.ARN)
		fmt.Println(c.Action, c.Region, c.Mode)
		fmt.Printf("%q\n", c.Comment)
	}
	// Output:
	// alias arn:aws:arc-region-switch::123456789012:plan/checkout:abc123
	// activate us-west-2 ungraceful
	// "INC-123: us-east-1 impaired"
}

func ExampleUsageError_UserMessage() {
	_, err := slash.Parser{}.Parse("execute checkout-prod activte us-west-2")
	if ue, ok := err.(*slash.UsageError); ok {
		fmt.Println(ue.UserMessage())
	}
	// Output:
	// :warning: `activte` is not an action. did you mean activate?
	// ```/regionswitch execute &lt;plan&gt; &lt;activate|deactivate&gt; &lt;region&gt; [--mode graceful|ungraceful]
	//                       [--comment "text"] [--dry-run] [--break-glass "reason"]
	// /regionswitch execute          (no arguments: opens a form)```
}
