"""Replayable scenarios: scenario files and the runner (see the scenarios issue)."""
