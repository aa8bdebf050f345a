"""Reads: functions named <entity>_<query>, keyword-only."""
