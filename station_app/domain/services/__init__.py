"""Domain services: functions over a Session that own validation, stamping (through the
capture hook), audit and permissions. The UI and the CLI call only these."""
