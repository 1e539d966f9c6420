"""Engines, sessions, migrations, backups, the clock and change capture (no Qt)."""
