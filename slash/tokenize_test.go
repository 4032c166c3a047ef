package slash

import (
	"reflect"
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	w := func(s string) token { return token{text: s} }                                // plain word
	q := func(s string) token { return token{text: s, quoted: true, hasQuotes: true} } // quoted word
	cases := []struct {
		name string
		in   string
		want []token
	}{
		{"empty", "", nil},
		{"blank", " \t\n\u00a0", nil},
		{"words", "a bb  ccc", []token{w("a"), w("bb"), w("ccc")}},
		{"no-break spaces", "a\u00a0b\u202fc\u2007d", []token{w("a"), w("b"), w("c"), w("d")}},
		{"zero-width spaces", "a\u200bb\ufeffc\u2060d", []token{w("a"), w("b"), w("c"), w("d")}},
		{"ideographic space", "a\u3000b", []token{w("a"), w("b")}},
		{"double quotes", `a "b c" d`, []token{w("a"), q("b c"), w("d")}},
		{"curly double", `“b c”`, []token{q("b c")}},
		{"curly double reversed", `”b c“`, []token{q("b c")}},
		{"low double", `„b c“`, []token{q("b c")}},
		{"single", `'b c'`, []token{q("b c")}},
		{"curly single", `‘b c’`, []token{q("b c")}},
		{"empty quotes", `"" ''`, []token{q(""), q("")}},
		{"quoted after equals", `--x="a b"`, []token{{text: "--x=a b", hasQuotes: true}}},
		{"single after equals", `--x='a b'`, []token{{text: "--x=a b", hasQuotes: true}}},
		{"double in the middle of a word", `ab"c d"e`, []token{{text: "abc de", hasQuotes: true}}},
		{"apostrophe in a word", `don't it’s`, []token{w("don't"), w("it’s")}},
		{"apostrophe in single quotes", `'it's' x`, []token{q("it's"), w("x")}},
		{"escaped double in double", `"a \"b\" c"`, []token{q(`a "b" c`)}},
		{"escaped curly in double", `"a \”b\“ c"`, []token{q(`a ”b“ c`)}},
		{"escaped backslash", `"a\\"`, []token{q(`a\`)}},
		{"other backslash kept", `"a\nb"`, []token{q(`a\nb`)}},
		{"no escapes in single", `'a\'`, []token{q(`a\`)}},
		{"escaped quote outside", `a\"b`, []token{w(`a"b`)}},
		{"escaped space outside", `a\ b`, []token{w(`a b`)}},
		{"lone backslash", `a\`, []token{w(`a\`)}},
		{"single inside double", `"a 'b' c"`, []token{q("a 'b' c")}},
		{"double inside single", `'a "b" c'`, []token{q(`a "b" c`)}},
		{"newline in quotes kept", "\"a\nb\"", []token{q("a\nb")}},
		{"adjacent quoted parts", `"a"'b'`, []token{q("ab")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tokenize(tc.in)
			if err != nil {
				t.Fatalf("tokenize(%q): got error %v, want %#v", tc.in, err, tc.want)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("tokenize(%q):\n got %#v\nwant %#v", tc.in, got, tc.want)
			}
		})
	}
}

func TestTokenizeUnterminated(t *testing.T) {
	cases := []struct{ in, quote string }{
		{`"abc`, `"`},
		{`“abc`, "“"},
		{`'abc`, "'"},
		{`‘abc`, "‘"},
		{`a "b" "c`, `"`},
		{`"a\"`, `"`},
		{`'a'b`, "'"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			_, err := tokenize(tc.in)
			if err == nil {
				t.Fatalf("tokenize(%q): got no error, want unterminated quote", tc.in)
			}
			if want := "the " + tc.quote + " "; !strings.Contains(err.Problem, want) {
				t.Errorf("tokenize(%q): got problem %q, want it to name the quote (%q)", tc.in, err.Problem, want)
			}
		})
	}
}

func TestSplitFlag(t *testing.T) {
	cases := []struct {
		in        token
		name      string
		value     string
		hasValue  bool
		isFlagTok bool
	}{
		{token{text: "--mode"}, "mode", "", false, true},
		{token{text: "--Mode=X=Y"}, "mode", "X=Y", true, true},
		{token{text: "-h"}, "h", "", false, true},
		{token{text: "—dry-run"}, "dry-run", "", false, true},
		{token{text: "–break–glass"}, "break-glass", "", false, true},
		{token{text: "−−mode"}, "mode", "", false, true}, // U+2212 minus signs
		{token{text: "--mode", quoted: true, hasQuotes: true}, "", "", false, false},
		{token{text: "--"}, "", "", false, false},
		{token{text: "—"}, "", "", false, false},
		{token{text: "-5"}, "", "", false, false},
		{token{text: "--=x"}, "", "", false, false},
		{token{text: "mode"}, "", "", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.in.text, func(t *testing.T) {
			name, _, value, hasValue, ok := splitFlag(tc.in)
			if name != tc.name || value != tc.value || hasValue != tc.hasValue || ok != tc.isFlagTok {
				t.Errorf("splitFlag(%+v): got (%q, %q, %v, %v), want (%q, %q, %v, %v)",
					tc.in, name, value, hasValue, ok, tc.name, tc.value, tc.hasValue, tc.isFlagTok)
			}
		})
	}
}
