"""`evolve sql`: query the archive with SQL or a canned query; works while a run holds the archive (snapshot)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from pathlib import Path

FORMATS = ("table", "csv", "json", "parquet")
MAX_CELL = 80  # table cells longer than this are cut (csv/json/parquet carry everything)


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "sql", help="query the run archive with SQL or a canned query",
        description="Run one SQL statement (DuckDB dialect) or a canned query from [archive] queries against the "
                    "archive, read-only. While `evolve run` holds the archive, its latest snapshot is read and a "
                    "note on stderr says how old it is. With neither SQL nor --query: list the canned queries. "
                    "The tables and views: evolve sql \"SHOW TABLES\" (the README describes them).")
    parser.add_argument("statement", nargs="?", metavar="SQL",
                        help="the statement (DuckDB SQL over the archive's tables and views)")
    parser.add_argument("--query", metavar="NAME", help="a canned query: archive/queries/NAME.sql")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a value for $NAME in the statement or query (repeatable)")
    parser.add_argument("--run", type=Path, metavar="DB", help="the archive (default: [paths] archive)")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    parser.add_argument("--out", type=Path, metavar="FILE", help="write to FILE instead of stdout (needed for parquet)")
    return parser


def queries_folder(config) -> Path:
    """[archive] queries, resolved like other paths (from the current folder); else the project's own."""
    folder = Path(config.archive.queries)
    if not folder.is_dir() and not folder.is_absolute():
        shipped = Path(__file__).resolve().parents[2] / folder
        if shipped.is_dir():
            return shipped
    return folder


def run(args, config) -> int:
    import duckdb

    from ..archive import open_for_reading
    from ..archive import queries as canned
    from .errors import CommandError

    folder = queries_folder(config)
    if not args.statement and not args.query:
        return list_queries(folder)
    if args.statement and args.query:
        raise CommandError("give either SQL or --query NAME, not both")
    if args.format == "parquet" and not args.out:
        raise CommandError("--format parquet needs --out FILE")
    try:
        given = parse_params(args.param)
        if args.query:
            query = canned.find(args.query, folder)
            sql, params = query.sql, query.bind(given)
        else:
            sql, params = args.statement, given
            unused = sorted(set(given) - canned.used_params(sql))
            if unused:
                raise CommandError(f"the statement does not use ${', $'.join(unused)}")
    except (ValueError, canned.QueryError) as error:
        raise CommandError(str(error)) from error
    database = Path(args.run or config.paths.archive)
    with open_for_reading(database) as reader:
        for note in reader.notes():
            print(note, file=sys.stderr)
        try:
            relation = reader.connection.sql(sql, params=params or None)
            table = relation.to_arrow_table() if relation is not None else None
        except duckdb.Error as error:
            raise CommandError(str(error).strip()) from error
    if table is None:
        print("ok (the statement returned no rows)", file=sys.stderr)
        return 0
    return write(table, args.format, args.out)


def parse_params(items: list[str]) -> dict[str, str]:
    params = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--param {item!r}: write NAME=VALUE")
        params[name.strip()] = value
    return params


def list_queries(folder: Path) -> int:
    from ..archive import queries as canned
    from .errors import CommandError

    try:
        found = canned.available(folder)
    except canned.QueryError as error:
        raise CommandError(str(error)) from error
    if not found:
        raise CommandError(f"no canned queries in {folder}")
    for query in found:
        params = " ".join(f"--param {p.name}=..." if p.default is None else f"[--param {p.name}={p.default}]"
                          for p in query.params)
        print(f"{query.name}{' ' + params if params else ''}\n    {query.question}")
    print(f"\nrun one with: evolve sql --query NAME   ({len(found)} in {folder})")
    return 0


def write(table, fmt: str, out: Path | None) -> int:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, out)
        print(f"{table.num_rows} row(s) written to {out}", file=sys.stderr)
        return 0
    rows = python_rows(table)
    if fmt == "json":
        text = json.dumps(rows, default=str, indent=1, ensure_ascii=False) + "\n"
    elif fmt == "csv":
        buffer = io.StringIO()
        sink = csv.writer(buffer, lineterminator="\n")
        sink.writerow(table.column_names)
        sink.writerows([cell(row[c], None) for c in table.column_names] for row in rows)
        text = buffer.getvalue()
    else:
        from ..table import format_table

        text = format_table(table.column_names,
                            [[cell(row[c], MAX_CELL) for c in table.column_names] for row in rows]) + "\n"
        text += f"({table.num_rows} row{'s' if table.num_rows != 1 else ''})\n"
    if out:
        out.write_text(text, encoding="utf-8")
        print(f"{table.num_rows} row(s) written to {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def python_rows(table) -> list[dict]:
    """Rows as dicts; MAP columns become dicts (Arrow gives lists of pairs)."""
    import pyarrow as pa

    maps = [f.name for f in table.schema if pa.types.is_map(f.type)]
    rows = table.to_pylist()
    for row in rows:
        for name in maps:
            if row[name] is not None:
                row[name] = dict(row[name])
    return rows


def cell(value, limit: int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:.6g}"
    elif isinstance(value, dt.datetime):
        text = value.isoformat(sep=" ", timespec="seconds")
    elif isinstance(value, (list, dict)):
        text = json.dumps(value, default=str, ensure_ascii=False)
    else:
        text = str(value)
    if limit is not None:
        text = " ".join(text.split())
        if len(text) > limit:
            text = text[:limit - 1] + "…"
    return text
