package deploy

import (
	"errors"
	"io"
	"io/fs"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Paths, relative to this package's directory (go test runs tests there).
const (
	moduleRoot = ".."
	botDir     = "../cmd/bot" // the envconfig struct lives here
	k8sDir     = "kubernetes"
)

// Paths the bot serves (DESIGN.md, "HTTP endpoints").
const (
	readyzPath       = "/readyz"
	healthzPath      = "/healthz"
	commandsPath     = "/slack/commands"
	interactionsPath = "/slack/interactions"
	slashCommand     = "/regionswitch"
)

// TestFilesParse parses every YAML (all documents of a multi-document file)
// and JSON file under deploy/, so that a typo fails here and not at apply time.
func TestFilesParse(t *testing.T) {
	var n int
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".yaml", ".yml":
			n++
			t.Run(path, func(t *testing.T) {
				if docs := yamlDocs(t, path); len(docs) == 0 {
					t.Errorf("%s: got no YAML document, want at least one", path)
				}
			})
		case ".json":
			n++
			t.Run(path, func(t *testing.T) {
				var v any
				if err := decodeJSON(path, &v); err != nil {
					t.Error(err)
				}
			})
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking deploy/: %v", err)
	}
	if n == 0 {
		t.Fatal("found no .yaml, .yml or .json file under deploy/")
	}
}

// yamlDocs reads every document of a YAML file. Each document is also
// decoded into a generic value, which catches what a yaml.Node alone lets
// through (duplicate mapping keys).
func yamlDocs(t *testing.T, path string) []*yaml.Node {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	var docs []*yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: document %d: %v", path, len(docs)+1, err)
		}
		var v any
		if err := doc.Decode(&v); err != nil {
			t.Fatalf("%s: document %d: %v", path, len(docs)+1, err)
		}
		docs = append(docs, &doc)
	}
}

// decodeYAML decodes the single document of a YAML file into out.
func decodeYAML(t *testing.T, path string, out any) {
	t.Helper()
	docs := yamlDocs(t, path)
	if len(docs) != 1 {
		t.Fatalf("%s: got %d YAML documents, want 1", path, len(docs))
	}
	if err := docs[0].Decode(out); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// listenPort is the port of LISTEN_ADDR's default in config.go.
func listenPort(t *testing.T) string {
	t.Helper()
	v, ok := configVars(t)["LISTEN_ADDR"]
	if !ok || !v.hasDefault {
		t.Fatalf("%s: no envconfig field LISTEN_ADDR with a default tag", botDir)
	}
	_, port, err := net.SplitHostPort(v.def)
	if err != nil {
		t.Fatalf("LISTEN_ADDR default %q: %v", v.def, err)
	}
	return port
}

// TestSlackManifest checks the Slack app manifest against the bot's routes
// and command.
func TestSlackManifest(t *testing.T) {
	var m struct {
		Metadata struct {
			MajorVersion int `yaml:"major_version"`
		} `yaml:"_metadata"`
		Features struct {
			BotUser struct {
				DisplayName string `yaml:"display_name"`
			} `yaml:"bot_user"`
			SlashCommands []struct {
				Command      string `yaml:"command"`
				URL          string `yaml:"url"`
				UsageHint    string `yaml:"usage_hint"`
				ShouldEscape *bool  `yaml:"should_escape"`
			} `yaml:"slash_commands"`
		} `yaml:"features"`
		OAuthConfig struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Settings struct {
			Interactivity struct {
				IsEnabled  bool   `yaml:"is_enabled"`
				RequestURL string `yaml:"request_url"`
			} `yaml:"interactivity"`
		} `yaml:"settings"`
	}
	decodeYAML(t, "slack-app-manifest.yaml", &m)

	if got := len(m.Features.SlashCommands); got != 1 {
		t.Fatalf("slash_commands: got %d, want 1", got)
	}
	cmd := m.Features.SlashCommands[0]
	cmdURL := parseHTTPS(t, "slash command url", cmd.URL)
	intURL := parseHTTPS(t, "interactivity request_url", m.Settings.Interactivity.RequestURL)

	tests := []struct {
		name      string
		got, want any
	}{
		{"_metadata.major_version", m.Metadata.MajorVersion, 1},
		{"bot_user.display_name set", m.Features.BotUser.DisplayName != "", true},
		{"slash command", cmd.Command, slashCommand},
		{"slash command url path", cmdURL.Path, commandsPath},
		{"slash command usage_hint starts with execute", strings.HasPrefix(cmd.UsageHint, "execute "), true},
		{"slash command should_escape", cmd.ShouldEscape != nil && !*cmd.ShouldEscape, true},
		{"interactivity is_enabled", m.Settings.Interactivity.IsEnabled, true},
		{"interactivity request_url path", intURL.Path, interactionsPath},
		{"interactivity host equals slash command host", intURL.Host, cmdURL.Host},
	}
	for _, scope := range []string{"commands", "chat:write", "chat:write.public", "usergroups:read", "users:read"} {
		tests = append(tests, struct {
			name      string
			got, want any
		}{"bot scope " + scope, slices.Contains(m.OAuthConfig.Scopes.Bot, scope), true})
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

// parseHTTPS parses an https URL, failing the test if it is not one.
func parseHTTPS(t *testing.T, what, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("%s %q: %v", what, raw, err)
	}
	if u.Scheme != "https" || u.Host == "" {
		t.Fatalf("%s %q: got scheme %q host %q, want an https URL (Slack requires HTTPS)", what, raw, u.Scheme, u.Host)
	}
	return u
}

// sortedKeys returns m's keys in order, for stable messages.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
