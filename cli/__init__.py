"""Headless command line of NBF Studio (no Qt imported unless the GUI is asked for)."""
