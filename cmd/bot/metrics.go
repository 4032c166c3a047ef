package main

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics holds the bot's Prometheus collectors.
type metrics struct {
	requests *prometheus.CounterVec
	ack      *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "regionswitch_slack_requests_total",
			Help: "Slack requests by kind (command, interaction) and outcome (ok, unauthorized, bad_request, too_large).",
		}, []string{"kind", "outcome"}),
		ack: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "regionswitch_slack_ack_seconds",
			Help:    "Time from receiving a Slack request to acknowledging it.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"kind"}),
	}
	reg.MustRegister(m.requests, m.ack)
	// Export every series from the start, so that rates and alerts work
	// before the first request.
	for _, kind := range []string{"command", "interaction"} {
		for _, outcome := range []string{"ok", "unauthorized", "bad_request", "too_large"} {
			m.requests.WithLabelValues(kind, outcome)
		}
		m.ack.WithLabelValues(kind)
	}
	return m
}

func (m *metrics) observe(kind, outcome string, d time.Duration) {
	m.requests.WithLabelValues(kind, outcome).Inc()
	m.ack.WithLabelValues(kind).Observe(d.Seconds())
}
