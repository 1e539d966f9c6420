"""The district sync service: an HTTP API over the district database (``app``) and the
``district-server`` command line that sets it up and runs it (``cli``). See docs/SYNC.md."""
