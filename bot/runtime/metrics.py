"""This process's Prometheus metrics: what `/metrics` shows (prometheus-client's text format).

Each Application has a registry of its own, so two bots in one process (the tests run several) never add to
each other's counters. Counters count what this process did; Prometheus adds the instances up.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

# seconds: a reply should come well under 0.3 s; the long tail shows a stuck database or Bot API
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.updates = Counter("salesbot_updates", "Updates handled, by kind (command, button, text, …) and "
                               "outcome", ["kind", "outcome"], registry=self.registry)
        self.update_seconds = Histogram("salesbot_update_seconds", "Time from taking an update to its last reply",
                                        buckets=LATENCY_BUCKETS, registry=self.registry)

    def update_handled(self, kind: str, outcome: str, seconds: float) -> None:
        self.updates.labels(kind=kind, outcome=outcome).inc()
        self.update_seconds.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
