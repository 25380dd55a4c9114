"""Warnings with call-and-respond (预警叫应): each named person answers, or is called again
and escalated along the org tree to whoever is on duty there."""
