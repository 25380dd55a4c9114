"""The clock: durable deadlines as rows, claimed atomically, fired exactly once."""
