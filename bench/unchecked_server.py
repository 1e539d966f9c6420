"""``district-server serve`` without the district's checks of the rows stations push —
for the bench only, to measure in the same run what the checks cost a push (the product
has no way to turn them off). The ownership rules still apply; only ``sync.validate`` is
left out.

    python -m bench.unchecked_server DATABASE PORT
"""

from __future__ import annotations

import sys


def main(target: str, port: int) -> None:
    import uvicorn

    from sync import validate
    from sync.server import app as app_module
    from sync.server.cli import KEEP_ALIVE_S, SERVER_CACHE_MIB

    validate.refusals = lambda _cs, **_kw: {}
    app_module.Checks.start = lambda _self, _cs, _body, _controls: {}
    from station_app.logs import setup_logging
    from station_app.storage.database import open_database

    setup_logging("district-server")  # (as serve: its log line per push)
    db = open_database(target, cache_mib=SERVER_CACHE_MIB, durable=True)
    try:
        uvicorn.run(app_module.create_app(db), host="127.0.0.1", port=port,
                    log_level="warning", timeout_keep_alive=KEEP_ALIVE_S)
    finally:
        db.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
