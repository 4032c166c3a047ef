package deploy

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The parts of the Kubernetes objects the tests read.
type (
	objectMeta struct {
		Name        string            `yaml:"name"`
		Namespace   string            `yaml:"namespace"`
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
	}
	header struct {
		APIVersion string     `yaml:"apiVersion"`
		Kind       string     `yaml:"kind"`
		Metadata   objectMeta `yaml:"metadata"`
	}
	configMap struct {
		header `yaml:",inline"`
		Data   map[string]string `yaml:"data"`
	}
	secret struct {
		header     `yaml:",inline"`
		Data       map[string]string `yaml:"data"`
		StringData map[string]string `yaml:"stringData"`
	}
	labelSelector struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	}
	deployment struct {
		header `yaml:",inline"`
		Spec   struct {
			Replicas *int          `yaml:"replicas"`
			Selector labelSelector `yaml:"selector"`
			Template struct {
				Metadata objectMeta `yaml:"metadata"`
				Spec     podSpec    `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	podSpec struct {
		ServiceAccountName            string          `yaml:"serviceAccountName"`
		TerminationGracePeriodSeconds *int            `yaml:"terminationGracePeriodSeconds"`
		SecurityContext               securityContext `yaml:"securityContext"`
		Containers                    []container     `yaml:"containers"`
	}
	securityContext struct {
		RunAsNonRoot             *bool  `yaml:"runAsNonRoot"`
		RunAsUser                *int64 `yaml:"runAsUser"`
		AllowPrivilegeEscalation *bool  `yaml:"allowPrivilegeEscalation"`
		ReadOnlyRootFilesystem   *bool  `yaml:"readOnlyRootFilesystem"`
		Capabilities             struct {
			Drop []string `yaml:"drop"`
		} `yaml:"capabilities"`
		SeccompProfile struct {
			Type string `yaml:"type"`
		} `yaml:"seccompProfile"`
	}
	container struct {
		Name  string `yaml:"name"`
		Ports []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
		} `yaml:"ports"`
		Env             []envVar        `yaml:"env"`
		EnvFrom         []envFromSource `yaml:"envFrom"`
		ReadinessProbe  *probe          `yaml:"readinessProbe"`
		LivenessProbe   *probe          `yaml:"livenessProbe"`
		SecurityContext securityContext `yaml:"securityContext"`
	}
	envVar struct {
		Name      string  `yaml:"name"`
		Value     *string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef    *keyRef `yaml:"secretKeyRef"`
			ConfigMapKeyRef *keyRef `yaml:"configMapKeyRef"`
		} `yaml:"valueFrom"`
	}
	keyRef struct {
		Name     string `yaml:"name"`
		Key      string `yaml:"key"`
		Optional bool   `yaml:"optional"`
	}
	envFromSource struct {
		Prefix       string     `yaml:"prefix"`
		ConfigMapRef *sourceRef `yaml:"configMapRef"`
		SecretRef    *sourceRef `yaml:"secretRef"`
	}
	sourceRef struct {
		Name     string `yaml:"name"`
		Optional bool   `yaml:"optional"`
	}
	probe struct {
		HTTPGet *struct {
			Path string `yaml:"path"`
			Port string `yaml:"port"` // a number or a port name
		} `yaml:"httpGet"`
	}
	service struct {
		header `yaml:",inline"`
		Spec   struct {
			Type     string            `yaml:"type"`
			Selector map[string]string `yaml:"selector"`
			Ports    []struct {
				Name       string `yaml:"name"`
				Port       int    `yaml:"port"`
				TargetPort string `yaml:"targetPort"`
			} `yaml:"ports"`
		} `yaml:"spec"`
	}
	podDisruptionBudget struct {
		header `yaml:",inline"`
		Spec   struct {
			MinAvailable string        `yaml:"minAvailable"`
			Selector     labelSelector `yaml:"selector"`
		} `yaml:"spec"`
	}
	kustomization struct {
		Kind      string   `yaml:"kind"`
		Resources []string `yaml:"resources"`
	}
)

// manifests holds the decoded Kubernetes files.
type manifests struct {
	deployment deployment
	configMap  configMap
	secret     secret
	service    service
	pdb        podDisruptionBudget
	sa         header
}

func loadManifests(t *testing.T) manifests {
	t.Helper()
	var m manifests
	for _, f := range []struct {
		file, kind string
		out        any
		hdr        *header
	}{
		{"deployment.yaml", "Deployment", &m.deployment, &m.deployment.header},
		{"configmap.yaml", "ConfigMap", &m.configMap, &m.configMap.header},
		{"secret.example.yaml", "Secret", &m.secret, &m.secret.header},
		{"service.yaml", "Service", &m.service, &m.service.header},
		{"pdb.yaml", "PodDisruptionBudget", &m.pdb, &m.pdb.header},
		{"serviceaccount.yaml", "ServiceAccount", &m.sa, &m.sa},
	} {
		decodeYAML(t, filepath.Join(k8sDir, f.file), f.out)
		if f.hdr.Kind != f.kind {
			t.Fatalf("%s: got kind %q, want %q", f.file, f.hdr.Kind, f.kind)
		}
	}
	if n := len(m.deployment.Spec.Template.Spec.Containers); n != 1 {
		t.Fatalf("deployment.yaml: got %d containers, want 1", n)
	}
	return m
}

func (m manifests) container() container { return m.deployment.Spec.Template.Spec.Containers[0] }

// envSource says where the Deployment takes one variable from.
type envSource struct {
	from     string
	optional bool
}

// deploymentEnv returns the variables the bot's container gets, with their
// source, resolving envFrom against configmap.yaml and secret.example.yaml.
// References to objects or keys those files lack are reported as errors.
func deploymentEnv(t *testing.T, m manifests) map[string]envSource {
	t.Helper()
	secretKeys := map[string]bool{}
	for k := range m.secret.Data {
		secretKeys[k] = true
	}
	for k := range m.secret.StringData {
		secretKeys[k] = true
	}
	c := m.container()
	env := map[string]envSource{}
	for _, src := range c.EnvFrom {
		switch {
		case src.ConfigMapRef != nil:
			if src.ConfigMapRef.Name != m.configMap.Metadata.Name {
				t.Errorf("envFrom configMapRef: got %q, want %q (configmap.yaml)", src.ConfigMapRef.Name, m.configMap.Metadata.Name)
			}
			for k := range m.configMap.Data {
				env[src.Prefix+k] = envSource{"ConfigMap " + src.ConfigMapRef.Name, src.ConfigMapRef.Optional}
			}
		case src.SecretRef != nil:
			if src.SecretRef.Name != m.secret.Metadata.Name {
				t.Errorf("envFrom secretRef: got %q, want %q (secret.example.yaml)", src.SecretRef.Name, m.secret.Metadata.Name)
			}
			for k := range secretKeys {
				env[src.Prefix+k] = envSource{"Secret " + src.SecretRef.Name, src.SecretRef.Optional}
			}
		default:
			t.Errorf("envFrom entry with neither configMapRef nor secretRef")
		}
	}
	for _, e := range c.Env {
		switch {
		case e.Value != nil:
			env[e.Name] = envSource{"value", false}
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			r := e.ValueFrom.SecretKeyRef
			if r.Name != m.secret.Metadata.Name {
				t.Errorf("env %s: secretKeyRef name: got %q, want %q (secret.example.yaml)", e.Name, r.Name, m.secret.Metadata.Name)
			}
			if !r.Optional && !secretKeys[r.Key] {
				t.Errorf("env %s: secretKeyRef key %q: not in secret.example.yaml (keys %v)", e.Name, r.Key, sortedKeys(secretKeys))
			}
			env[e.Name] = envSource{"Secret " + r.Name, r.Optional}
		case e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil:
			r := e.ValueFrom.ConfigMapKeyRef
			if r.Name != m.configMap.Metadata.Name {
				t.Errorf("env %s: configMapKeyRef name: got %q, want %q (configmap.yaml)", e.Name, r.Name, m.configMap.Metadata.Name)
			}
			if _, ok := m.configMap.Data[r.Key]; !ok && !r.Optional {
				t.Errorf("env %s: configMapKeyRef key %q: not in configmap.yaml", e.Name, r.Key)
			}
			env[e.Name] = envSource{"ConfigMap " + r.Name, r.Optional}
		default:
			// fieldRef and the like: provided by Kubernetes itself.
			env[e.Name] = envSource{"valueFrom", false}
		}
	}
	return env
}

// TestEnvNamesKnown checks that every variable the manifests set is one the
// bot reads (an envconfig tag in config.go) or one of the AWS SDK's (AWS_*):
// a misspelt name would otherwise be ignored silently.
func TestEnvNamesKnown(t *testing.T) {
	m := loadManifests(t)
	vars := configVars(t)
	sources := map[string][]string{
		"deployment.yaml":     sortedKeys(deploymentEnv(t, m)),
		"configmap.yaml":      sortedKeys(m.configMap.Data),
		"secret.example.yaml": append(sortedKeys(m.secret.Data), sortedKeys(m.secret.StringData)...),
	}
	for file, names := range sources {
		t.Run(file, func(t *testing.T) {
			if len(names) == 0 {
				t.Fatalf("got no variables, want some")
			}
			for _, name := range names {
				if _, ok := vars[name]; !ok && !strings.HasPrefix(name, "AWS_") {
					t.Errorf("%s: neither an envconfig tag in %s nor an AWS SDK variable (AWS_*); known: %v", name, botDir, sortedKeys(vars))
				}
			}
		})
	}
}

// TestRequiredVarsProvided checks that the Deployment gives the bot every
// variable config.go marks required:"true", from a source that cannot be
// absent, and REDIS_URL whenever it runs more than one replica.
func TestRequiredVarsProvided(t *testing.T) {
	m := loadManifests(t)
	env := deploymentEnv(t, m)
	var required []string
	for name, v := range configVars(t) {
		if v.required {
			required = append(required, name)
		}
	}
	if r := m.deployment.Spec.Replicas; r == nil || *r > 1 {
		// The embedded store is for a single replica only (DESIGN.md).
		required = append(required, "REDIS_URL")
	}
	slices.Sort(required)
	for _, name := range slices.Compact(required) {
		src, ok := env[name]
		switch {
		case !ok:
			t.Errorf("%s: not provided by deployment.yaml, want it (required)", name)
		case src.optional:
			t.Errorf("%s: provided by optional %s, want a non-optional source (required)", name, src.from)
		}
	}
}

// TestPortsAndProbes checks the container port against LISTEN_ADDR's
// default in config.go, and what points at it: probes, Service, annotations.
func TestPortsAndProbes(t *testing.T) {
	m := loadManifests(t)
	want := listenPort(t)
	c := m.container()

	if addr, ok := m.configMap.Data["LISTEN_ADDR"]; ok {
		if _, port, err := net.SplitHostPort(addr); err != nil || port != want {
			t.Errorf("configmap.yaml LISTEN_ADDR %q: got port %q (%v), want %s", addr, port, err, want)
		}
	}
	ports := map[string]string{} // name -> number
	for _, p := range c.Ports {
		ports[p.Name] = strconv.Itoa(p.ContainerPort)
	}
	if got := ports["http"]; got != want {
		t.Errorf("container port http: got %q, want %s (LISTEN_ADDR default)", got, want)
	}
	resolve := func(port string) string {
		if n, ok := ports[port]; ok {
			return n
		}
		return port
	}

	for _, tt := range []struct {
		name     string
		probe    *probe
		wantPath string
	}{
		{"readinessProbe", c.ReadinessProbe, readyzPath},
		{"livenessProbe", c.LivenessProbe, healthzPath},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.probe == nil || tt.probe.HTTPGet == nil {
				t.Fatalf("got no httpGet probe, want GET %s", tt.wantPath)
			}
			if got := tt.probe.HTTPGet.Path; got != tt.wantPath {
				t.Errorf("path: got %q, want %q", got, tt.wantPath)
			}
			if got := resolve(tt.probe.HTTPGet.Port); got != want {
				t.Errorf("port %q: got %s, want %s", tt.probe.HTTPGet.Port, got, want)
			}
		})
	}

	if n := len(m.service.Spec.Ports); n != 1 {
		t.Fatalf("service.yaml: got %d ports, want 1", n)
	}
	sp := m.service.Spec.Ports[0]
	if sp.Port != 80 || resolve(sp.TargetPort) != want {
		t.Errorf("service.yaml port: got %d -> %q (%s), want 80 -> http (%s)", sp.Port, sp.TargetPort, resolve(sp.TargetPort), want)
	}
	if got, ok := m.deployment.Spec.Template.Metadata.Annotations["prometheus.io/port"]; ok && got != want {
		t.Errorf("prometheus.io/port annotation: got %q, want %s", got, want)
	}
}

// TestPodHardening checks the pod's security settings: the image is
// distroless and the bot needs no privilege at all.
func TestPodHardening(t *testing.T) {
	m := loadManifests(t)
	pod := m.deployment.Spec.Template.Spec
	c := m.container().SecurityContext
	isTrue := func(b *bool) bool { return b != nil && *b }
	isFalse := func(b *bool) bool { return b != nil && !*b }

	psc := pod.SecurityContext
	for _, tt := range []struct {
		name string
		ok   bool
		got  string
	}{
		{"runAsNonRoot (pod or container) is true", isTrue(psc.RunAsNonRoot) || isTrue(c.RunAsNonRoot), show(psc.RunAsNonRoot) + "/" + show(c.RunAsNonRoot)},
		{"runAsUser (pod and container) is not 0", (psc.RunAsUser == nil || *psc.RunAsUser != 0) && (c.RunAsUser == nil || *c.RunAsUser != 0), show(psc.RunAsUser) + "/" + show(c.RunAsUser)},
		{"allowPrivilegeEscalation is false", isFalse(c.AllowPrivilegeEscalation), show(c.AllowPrivilegeEscalation)},
		{"readOnlyRootFilesystem is true", isTrue(c.ReadOnlyRootFilesystem), show(c.ReadOnlyRootFilesystem)},
		{"capabilities.drop has ALL", slices.Contains(c.Capabilities.Drop, "ALL"), fmt.Sprint(c.Capabilities.Drop)},
		{"seccompProfile (pod or container) is RuntimeDefault", psc.SeccompProfile.Type == "RuntimeDefault" || c.SeccompProfile.Type == "RuntimeDefault", psc.SeccompProfile.Type + "/" + c.SeccompProfile.Type},
		{"terminationGracePeriodSeconds is 30", pod.TerminationGracePeriodSeconds != nil && *pod.TerminationGracePeriodSeconds == 30, show(pod.TerminationGracePeriodSeconds)},
		{"serviceAccountName is serviceaccount.yaml's", pod.ServiceAccountName == m.sa.Metadata.Name, pod.ServiceAccountName},
		{"ServiceAccount has an IRSA role annotation", strings.HasPrefix(m.sa.Metadata.Annotations["eks.amazonaws.com/role-arn"], "arn:aws:iam::"), fmt.Sprint(m.sa.Metadata.Annotations)},
	} {
		if !tt.ok {
			t.Errorf("%s: got %s", tt.name, tt.got)
		}
	}
}

// show prints an optional manifest field.
func show[T any](p *T) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}

// TestSelectorsMatchPods checks that the Deployment, the Service and the
// PodDisruptionBudget all select the Deployment's pods.
func TestSelectorsMatchPods(t *testing.T) {
	m := loadManifests(t)
	pods := m.deployment.Spec.Template.Metadata.Labels
	for _, tt := range []struct {
		name     string
		selector map[string]string
	}{
		{"deployment.yaml selector", m.deployment.Spec.Selector.MatchLabels},
		{"service.yaml selector", m.service.Spec.Selector},
		{"pdb.yaml selector", m.pdb.Spec.Selector.MatchLabels},
	} {
		if len(tt.selector) == 0 {
			t.Errorf("%s: got none, want labels of the pod template", tt.name)
		}
		for k, v := range tt.selector {
			if pods[k] != v {
				t.Errorf("%s %s=%s: pod template has %s=%q", tt.name, k, v, k, pods[k])
			}
		}
	}
	replicas := 1
	if r := m.deployment.Spec.Replicas; r != nil {
		replicas = *r
	}
	if n, err := strconv.Atoi(m.pdb.Spec.MinAvailable); err != nil || n < 1 || n >= replicas {
		t.Errorf("pdb.yaml minAvailable: got %q with %d replicas, want at least 1 and fewer than the replicas", m.pdb.Spec.MinAvailable, replicas)
	}
}

// TestKustomization checks that kustomization.yaml lists every manifest but
// the secret example, and that no manifest pins a namespace.
func TestKustomization(t *testing.T) {
	var k kustomization
	decodeYAML(t, filepath.Join(k8sDir, "kustomization.yaml"), &k)
	entries, err := os.ReadDir(k8sDir)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || (filepath.Ext(name) != ".yaml" && filepath.Ext(name) != ".yml") {
			continue
		}
		var h header
		decodeYAML(t, filepath.Join(k8sDir, name), &h)
		if h.Metadata.Namespace != "" {
			t.Errorf("%s: got namespace %q, want none (namespace-agnostic)", name, h.Metadata.Namespace)
		}
		if name == "kustomization.yaml" || name == "secret.example.yaml" {
			continue
		}
		want = append(want, name)
	}
	got := slices.Clone(k.Resources)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("kustomization.yaml resources: got %v, want %v", got, want)
	}
}
