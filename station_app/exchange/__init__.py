"""Excel import/export and printable documents that need no widgets (no Qt)."""
