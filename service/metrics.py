"""Prometheus metrics of this process."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter(
    "yingji_http_requests_total",
    "HTTP requests by route template, method and status",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "yingji_http_request_duration_seconds",
    "HTTP request latency by route template",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS = Counter("yingji_events_written_total", "Outbox events written (committed)", ["topic"])
TIMERS_FIRED = Counter(
    "yingji_timers_total",
    "Timers handled by kind and outcome (done, pending = retry, failed)",
    ["kind", "outcome"],
)
WEBSOCKETS = Gauge("yingji_websockets_open", "Open WebSocket connections of this process")
