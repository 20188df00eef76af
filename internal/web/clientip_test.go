package web

import (
	"net/http/httptest"
	"testing"
)

func TestClientAddr(t *testing.T) {
	trusted, err := ParseTrustedProxies("10.0.0.0/8, 192.168.1.5")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, remote, xff string
		trusted           bool
		want              string
	}{
		{"no proxies configured: the peer", "203.0.113.7:5555", "198.51.100.1", false, "203.0.113.7"},
		{"untrusted peer: header ignored", "203.0.113.7:5555", "198.51.100.1", true, "203.0.113.7"},
		{"trusted proxy: the client it saw", "10.1.2.3:443", "198.51.100.1", true, "198.51.100.1"},
		{"spoofed left hops are ignored", "10.1.2.3:443", "1.1.1.1, 198.51.100.1", true, "198.51.100.1"},
		{"two of our proxies", "192.168.1.5:80", "198.51.100.1, 10.9.9.9", true, "198.51.100.1"},
		{"only proxies: the peer", "10.1.2.3:443", "10.4.4.4", true, "10.1.2.3"},
		{"garbage hop: the peer", "10.1.2.3:443", "not-an-ip", true, "10.1.2.3"},
		{"no header: the peer", "10.1.2.3:443", "", true, "10.1.2.3"},
		{"IPv6 client", "10.1.2.3:443", "2001:db8::1", true, "2001:db8::1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			tp := trusted
			if !tc.trusted {
				tp = nil
			}
			if got := clientAddr(r, tp); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := ParseTrustedProxies("10.0.0.0/33"); err == nil {
		t.Fatal("bad prefix accepted")
	}
}
