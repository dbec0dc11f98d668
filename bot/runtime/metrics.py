"""This process's Prometheus metrics: what `/metrics` shows (prometheus-client's text format).

Each Application has a registry of its own, so two bots in one process (the tests run several) never add to
each other's counters. Counters count what this process did; Prometheus adds the instances up. The outbox
gauges are the database's, the same from every instance: they are read at each scrape (bot/serving/observe.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from storage.outbox import COUNTED, KindCount

# seconds: a reply should come well under 0.3 s; the long tail shows a stuck database or Bot API
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# seconds: a reminder goes within a sweep of its time and a morning's greetings within minutes of 09:00; the
# hours show a bot that was down (reminders are folded into a catch-up after a day, greetings stop at 21:00)
LATENESS_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 900.0, 1800.0, 3600.0, 3 * 3600.0, 12 * 3600.0,
                    24 * 3600.0)

# how a settled outbox row ended, for `salesbot_outbox_messages_total`
SENT = "sent"
FAILED = "failed"  # the recipient blocked the bot
RETRIED = "retried"  # an error (network, 5xx, rendering): tried again later
DEAD = "dead"  # given up: Telegram refused it, or too many errors
SKIPPED = "skipped"  # nothing left to say when its turn came

# who got a 429, for `salesbot_telegram_429_total`
SENDER = "sender"  # proactive messages (bot/outbound/delivery.py)
REPLIES = "replies"  # the interactive bot's answers to updates (bot/outbound/ratelimit.py)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.updates = Counter("salesbot_updates", "Updates handled, by kind (command, button, text, …) and "
                               "outcome", ["kind", "outcome"], registry=self.registry)
        self.update_seconds = Histogram("salesbot_update_seconds", "Time from taking an update to its last reply",
                                        buckets=LATENCY_BUCKETS, registry=self.registry)
        self.outbox_rows = Gauge("salesbot_outbox_rows", "Outbox rows by kind and status (pending: queued, due or "
                                 "not yet; sending: claimed by a sender; dead: given up), read at the scrape",
                                 ["kind", "status"], registry=self.registry)
        self.outbox_due = Gauge("salesbot_outbox_due_rows", "Pending outbox rows whose time has come, by kind: "
                                "the senders' backlog", ["kind"], registry=self.registry)
        self.outbox_messages = Counter("salesbot_outbox_messages", "Outbox rows this process settled, by kind and "
                                       "outcome (sent, failed: blocked by the recipient, retried, dead, skipped)",
                                       ["kind", "outcome"], registry=self.registry)
        self.lateness = Histogram("salesbot_outbox_lateness_seconds", "From when a reminder or greeting was meant "
                                  "to go (the follow-up's due time, 09:00 local) to when Telegram took it, by kind",
                                  ["kind"], buckets=LATENESS_BUCKETS, registry=self.registry)
        self.too_many_requests = Counter("salesbot_telegram_429", "429 Too Many Requests answers from Telegram, by "
                                         "client (sender: proactive messages; replies: answers to updates)",
                                         ["client"], registry=self.registry)

    def update_handled(self, kind: str, outcome: str, seconds: float) -> None:
        self.updates.labels(kind=kind, outcome=outcome).inc()
        self.update_seconds.observe(seconds)

    def row_settled(self, kind: str, outcome: str) -> None:
        self.outbox_messages.labels(kind=kind, outcome=outcome).inc()

    def sent_late(self, kind: str, seconds: float) -> None:
        self.lateness.labels(kind=kind).observe(max(seconds, 0.0))

    def told_to_wait(self, client: str) -> None:
        self.too_many_requests.labels(client=client).inc()

    def set_outbox(self, counts: Iterable[KindCount], kinds: Iterable[str] = ()) -> None:
        """The outbox as the database has it now. `kinds` read 0 when they have no rows, rather than vanish."""
        self.outbox_rows.clear()  # a kind whose rows all went since the last scrape reads 0, not its old count
        self.outbox_due.clear()
        for kind in kinds:
            self.outbox_due.labels(kind=kind).set(0)
            for status in COUNTED:
                self.outbox_rows.labels(kind=kind, status=status).set(0)
        for count in counts:
            self.outbox_rows.labels(kind=count.kind, status=count.status).set(count.rows)
            self.outbox_due.labels(kind=count.kind).inc(count.due)

    def forget_outbox(self) -> None:
        """The database did not answer: no outbox series, rather than the last ones read as if current."""
        self.outbox_rows.clear()
        self.outbox_due.clear()

    def render(self) -> bytes:
        return generate_latest(self.registry)
