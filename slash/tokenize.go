package slash

import (
	"strings"
	"unicode"
)

// token is one word of the command text, quotes removed.
type token struct {
	text string
	// quoted: the token starts with a quote, so it is never a flag
	// (`--comment "--mode x"` and `"-abc"` are values, not flags).
	quoted bool
	// hasQuotes: some part of the token was quoted (`--comment=""`).
	hasQuotes bool
}

// isDoubleQuote reports whether r is a straight or typographic double quote.
// Slack clients replace straight quotes with curly ones, and not always as
// an opening/closing pair (”text” and “text“ happen), so any of them opens
// and any of them closes.
func isDoubleQuote(r rune) bool {
	switch r {
	case '"', '“', '”', '„', '‟':
		return true
	}
	return false
}

// isSingleQuote reports whether r is a straight or typographic single quote.
func isSingleQuote(r rune) bool {
	switch r {
	case '\'', '‘', '’', '‚', '‛':
		return true
	}
	return false
}

// isSpace reports whether r separates words: Unicode white space (which
// includes the no-break spaces U+00A0, U+2007 and U+202F) and the invisible
// zero-width spaces that pasted text carries.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200B' || r == '\u2060' || r == '\uFEFF'
}

// tokenize splits command text into words, shell style:
//
//   - words are separated by white space (see isSpace);
//   - "double quotes" (straight or curly) group words; inside them a
//     backslash escapes a double quote or a backslash, and is kept before
//     anything else;
//   - 'single quotes' (straight or curly) group words with no escapes; so
//     that apostrophes work (don’t, it's), a single quote opens only at the
//     start of a word, after '=' or right after a closing quote, and closes
//     only before white space or the end of the text;
//   - outside quotes a backslash escapes a quote, a backslash or a space.
//
// A quote left open is a UsageError that names the quote.
func tokenize(s string) ([]token, *UsageError) {
	rs := []rune(s)
	var (
		toks  []token
		cur   strings.Builder
		tok   token
		inTok bool
		quote rune // the rune that opened the current quote, or 0
		open  int  // index in rs of that rune
		last  rune // last rune written to cur outside quotes, or 0
		// closed: a quote has just closed, so a single quote opens again
		// ("a"'b' is ab, as in a shell).
		closed bool
	)
	emit := func() {
		tok.text = cur.String()
		toks = append(toks, tok)
		cur.Reset()
		tok, inTok, last, closed = token{}, false, 0, false
	}
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote != 0 && isDoubleQuote(quote):
			switch {
			case r == '\\' && i+1 < len(rs) && (isDoubleQuote(rs[i+1]) || rs[i+1] == '\\'):
				i++
				cur.WriteRune(rs[i])
			case isDoubleQuote(r):
				quote, closed = 0, true
			default:
				cur.WriteRune(r)
			}
		case quote != 0:
			if isSingleQuote(r) && (i+1 == len(rs) || isSpace(rs[i+1])) {
				quote, closed = 0, true
			} else {
				cur.WriteRune(r)
			}
		case isSpace(r):
			if inTok {
				emit()
			}
		case r == '\\' && i+1 < len(rs) && (isDoubleQuote(rs[i+1]) || isSingleQuote(rs[i+1]) || rs[i+1] == '\\' || isSpace(rs[i+1])):
			i++
			cur.WriteRune(rs[i])
			inTok, last, closed = true, rs[i], false
		case isDoubleQuote(r) || isSingleQuote(r) && (!inTok || closed || last == '='):
			if !inTok {
				tok.quoted = true
			}
			tok.hasQuotes, inTok = true, true
			quote, open = r, i
		default:
			cur.WriteRune(r)
			inTok, last, closed = true, r, false
		}
	}
	if quote != 0 {
		return nil, unterminated(rs, open)
	}
	if inTok {
		emit()
	}
	return toks, nil
}

// unterminated describes the quote at rs[open] that is never closed.
func unterminated(rs []rune, open int) *UsageError {
	q := string(rs[open])
	rest := strings.TrimLeftFunc(string(rs[open+1:]), isSpace)
	where := "at the end"
	if rest != "" {
		where = "before " + quoteTok(rest)
	}
	suggestion := "close it with a matching quote"
	if isSingleQuote(rs[open]) {
		suggestion = "close it with a quote followed by a space, or use double quotes"
	}
	return usageError("", "unterminated quote: the "+q+" "+where+" is never closed", suggestion)
}
