"""Keyword-only service functions over a session; the routes and the CLI are thin layers on these."""
