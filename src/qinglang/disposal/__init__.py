"""Disposal (WS-18 to WS-27): review, recommendation, sign-off, regulator review, effect."""
