"""The PySide6 client. Only this package imports Qt (through ``ui.qt``)."""
