package config

import (
	"reflect"
	"slices"
	"testing"
)

// Every field of Config is either applied on reload or named as needing a
// restart: a field added without a line in reloadKeys would make a
// reload silently ignore its changes.
func TestReloadKeysCoverConfig(t *testing.T) {
	covered := reloadFields()
	typ := reflect.TypeFor[Config]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() || f.Name == "File" || covered[f.Name] {
			continue
		}
		if !covered[f.Name+".*"] {
			t.Errorf("Config.%s is not in reloadKeys", f.Name)
			continue
		}
		for j := range f.Type.NumField() {
			sub := f.Type.Field(j)
			if sub.IsExported() && !covered[f.Name+"."+sub.Name] {
				t.Errorf("Config.%s.%s is not in reloadKeys", f.Name, sub.Name)
			}
		}
	}
}

// Issue 24 item 5: Compare names each changed key and whether a reload
// applies it; unchanged configurations compare equal.
func TestCompare(t *testing.T) {
	load := func(yaml string) *Config {
		t.Helper()
		c, _, err := LoadBytes("t.yaml", []byte(yaml), nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	const base = `
PushOff: 0
radius:
  listen: 127.0.0.1:1812
  clients: [{name: a, address: 10.0.0.1, secret: s1}]
admin_api: {listen: "127.0.0.1:8443", token: t}
log: {level: info}
`
	old := load(base)
	if ch := Compare(old, load(base)); len(ch.Live)+len(ch.Restart) != 0 {
		t.Fatalf("same config compares %+v", ch)
	}
	changed := load(`
PushOff: 1
radius:
  listen: 127.0.0.1:1813
  clients: [{name: a, address: 10.0.0.1, secret: s2}]
admin_api: {listen: "127.0.0.1:8444", token: t}
log: {level: debug}
`)
	ch := Compare(old, changed)
	if want := []string{"PushOff", "radius.clients"}; !slices.Equal(ch.Live, want) {
		t.Errorf("live %v, want %v", ch.Live, want)
	}
	if want := []string{"radius.listen", "admin_api.listen", "log"}; !slices.Equal(ch.Restart, want) {
		t.Errorf("restart %v, want %v", ch.Restart, want)
	}
}
