"""What both command lines (``station-admin``, ``district-server``) share: their exit
statuses (an import's among them, ``import_status``), a quiet stop when the reader of
their output goes away, the check for an optional extra, and a quick exit. Only the
standard library: imported before any command runs."""

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


# Exit statuses of both command lines: 0 done; 1 an error (one line starting with
# "error:", nothing half-written), a usage error included (argparse's own 2 would read as
# EXIT_PARTIAL); 3 a login refused (EXIT_LOGIN); 141 the reader went away (above). An
# import adds EXIT_PARTIAL.
EXIT_OK = 0
EXIT_ERROR = 1
# Every import of the project (`station-admin import`, `district-server import`) ends
# with ``import_status``: 0 every row imported (or already there); 2 some rows rejected,
# the rest committed; 1 nothing committed — an error, or every row rejected.
EXIT_PARTIAL = 2
# A login refused (`station-admin` on a station's file, or where the district's personal
# data is printed): no user named, a wrong password, a locked account, a user who must
# choose a new password first, a signer's password wrong. One line says why; nothing was
# done. Its own status, so that a script tells "the password is wrong" from a failure of
# the command itself (1) and from an import's rejected rows (2).
EXIT_LOGIN = 3


def import_status(imported: int, rejected: int) -> int:
    """The exit status of an import that committed ``imported`` rows and rejected
    ``rejected`` (rows already there and ignored rows are neither): ``EXIT_OK`` when none
    was rejected, ``EXIT_PARTIAL`` when some were and the rest were committed,
    ``EXIT_ERROR`` when rows were rejected and nothing was committed. An import that
    fails with an error exits ``EXIT_ERROR`` through the command line's error handling."""
    if rejected <= 0:
        return EXIT_OK
    return EXIT_PARTIAL if imported > 0 else EXIT_ERROR


def parse_args(parser, argv: list[str] | None):
    """``parser.parse_args(argv)``; when it printed (``--help``, ``--version``, a usage
    error) and exits, a reader gone away ends it like a command's output (status 141).
    A usage error exits ``EXIT_ERROR`` (1) like every other error, not argparse's 2,
    which an import uses for "some rows rejected"."""
    try:
        return parser.parse_args(argv)
    except SystemExit as exc:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            raise SystemExit(stdout_closed()) from None
        if exc.code == 2:  # argparse's usage error
            raise SystemExit(EXIT_ERROR) from None
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
