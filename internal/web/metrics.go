package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// httpMetrics counts requests by route pattern, never by raw path: paths
// carry codes and identifiers, which would make the series unbounded (and
// leak them to whoever reads the metrics).
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// unmatchedRoute labels requests no pattern matched (404, 405, path
// redirects), so scanners cannot mint new series.
const unmatchedRoute = "unmatched"

func newHTTPMetrics(reg *prometheus.Registry) (*httpMetrics, error) {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "llavero",
		Subsystem: "http",
		Name:      "requests_total",
		Help:      "HTTP requests answered, by method, route pattern and status code.",
	}, []string{"method", "route", "code"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "llavero",
		Subsystem: "http",
		Name:      "request_duration_seconds",
		Help:      "Time to answer HTTP requests, by method and route pattern.",
		Buckets:   prometheus.DefBuckets,
	}, []string{"method", "route"})

	m := &httpMetrics{}
	var err error
	// Several servers (the main origin and the certificate-login origin)
	// may share one registry; they then share the series too.
	if m.requests, err = register(reg, requests); err != nil {
		return nil, err
	}
	if m.duration, err = register(reg, duration); err != nil {
		return nil, err
	}
	for _, c := range []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		if _, err := register(reg, c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// register adds c to reg, or returns the equal collector already there.
func register[C prometheus.Collector](reg *prometheus.Registry, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

func (m *httpMetrics) observe(method, pattern string, status int, elapsed time.Duration) {
	if pattern == "" {
		pattern = unmatchedRoute
	}
	method = boundedMethod(method)
	m.requests.WithLabelValues(method, pattern, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, pattern).Observe(elapsed.Seconds())
}

// boundedMethod keeps the method label to the standard methods; a client
// can send any token as a method.
func boundedMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions,
		http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

func (m *httpMetrics) handler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}
