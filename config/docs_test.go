package config

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/rawbytes"
	"github.com/knadh/koanf/v2"
)

// everySection opens every section and list the decoder descends into, so
// that it reports the keys of each. A new nested section needs a line here.
const everySection = `
radius: {clients: [{}], tls: {}}
admin_api: {}
device_api: {}
log: {}
passwords: {}
directory: {ldap: {groups: [{}]}}
providers: {apns: {}, fcm: {}, onelogin: {}}
metrics: {}
cluster: {enabled: true, etcd: {}, tls: {}}
store: {}
eap: {}
console: {operators: [{}]}
`

// undocumentedKeys are keys the decoder accepts that example.yaml leaves
// out on purpose, each with the reason.
var undocumentedKeys = map[string]string{}

// acceptedKeys is every key the decoder accepts, as a dotted path with
// list items as their list's path ("radius.clients.name").
func acceptedKeys(t *testing.T) []string {
	t.Helper()
	k := koanf.New(".")
	if err := k.Load(rawbytes.Provider([]byte(everySection)), yaml.Parser()); err != nil {
		t.Fatal(err)
	}
	listIndex := regexp.MustCompile(`\[\d+\]`)
	var keys []string
	d := &decoder{knownKeys: func(path string, known []string) {
		for _, key := range known {
			keys = append(keys, join(listIndex.ReplaceAllString(path, ""), key))
		}
	}}
	d.config(k.Raw())
	slices.Sort(keys)
	return slices.Compact(keys)
}

// exampleKeys is every key written in example.yaml, commented out or not,
// as acceptedKeys spells them. A line's key is the first word followed by
// a colon, after one "#" and one space are taken off a commented line;
// its parent is the nearest key above it that is indented less. Keys of a
// flow mapping ({dn: ..., policy: ...}) belong to the line's key.
func exampleKeys(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`^(\s*)(?:#\s?)?(\s*)(?:#\s?)?(\s*)(- )?([A-Za-z_][A-Za-z0-9_]*):(?:\s|$)(.*)`)
	flowItem := regexp.MustCompile(`^(\s*)(?:#\s?)?(\s*)- (\{.*)`)
	flowKey := regexp.MustCompile(`[{,]\s*([A-Za-z_][A-Za-z0-9_]*):`)
	type level struct {
		indent int
		path   string
	}
	var stack []level
	keys := map[string]bool{}
	for _, text := range strings.Split(string(b), "\n") {
		if m := flowItem.FindStringSubmatch(text); m != nil { // - {dn: ..., policy: ...}
			indent := len(m[1]) + len(m[2])
			for len(stack) > 0 && stack[len(stack)-1].indent >= indent {
				stack = stack[:len(stack)-1]
			}
			if len(stack) > 0 {
				for _, f := range flowKey.FindAllStringSubmatch(m[3], -1) {
					keys[stack[len(stack)-1].path+"."+f[1]] = true
				}
			}
			continue
		}
		m := line.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		indent := len(m[1]) + len(m[2]) + len(m[3]) + len(m[4])
		for len(stack) > 0 && stack[len(stack)-1].indent >= indent {
			stack = stack[:len(stack)-1]
		}
		path := m[5]
		if len(stack) > 0 {
			path = stack[len(stack)-1].path + "." + m[5]
		}
		keys[path] = true
		for _, f := range flowKey.FindAllStringSubmatch(m[6], -1) {
			keys[path+"."+f[1]] = true
		}
		stack = append(stack, level{indent, path})
	}
	return keys
}

// Every key the decoder accepts is in example.yaml ("documents every key
// with its default", README), or in undocumentedKeys with a reason.
func TestExampleHasEveryKey(t *testing.T) {
	accepted := acceptedKeys(t)
	if len(accepted) < 50 {
		t.Fatalf("found only %d keys: %v", len(accepted), accepted)
	}
	example := exampleKeys(t)
	for _, key := range accepted {
		if !example[key] && undocumentedKeys[key] == "" {
			t.Errorf("config/example.yaml lacks %s (write it, commented out if it has no default, "+
				"or list it in undocumentedKeys with the reason)", key)
		}
	}
	for key := range undocumentedKeys {
		if !slices.Contains(accepted, key) {
			t.Errorf("undocumentedKeys names %s, which the decoder does not accept", key)
		}
	}
}

// Every environment variable the configuration reads is named in
// example.yaml.
func TestExampleNamesEveryVariable(t *testing.T) {
	b, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range envOverrides() {
		if !regexp.MustCompile(`\b` + o.env + `\b`).Match(b) {
			t.Errorf("config/example.yaml does not name %s (%s)", o.env, o.key)
		}
	}
}
