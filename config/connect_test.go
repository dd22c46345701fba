package config

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestConnectMethodsFromFlagOrVariable(t *testing.T) {
	base := map[string]string{"WALLBOARD_CONNECT_URL": "https://connect.example", "WALLBOARD_CONNECT_TOKEN": "t"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	c, err := Parse(nil, env(with("WALLBOARD_CONNECT_METHODS", " agent=AgentChanged, QUEUE=queueChanged,queueGroup=groupChanged,alert=onAlert ")), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"agent": "AgentChanged", "queue": "queueChanged", "queueGroup": "groupChanged", "alert": "onAlert"}
	if !reflect.DeepEqual(c.Connect.Methods, want) || c.Connect.QueueGroups != "group" || c.Connect.Alerts {
		t.Fatalf("connect = %+v", c.Connect)
	}
	// The flag wins over the variable, as everywhere.
	c, err = Parse([]string{"--connect-methods", "agent=a1", "--connect-queue-groups", "business_unit", "--connect-alerts", "true"}, env(with("WALLBOARD_CONNECT_METHODS", "agent=a2", "WALLBOARD_CONNECT_QUEUE_GROUPS", "team")), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Connect.Methods, map[string]string{"agent": "a1"}) || c.Connect.QueueGroups != "business_unit" || !c.Connect.Alerts {
		t.Fatalf("connect = %+v", c.Connect)
	}
	for name, tc := range map[string]struct {
		env  map[string]string
		want string
	}{
		"unknown kind":     {with("WALLBOARD_CONNECT_METHODS", "agents=x"), `unknown kind "agents"`},
		"no equals":        {with("WALLBOARD_CONNECT_METHODS", "agentUpdate"), "want kind=method"},
		"empty name":       {with("WALLBOARD_CONNECT_METHODS", "agent="), "empty method name"},
		"space in name":    {with("WALLBOARD_CONNECT_METHODS", "agent=agent update"), "method name"},
		"twice":            {with("WALLBOARD_CONNECT_METHODS", "agent=a,Agent=b"), "agent given twice"},
		"same name":        {with("WALLBOARD_CONNECT_METHODS", "agent=update,queue=UPDATE"), `both named`},
		"bad grouping":     {with("WALLBOARD_CONNECT_QUEUE_GROUPS", "department"), "want one of group, team, business_unit, none"},
		"bad alerts value": {with("WALLBOARD_CONNECT_ALERTS", "yes please"), "connect alerts"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(nil, env(tc.env), &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	var help bytes.Buffer
	_, _ = Parse([]string{"--help"}, env(nil), &help)
	for _, s := range []string{"WALLBOARD_CONNECT_METHODS", "WALLBOARD_CONNECT_QUEUE_GROUPS", "WALLBOARD_CONNECT_ALERTS", "business_unit"} {
		if !strings.Contains(help.String(), s) {
			t.Errorf("--help does not mention %s", s)
		}
	}
}

func TestConnectMethodsInTheFile(t *testing.T) {
	f, err := LoadFile(writeFile(t, "w.yaml", "connect:\n  methods:\n    agent: AgentChanged\n    queueGroup: groupChanged\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"agent": "AgentChanged", "queueGroup": "groupChanged"}; !reflect.DeepEqual(f.Connect.Methods, want) {
		t.Fatalf("methods = %v", f.Connect.Methods)
	}
	// The flag's names win kind by kind; a clash with another kind's
	// default is refused.
	got, err := MergeConnectMethods(f.Connect.Methods, map[string]string{"agent": "a1", "alert": "onAlert"})
	if err != nil || !reflect.DeepEqual(got, map[string]string{"agent": "a1", "queueGroup": "groupChanged", "alert": "onAlert"}) {
		t.Fatalf("merged = %v, %v", got, err)
	}
	if _, err := MergeConnectMethods(nil, map[string]string{"agent": "queueUpdate"}); err == nil || !strings.Contains(err.Error(), "both named") {
		t.Fatalf("clash with a default: %v", err)
	}
	for _, c := range []struct{ yaml, want string }{
		{"connect:\n  methods:\n    agents: x\n", "w.yaml:3: connect.methods.agents: unknown key"},
		{"connect:\n  methods:\n    agent: [x]\n", "w.yaml:3: connect.methods.agent: want a value"},
		{"connect:\n  methods:\n    agent: \"a b\"\n", "w.yaml:3: connect.methods.agent: method name"},
		{"connect:\n  methods:\n    agent: x\n    queue: X\n", "w.yaml:3: connect.methods: connect methods: agent and queue both named"},
		{"connect:\n  hub: x\n", "w.yaml:2: connect.hub: unknown key"},
	} {
		_, err := LoadFile(writeFile(t, "w.yaml", c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %q", c.yaml, err, c.want)
		}
	}
}

// FuzzParseConnectMethods: no input panics; what is accepted names known
// kinds with distinct, well-formed names, and reads back the same.
func FuzzParseConnectMethods(f *testing.F) {
	for _, s := range []string{"agent=agentUpdate,queue=queueUpdate,queueGroup=queueGroupUpdate,alert=alert", "AGENT = a , ,", "agent=", "x=y", "agent=a,queue=A", "=,=", "agent=a=b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseConnectMethods(s)
		if err != nil {
			return
		}
		var parts []string
		for k, v := range m {
			if _, ok := ConnectMethodKinds[k]; !ok || checkMethodName(v) != nil {
				t.Fatalf("%q gave %q=%q", s, k, v)
			}
			parts = append(parts, k+"="+v)
		}
		again, err := ParseConnectMethods(strings.Join(parts, ","))
		if err != nil || !reflect.DeepEqual(again, m) {
			t.Fatalf("%q: %v does not read back (%v, %v)", s, m, again, err)
		}
	})
}
