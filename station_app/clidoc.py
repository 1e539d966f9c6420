"""Generate docs/CLI.md from the two command lines' parsers, the figures' catalogue and the
import kinds' header tables, so the reference cannot drift.

    python -m station_app.clidoc > docs/CLI.md

``tests/unit/test_docs.py`` fails when docs/CLI.md differs from what this prints.
"""

from __future__ import annotations

import argparse
import os

INTRO = """# `station-admin` command reference

`station-admin` administers a Station app database without the GUI (it does not need Qt).
Every command takes `--db PATH`; without it, the database is `station.sqlite3` in the
platform data folder (`STATION_APP_HOME=/some/dir` moves data to `/some/dir/data` and logs
to `/some/dir/logs`). Errors print one line starting with `error:` and exit with status 1
(a usage error too: a wrong or missing option); a command that writes does it in one
transaction, so a failure leaves nothing half-written.

**Exit status of an import.** Every import in the project (`station-admin import`, and
`district-server`'s imports) ends the same way (`cliutil.import_status`): **0** every row
imported (rows already there are skipped, not rejected); **2** some rows rejected, the
rest committed (the rejected rows, with their reasons, are in the errors workbook);
**1** nothing committed — an error, or every row rejected. A script tells the three
apart without reading the output:

```sh
station-admin import --db station.sqlite3 roster.xlsx
case $? in 0) echo "all in" ;; 2) echo "fix roster-errors.xlsx" ;; *) echo "nothing imported" ;; esac
```

**Reports.** `report` prints the figures as of a date (`--as-of`, any past date: the
figures of that date's year) with the targets of that year; `summary` is the same command
under its former name, kept for scripts. On a station's file the report is the station's;
on the district's database it is the district's, or one station's with `--station CODE`
(a code the database does not know is refused, with the codes it knows). A target is
measured over its own scope — a district target against the district's figure, a
station's target against that station's figure; in one station's report a district
target shows only that station's part. Beside the figures, each station's last sync: on
the district's database the stations not synced since the as-of date are named (their
figures may be incomplete: "3 stations not synced since 2023-05-31: …"), on a station's
file its own last sync; the JSON has them under `sync`. `--html FILE` writes the printable
summary with a sign-off block (编制人, 审核人, 负责人) for a browser to print; the app's
Reports page prints it to PDF. `--sign --as USER` (the user's password is asked, or read
with `--password-stdin`) keeps the report as it is counted now — the district's by a
district admin on the district's database, a station's own by its station admin on its
file — never changed; `--signed` lists the signed reports (`--signed ID`: one as it was
signed), `--compare` sets the newest signed report of `--as-of` beside the same report
counted now, each figure that differs as "signed N, now M" (a record dated on or before
the date entered after signing). `export ledger|visits|events` covers one year
(`--year`) or a range (`--from … --to …`), this year when neither is given.
Error messages are in English, or Chinese when `LANG` (or `STATION_LANG`) starts with
`zh`; the rest of the output is English, the same for logs and scripts. When the reader of
the output goes away (`station-admin report | head -1`), the command stops without a word
and exits with status 141 (128 + SIGPIPE, what a shell shows for a Unix tool stopped that
way); whatever it wrote to the database was committed before it printed.

**Ids.** A command that acts on one record takes its id or, in its place, what offices
write: a member's 身份证号 (`member status`, `district-server transfer`), an enterprise's
统一社会信用代码 (`district-server watch list|unlist`), a household head's 身份证号 (`case`,
`ledger list`). When that names more than one record in the database (one person active
at two stations of a district), the command lists them — station, name, status, id — and
takes the id. `member find` (the app's search: a name, pinyin initials, ID-number digits,
a phone) and `enterprise find` (a name or a credit code) print the ids, ID numbers masked
to their first and last four characters; `ledger list` prints a household's entries with
theirs, for `ledger reverse`.

**Extras.** Every command here comes with the core install (`pip install station-app`, or
`pip install -e ".[gui]"` for the app). A district database on PostgreSQL
(`--db postgresql+psycopg://…`, for `report` and `export`) needs the `server` extra
(`pip install "station-app[server]"`, which brings psycopg); without it the command says
so in one line. When the database is missing (no file or an empty one, also given as a
`sqlite:///…` URL), the error names the command that creates one.

**Speed.** A command loads only what it needs. `report` (without `--xlsx`) and `summary`
on a SQLite file of the current schema read it with Python's `sqlite3` driver alone: the
figures' selects are the services' own, compiled ahead for SQLite, and the figures are
summed by the same code as in the app (`storage/fastread.py`, docs/ARCHITECTURE.md); they
answer in about half the time `sqlite-utils tables` takes on the same file. An older file
(to be upgraded), `--xlsx` and a PostgreSQL district take the full path through
SQLAlchemy and the services, as every other command does (SQLAlchemy, its ORM and the
models are about a quarter of a second of a command's start). An `import` of a small
sheet takes under three times `sqlite-utils tables` (`make bench`, docs/BENCHMARKS.md):
pinyin keys come from pypinyin's single-character table (its phrase dictionary loads only
for names with very many readings) and the ID area table from python-stdnum's data file,
each code looked up when a row asks for it.

This file is generated by `python -m station_app.clidoc > docs/CLI.md`; a test keeps it
in step with the program.
"""


DISTRICT_INTRO = """# `district-server` command reference

`district-server` sets up, runs and administers the district's sync service and database
(no Qt; the `serve` command needs the `server` extra: `pip install "station-app[server]"`,
and says so in one line when it is missing). Every command takes `--db PATH_OR_URL`: the
district database, a file path or a `postgresql+psycopg://…` URL; without it,
`district.sqlite3` in the platform data folder. Errors print one line starting with
`error:` and exit with status 1; usage errors exit 1 too; `import` exits 0, 2 or 1 as
`station-admin import` does; a reader gone away (`| head -1`) ends a command quietly with
status 141. The protocol, the merge rules and deployment are in docs/SYNC.md.
"""

FIGURES_INTRO = """# The figures of the work summary

The metric names `report --json` prints, and the names `district-server target set
--metric` takes (a target is set for the district, or for one station with `--station`;
its progress is the figure counted over the target's own scope). How each is counted is
in docs/ARCHITECTURE.md (Reports) and SPEC's counting table.
"""

IMPORT_INTRO = """# Import sheets: the recognised headers

`station-admin import` (and the app's import wizard) takes the sheets below into a
station's database; `district-server import` takes the district's own sheets (station
visits, stations) into the district database. A header row is found within the first rows
of the sheet (title rows above it are skipped); a header is recognised when, after
dropping spaces, punctuation, `*` marks and bracketed notes, it equals one of the names
below (case does not matter). The kind is guessed from the headers unless `--kind` says
it. Columns that are not recognised are listed as not imported.
"""


def _subparsers(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def _commands(parser: argparse.ArgumentParser, prog: str, out: list[str]) -> None:
    out.extend(["## Usage\n", "```text", parser.format_help().rstrip(), "```\n"])

    def walk(p: argparse.ArgumentParser, prefix: str) -> None:
        for name, sub in _subparsers(p):
            nested = list(_subparsers(sub))
            if nested:
                walk(sub, f"{prefix} {name}")
                continue
            out.extend([f"## `{prefix} {name}`\n", "```text", sub.format_help().rstrip(),
                        "```\n"])

    walk(parser, prog)


def _figures(out: list[str]) -> None:
    from station_app.domain.figures import FIGURES, METRICS_EXTRA

    out.extend([FIGURES_INTRO, "| metric | 中文 | English | counted as |",
                "| --- | --- | --- | --- |"])
    how = {"count": "a count of records", "sum": "a sum", "persons": "distinct persons "
           "(ID numbers)"}
    for code, (zh, en, reduce) in FIGURES.items():
        counted = "a sum of money (yuan on screen, fen in the JSON)" if code.endswith(
            "_fen") else how.get(reduce, reduce)
        out.append(f"| `{code}` | {zh} | {en} | {counted} |")
    for code, (zh, en) in METRICS_EXTRA.items():
        out.append(f"| `{code}` | {zh} | {en} | weeks (report only, no target) |")
    out.append("")


def _import_headers(out: list[str]) -> None:
    from station_app.exchange.import_fields import DISTRICT_KINDS, KINDS

    out.append(IMPORT_INTRO)
    for code, kind in KINDS.items():
        where = "district-server import" if code in DISTRICT_KINDS else "station-admin import"
        # a column is named by its first header, the one of the office layout
        required = ", ".join(kind.spec(name).synonyms[0] for name in kind.required)
        out.extend([f"## {kind.label[0]} ({kind.label[1]}): `--kind {code}`\n",
                    f"Imported by `{where}`. Required columns: {required}.\n",
                    "| column | field | recognised headers |", "| --- | --- | --- |"])
        for spec in kind.fields:
            headers = ", ".join(spec.synonyms).replace("|", "\\|")
            field = "(ignored)" if spec.name.startswith("_") else f"`{spec.name}`"
            out.append(f"| {spec.synonyms[0]} | {field} | {headers} |")
        out.append("")


def render() -> str:
    from station_app.cli import build_parser
    from sync.server.cli import build_parser as district_parser

    os.environ["COLUMNS"] = "100"
    out = [INTRO]
    _commands(build_parser(), "station-admin", out)
    out.append(DISTRICT_INTRO)
    _commands(district_parser(), "district-server", out)
    _figures(out)
    _import_headers(out)
    return "\n".join(out)


if __name__ == "__main__":
    print(render(), end="")
