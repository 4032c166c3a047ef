package deploy

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/url"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// configVar is one field of the bot's envconfig struct.
type configVar struct {
	required   bool
	def        string
	hasDefault bool
}

var (
	configOnce sync.Once
	configMemo map[string]configVar
	configErr  error
)

// configVars returns the environment variables the bot reads, from the
// envconfig tags of the non-test Go files in cmd/bot (config.go), keyed by
// variable name. The list is read from the code, never written down here.
func configVars(t *testing.T) map[string]configVar {
	t.Helper()
	configOnce.Do(func() { configMemo, configErr = parseConfigVars(botDir) })
	if configErr != nil {
		t.Fatal(configErr)
	}
	return configMemo
}

func parseConfigVars(dir string) (map[string]configVar, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	vars := map[string]configVar{}
	var errs []string
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			field, ok := n.(*ast.Field)
			if !ok || field.Tag == nil {
				return true
			}
			raw, err := strconv.Unquote(field.Tag.Value)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: tag %s: %v", fset.Position(field.Pos()), field.Tag.Value, err))
				return true
			}
			tag := reflect.StructTag(raw)
			name, ok := tag.Lookup("envconfig")
			if !ok || name == "" || name == "-" || isTrue(tag.Get("ignored")) {
				return true
			}
			if _, dup := vars[name]; dup {
				errs = append(errs, fmt.Sprintf("%s: envconfig:%q is defined twice", fset.Position(field.Pos()), name))
			}
			def, hasDef := tag.Lookup("default")
			vars[name] = configVar{required: isTrue(tag.Get("required")), def: def, hasDefault: hasDef}
			return true
		})
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	if len(vars) == 0 {
		return nil, fmt.Errorf("%s: found no envconfig tags in %d Go files, want the bot's config struct", dir, len(files))
	}
	return vars, nil
}

// isTrue reads a boolean struct tag value the way envconfig does.
func isTrue(s string) bool {
	b, _ := strconv.ParseBool(s)
	return b
}

// TestConfigVarsParsed guards the other tests: they are only as good as the
// variable list read from config.go.
func TestConfigVarsParsed(t *testing.T) {
	vars := configVars(t)
	for _, name := range []string{"SLACK_BOT_TOKEN", "LISTEN_ADDR"} {
		if _, ok := vars[name]; !ok {
			t.Errorf("envconfig tags in %s: got no %s, want it (names: %v)", botDir, name, sortedKeys(vars))
		}
	}
	if !vars["SLACK_BOT_TOKEN"].required {
		t.Errorf("SLACK_BOT_TOKEN: got required=false, want true")
	}
}

// arcPkg is the AWS SDK package of ARC Region switch.
const arcPkg = "github.com/aws/aws-sdk-go-v2/service/arcregionswitch"

// walkCode parses every non-test Go file of the bot and calls fn with it. It
// skips deploy/, testdata, vendor, hidden directories and test fakes
// (directories named fake*), which are not part of the running bot.
func walkCode(t *testing.T, fn func(fset *token.FileSet, f *ast.File)) {
	t.Helper()
	fset := token.NewFileSet()
	err := filepath.WalkDir(moduleRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != moduleRoot && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") ||
				name == "testdata" || name == "vendor" || name == "deploy" || strings.HasPrefix(name, "fake")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		fn(fset, f)
		return nil
	})
	if err != nil {
		t.Fatalf("scanning the module's Go files: %v", err)
	}
}

// sdkOperations returns the ARC Region switch operations the module's
// non-test code refers to, found as references to the SDK's <Operation>Input
// types (every call, paginator and consumer-side interface needs one), with
// one source position each.
func sdkOperations(t *testing.T) map[string]string {
	t.Helper()
	ops := map[string]string{}
	walkCode(t, func(fset *token.FileSet, f *ast.File) {
		local := ""
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == arcPkg {
				local = "arcregionswitch"
				if imp.Name != nil {
					local = imp.Name.Name
				}
			}
		}
		if local == "" || local == "_" {
			return
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == local {
				if op, ok := strings.CutSuffix(sel.Sel.Name, "Input"); ok && op != "" {
					if _, seen := ops[op]; !seen {
						ops[op] = fset.Position(sel.Pos()).String()
					}
				}
			}
			return true
		})
	})
	return ops
}

// routePattern matches a net/http ServeMux pattern with a method.
var routePattern = regexp.MustCompile(`^(GET|HEAD|POST|PUT|PATCH|DELETE) (/\S*)$`)

// routes returns the "METHOD /path" patterns in the module's non-test code
// (string literals such as mux.HandleFunc("GET /readyz", ...)), with one
// source position each.
func routes(t *testing.T) map[string]string {
	t.Helper()
	found := map[string]string{}
	walkCode(t, func(fset *token.FileSet, f *ast.File) {
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			if s, err := strconv.Unquote(lit.Value); err == nil && routePattern.MatchString(s) {
				if _, seen := found[s]; !seen {
					found[s] = fset.Position(lit.Pos()).String()
				}
			}
			return true
		})
	})
	return found
}

// TestRoutesServed checks the paths the manifests send traffic to against
// the routes the code registers: the Slack request URLs, the probes and the
// metrics path.
func TestRoutesServed(t *testing.T) {
	served := routes(t)
	if len(served) == 0 {
		t.Skip("no METHOD /path route in the module's code yet")
	}
	m := loadManifests(t)
	c := m.container()
	var slack struct {
		Features struct {
			SlashCommands []struct {
				URL string `yaml:"url"`
			} `yaml:"slash_commands"`
		} `yaml:"features"`
		Settings struct {
			Interactivity struct {
				RequestURL string `yaml:"request_url"`
			} `yaml:"interactivity"`
		} `yaml:"settings"`
	}
	decodeYAML(t, "slack-app-manifest.yaml", &slack)
	path := func(raw string) string {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		return u.Path
	}
	probePath := func(p *probe) string {
		if p == nil || p.HTTPGet == nil {
			return ""
		}
		return p.HTTPGet.Path
	}

	tests := []struct {
		what  string
		route string
	}{
		{"slack-app-manifest.yaml interactivity request_url", "POST " + path(slack.Settings.Interactivity.RequestURL)},
		{"deployment.yaml readinessProbe", "GET " + probePath(c.ReadinessProbe)},
		{"deployment.yaml livenessProbe", "GET " + probePath(c.LivenessProbe)},
	}
	for _, sc := range slack.Features.SlashCommands {
		tests = append(tests, struct{ what, route string }{"slack-app-manifest.yaml slash command url", "POST " + path(sc.URL)})
	}
	if p, ok := m.deployment.Spec.Template.Metadata.Annotations["prometheus.io/path"]; ok {
		tests = append(tests, struct{ what, route string }{"deployment.yaml prometheus.io/path", "GET " + p})
	}
	for _, tt := range tests {
		if _, ok := served[tt.route]; !ok {
			t.Errorf("%s: %q is not a route of the code; routes: %v", tt.what, tt.route, sortedKeys(served))
		}
	}
}
