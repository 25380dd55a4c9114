"""Outbound channels: SMS, generic webhooks, WeCom and DingTalk robots, and their deliveries."""
