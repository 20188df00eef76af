package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr works out the address a request really came from. Rate limits
// count guesses per client, so behind a reverse proxy the proxy's own
// address would put every citizen in one bucket. X-Forwarded-For is
// believed only when the direct peer is a configured proxy, and then read
// from the right: the first address that is not one of ours is the client
// (anything further left was written by the client and proves nothing).
func clientAddr(r *http.Request, trusted []netip.Prefix) string {
	peer := remoteHost(r.RemoteAddr)
	if len(trusted) == 0 {
		return peer
	}
	ip, err := netip.ParseAddr(peer)
	if err != nil || !inPrefixes(ip, trusted) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		a, err := netip.ParseAddr(h)
		if err != nil {
			// A malformed hop: stop believing the chain here.
			return peer
		}
		if !inPrefixes(a.Unmap(), trusted) {
			return a.Unmap().String()
		}
	}
	return peer
}

func remoteHost(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host
}

func inPrefixes(ip netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}

// ParseTrustedProxies reads a comma-separated list of addresses or CIDR
// prefixes (e.g. "10.0.0.0/8, 192.168.1.5").
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, err
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
