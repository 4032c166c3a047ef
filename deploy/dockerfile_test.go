package deploy

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, USER, ...
	args string
}

// parseDockerfile splits a Dockerfile into instructions. Comments, blank
// lines and parser directives are dropped; lines ending in a backslash are
// joined with the next.
func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []instruction
	var cur strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		if s, ok := strings.CutSuffix(trimmed, "\\"); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(trimmed)
		if f := strings.Fields(cur.String()); len(f) > 0 {
			out = append(out, instruction{strings.ToUpper(f[0]), strings.Join(f[1:], " ")})
		}
		cur.Reset()
	}
	return out
}

// TestDockerfile checks that the image builds ./cmd/bot statically and runs
// it as a non-root user on the port the bot listens on.
func TestDockerfile(t *testing.T) {
	ins := parseDockerfile(t, "Dockerfile")
	last := -1
	for i, in := range ins {
		if in.cmd == "FROM" {
			last = i
		}
	}
	if last < 0 {
		t.Fatal("got no FROM, want a multi-stage build")
	}
	stages := 0
	var build, finalImage, user, expose, entrypoint string
	for i, in := range ins {
		switch {
		case in.cmd == "FROM":
			stages++
			if i == last {
				finalImage = fromImage(in.args)
			}
		case in.cmd == "RUN" && strings.Contains(in.args, "go build"):
			build = in.args
		case i > last && in.cmd == "USER":
			user = in.args
		case i > last && in.cmd == "EXPOSE":
			expose = in.args
		case i > last && in.cmd == "ENTRYPOINT":
			entrypoint = in.args
		}
	}
	uid, _, _ := strings.Cut(user, ":")
	nonRoot := (user != "" && uid != "0" && uid != "root") ||
		(user == "" && strings.HasSuffix(finalImage, ":nonroot"))
	port := listenPort(t)

	for _, tt := range []struct {
		name string
		ok   bool
		got  string
	}{
		{"multi-stage build", stages >= 2, strings.Repeat("FROM ", stages)},
		{"go build of ./cmd/bot", slices.Contains(strings.Fields(build), "./cmd/bot"), build},
		{"static build (CGO_ENABLED=0)", strings.Contains(build, "CGO_ENABLED=0"), build},
		{"final stage runs as non-root", nonRoot, "USER " + user + " on " + finalImage},
		{"final stage exposes LISTEN_ADDR's port " + port, exposes(expose, port), "EXPOSE " + expose},
		{"final stage has an ENTRYPOINT", entrypoint != "", "ENTRYPOINT " + entrypoint},
	} {
		if !tt.ok {
			t.Errorf("%s: got %q", tt.name, tt.got)
		}
	}
}

// fromImage returns the image of a FROM instruction's arguments, skipping
// flags such as --platform.
func fromImage(args string) string {
	for _, f := range strings.Fields(args) {
		if !strings.HasPrefix(f, "--") {
			return f
		}
	}
	return ""
}

// exposes reports whether an EXPOSE instruction's arguments include port
// (as "8080" or "8080/tcp").
func exposes(args, port string) bool {
	for _, f := range strings.Fields(args) {
		if p, _, _ := strings.Cut(f, "/"); p == port {
			return true
		}
	}
	return false
}

// TestDockerignoreKeepsSources checks that the build-context filter next to
// the Dockerfile does not drop what `go build ./cmd/bot` needs.
func TestDockerignoreKeepsSources(t *testing.T) {
	b, err := os.ReadFile("Dockerfile.dockerignore")
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("no Dockerfile.dockerignore")
	}
	if err != nil {
		t.Fatal(err)
	}
	needed := []string{"go.mod", "go.sum", "cmd/bot/main.go", "session/session.go"}
	for _, line := range strings.Split(string(b), "\n") {
		pattern := strings.TrimSpace(line)
		if pattern == "" || strings.HasPrefix(pattern, "#") || strings.HasPrefix(pattern, "!") {
			continue
		}
		for _, path := range needed {
			if ignores(pattern, path) {
				t.Errorf("pattern %q: excludes %s, which the build needs", pattern, path)
			}
		}
	}
}

// ignores reports whether a .dockerignore pattern excludes path. It knows the
// forms used here: a plain path or glob (matching the path or one of its
// parent directories) and a "**/" prefix (matching at any depth).
func ignores(pattern, path string) bool {
	pattern = strings.Trim(pattern, "/")
	if rest, ok := strings.CutPrefix(pattern, "**/"); ok {
		parts := strings.Split(path, "/")
		for i := range parts {
			if ignores(rest, strings.Join(parts[i:], "/")) {
				return true
			}
		}
		return false
	}
	for p := path; p != "." && p != ""; p = filepath.Dir(p) {
		if ok, _ := filepath.Match(pattern, p); ok {
			return true
		}
	}
	return false
}
