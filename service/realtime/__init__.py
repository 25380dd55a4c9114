"""Realtime: the outbox of events, and (later) the hub, WebSocket endpoint and fan-out."""
