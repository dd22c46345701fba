package config

import (
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ConnectMethodKinds are the kinds of Clarity Connect gold data whose hub
// client method names can be set (--connect-methods, connect.methods in the
// file), each with its default name.
var ConnectMethodKinds = map[string]string{
	"agent":          "agentUpdate",
	"queue":          "queueUpdate",
	"agentAggregate": "agentAggregateUpdate",
	"agentGroup":     "agentGroupUpdate",
	"queueAggregate": "queueAggregateUpdate",
	"queueGroup":     "queueGroupUpdate",
	"alert":          "alert",
}

// Connect queue groupings (--connect-queue-groups).
var connectGroupings = []string{"group", "team", "business_unit", "none"}

// ConnectFile is the file's connect section: settings of the Connect source
// read at start (a reload does not change them).
type ConnectFile struct {
	// Methods names the hub's client methods by kind (see
	// ConnectMethodKinds); kinds not given keep their default.
	Methods map[string]string
}

func methodKinds() []string {
	out := make([]string, 0, len(ConnectMethodKinds))
	for k := range ConnectMethodKinds {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// connectMethodKind returns the kind a key names, in any case.
func connectMethodKind(key string) (string, bool) {
	for k := range ConnectMethodKinds {
		if strings.EqualFold(k, strings.TrimSpace(key)) {
			return k, true
		}
	}
	return "", false
}

// checkMethodName reports what is wrong with a hub method name.
func checkMethodName(name string) error {
	if name == "" {
		return fmt.Errorf("empty method name")
	}
	for _, r := range name {
		if r <= ' ' || strings.ContainsRune(",=\"'", r) || r == 0x7f {
			return fmt.Errorf("method name %q: want letters, digits and punctuation other than , = and quotes", name)
		}
	}
	return nil
}

// ParseConnectMethods reads hub client method names given as
// "agent=agentUpdate,queue=queueUpdate,queueGroup=…,alert=…" (kinds in any
// case; see ConnectMethodKinds). Empty s gives none.
func ParseConnectMethods(s string) (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("connect methods: %q: want kind=method", part)
		}
		kind, ok := connectMethodKind(k)
		if !ok {
			return nil, fmt.Errorf("connect methods: unknown kind %q; known: %s", strings.TrimSpace(k), strings.Join(methodKinds(), ", "))
		}
		if _, dup := out[kind]; dup {
			return nil, fmt.Errorf("connect methods: %s given twice", kind)
		}
		v = strings.TrimSpace(v)
		if err := checkMethodName(v); err != nil {
			return nil, fmt.Errorf("connect methods: %s: %w", kind, err)
		}
		out[kind] = v
	}
	return out, checkDistinct(out, nil)
}

// MergeConnectMethods returns the method names of the file overridden by
// those of the flag or variable, checked to be distinct from each other and
// from the defaults of the kinds not set.
func MergeConnectMethods(file, flags map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range file {
		out[k] = v
	}
	for k, v := range flags {
		out[k] = v
	}
	return out, checkDistinct(out, ConnectMethodKinds)
}

// checkDistinct reports two kinds given the same method name (in any case,
// as hubs compare them); defaults fill the kinds not in m when given.
func checkDistinct(m, defaults map[string]string) error {
	byName := map[string]string{}
	for _, k := range methodKinds() {
		name, ok := m[k]
		if !ok {
			if name, ok = defaults[k]; !ok {
				continue
			}
		}
		if other, dup := byName[strings.ToLower(name)]; dup {
			return fmt.Errorf("connect methods: %s and %s both named %q", other, k, name)
		}
		byName[strings.ToLower(name)] = k
	}
	return nil
}

// connect parses the file's connect section.
func (p *parser) connect(n *yaml.Node, field string) ConnectFile {
	var c ConnectFile
	p.mapping(n, field, map[string]func(*yaml.Node, string){
		"methods": func(n *yaml.Node, f string) {
			handlers := map[string]func(*yaml.Node, string){}
			for kind := range ConnectMethodKinds {
				handlers[kind] = func(n *yaml.Node, f string) {
					v, vn, ok := p.scalar(n, f)
					if !ok {
						return
					}
					if err := checkMethodName(strings.TrimSpace(v)); err != nil {
						p.add(vn, f, "%v", err)
						return
					}
					if c.Methods == nil {
						c.Methods = map[string]string{}
					}
					c.Methods[kind] = strings.TrimSpace(v)
				}
			}
			p.mapping(n, f, handlers)
			if err := checkDistinct(c.Methods, ConnectMethodKinds); err != nil {
				p.add(p.deref(n), f, "%v", err)
			}
		},
	})
	return c
}
