package suite_test

import "testing"

// TestProbesPast2To53AreExact: with task_id's maximum at 9999999999999999
// (float64 holds it as 10^16, one past it), the suite probes the maximum and
// one past it exactly, and the mock passes them.
func TestProbesPast2To53AreExact(t *testing.T) {
	v := setup(t, server{}).Validator
	_, old := v.IntBounds(schema(t, v, "task_id"))
	r := run(t, server{spec: specCopy(t, "maximum: "+old.String(), "maximum: 9999999999999999")})
	if !r.Conformant() {
		t.Errorf("not conformant: %s\n%v", r.SummaryLine(), failures(r))
	}
	for _, op := range v.Operations() {
		if !hasParam(op, "task_id") {
			continue
		}
		for rule, want := range map[string]string{"task_id: maximum": "9999999999999999", "task_id: maximum +1": "10000000000000000", "task_id: minimum": "0"} {
			cases := byRule(r, op.OperationID, rule)
			if len(cases) != 1 {
				t.Fatalf("%s: %d cases with rule %q, want 1", op.OperationID, len(cases), rule)
			}
			if got := segment(t, cases[0], op.Path, "task_id"); got != want {
				t.Errorf("rule %q sent %s, want %s", rule, got, want)
			}
		}
	}
}
