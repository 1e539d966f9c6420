"""What both command lines (``station-admin``, ``district-server``) share: a quiet stop
when the reader of their output goes away, the check for an optional extra, and a quick
exit. Only the standard library: imported before any command runs."""

from __future__ import annotations

import os
import sys

# `station-admin report | head -1`: once `head` has its line, the rest of the output has
# nowhere to go. Like a Unix tool killed by SIGPIPE the command stops without a word and
# exits with 141 (128 + SIGPIPE, what a shell shows for `yes | head -1`), so a script can
# tell "the reader went away" from a failure (1). Whatever the command was writing to the
# database had been committed before it printed.
EXIT_PIPE = 141


def stdout_closed() -> int:
    """After a ``BrokenPipeError`` on standard output: point it at the null device (so
    the interpreter's last flush at exit has nowhere to fail) and return ``EXIT_PIPE``."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real stdout (a test's capture): nothing to redirect
        pass
    return EXIT_PIPE


def parse_args(parser, argv: list[str] | None):
    """``parser.parse_args(argv)``; when it printed (``--help``, ``--version``, a usage
    error) and exits, a reader gone away ends it like a command's output (status 141)."""
    try:
        return parser.parse_args(argv)
    except SystemExit:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            raise SystemExit(stdout_closed()) from None
        raise


def missing_module(*names: str) -> str | None:
    """The first of these modules that cannot be imported (None when all can)."""
    for name in names:
        try:
            __import__(name)
        except ImportError as exc:
            return getattr(exc, "name", None) or name
    return None


def skip_final_collection() -> None:
    """For a command line about to exit — its work done, its databases closed — leave the
    objects it made (SQLAlchemy's above all: tens of thousands) to the end of the process
    instead of the interpreter's last garbage collection over every one of them, which
    took 60–90 ms of a 10-row import's half second. Exit handlers (logging's shutdown
    among them) and the flushing of standard output still run. Only for the program
    itself (``main()`` called without arguments): a test calling ``main([...])`` keeps
    its collector."""
    import gc

    gc.freeze()
