package agent

import "testing"

func TestLogsPort(t *testing.T) {
	for _, c := range []struct{ addr, token, want string }{
		{":10250", "t", "10250"},
		{"10.0.0.5:8443", "t", "8443"},
		{":10250", "", ""}, // no token: the endpoint is not served
		{"", "t", ""},
		{"nonsense", "t", ""},
	} {
		if got := logsPort(c.addr, c.token); got != c.want {
			t.Errorf("logsPort(%q, %q) = %q, want %q", c.addr, c.token, got, c.want)
		}
	}
}
