"""A real uvicorn on loopback for the sync tests (in a thread; stopped on exit)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(app) -> Iterator[str]:
    """Serve an ASGI app on a free loopback port; yields its base URL once it answers."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(500):  # wait until it answers (or has died)
            if not thread.is_alive():
                pytest.fail("the server did not start")
            try:
                if httpx.get(base + "/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                thread.join(0.02)
        else:
            pytest.fail("the server did not answer")
        yield base
    finally:
        server.should_exit = True
        thread.join(10)
