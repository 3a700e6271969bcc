"""Request budgets (限流) of the county service, per station and per address."""

from __future__ import annotations

import threading
import time


class RateLimit:
    """A token bucket per key (a station, an address), in this process (each worker keeps
    its own); at most ``keys`` buckets, the full ones dropped first when there are more."""

    def __init__(self, per_minute: int, keys: int = 10_000) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.keys = keys
        self.buckets: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 if the request may go, else the seconds until it may."""
        now = time.monotonic()
        with self.lock:
            if len(self.buckets) >= self.keys and key not in self.buckets:
                self._forget(now)
            tokens, last = self.buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self.buckets[key] = (tokens - 1, now)
                return 0.0
            self.buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate

    def _forget(self, now: float) -> None:
        """Drop the buckets that have filled up again (they hold nothing); if every one is
        still draining, the oldest half."""
        full = [
            k
            for k, (tokens, last) in self.buckets.items()
            if tokens + (now - last) * self.rate >= self.capacity
        ]
        for k in full or sorted(self.buckets, key=lambda k: self.buckets[k][1])[: self.keys // 2]:
            del self.buckets[k]
