"""Run the store mixins' SQL on PostgreSQL: a small dialect translator and connection adapter.

The store's query code (dedup, vectors, entities, events, sources: ``sqlite_*.py``) is
written once, in the portable subset of SQL that SQLite and PostgreSQL share, with SQLite's
parameter style. Rather than keep a second copy of ~2,000 lines for PostgreSQL, the
PostgreSQL store hands the mixins a :class:`PgConnection` whose ``execute`` rewrites the few
places where the dialects differ, once per distinct statement (cached):

* parameters: ``?`` becomes ``%s``; numbered ``?N`` (SQLite numbers a plain ``?`` after the
  highest number used so far) and ``:name`` become ``%(pN)s`` / ``%(name)s``; a literal
  ``%`` is doubled for psycopg;
* ``json_each(?)`` (a JSON array parameter unpacked into rows) becomes
  ``jsonb_array_elements_text(?::jsonb)``: both produce a column called ``value`` (cast to
  ``bigint`` where an integer column is compared with it);
* ``INSERT OR IGNORE`` becomes ``INSERT ... ON CONFLICT DO NOTHING`` and ``INSERT OR
  REPLACE`` an upsert on the table's primary key that sets every listed column.

Everything else (``ON CONFLICT ... DO UPDATE``, ``RETURNING``, ``coalesce``, ``substr``,
partial indexes, window-free aggregates) already means the same in both. Rows support index
and column-name access, like ``sqlite3.Row``, and ``total_changes`` counts changed rows as
SQLite's does. Values are always bound by the driver, never formatted into SQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from storyline.errors import StorageError

if TYPE_CHECKING:
    import psycopg

__all__ = ["PgConnection", "Row", "row_factory", "translate_sql"]

#: Primary keys of the tables the mixins write with ``INSERT OR REPLACE``.
_PRIMARY_KEYS: dict[str, tuple[str, ...]] = {"events": ("id",), "storylines": ("id",)}

_TOKENS = re.compile(
    r"""(?P<string>'(?:[^']|'')*')
      | (?P<ident>"(?:[^"]|"")*")
      | (?P<numbered>\?(?P<number>\d+))
      | (?P<plain>\?)
      | (?P<named>(?<!:):(?P<name>[A-Za-z_]\w*))
      | (?P<percent>%)""",
    re.VERBOSE,
)
_JSON_EACH = re.compile(r"json_each\((%s|%\(\w+\)s)\)")
#: Integer columns compared with ``IN (SELECT value FROM json_each(?))``: PostgreSQL's
#: ``jsonb_array_elements_text`` yields text, so the values are cast for these.
_INT_COLUMNS = frozenset({"bucket", "fp", "seq", "entity_id"})
_IN_JSON = re.compile(r"\b(\w+) IN \(SELECT value FROM json_each")
_OR_IGNORE = re.compile(r"^\s*INSERT\s+OR\s+IGNORE\s+INTO\s", re.IGNORECASE)
_OR_REPLACE = re.compile(
    r"^\s*INSERT\s+OR\s+REPLACE\s+INTO\s+(\w+)\s*\(([^)]*)\)", re.IGNORECASE | re.DOTALL
)


@lru_cache(maxsize=1024)
def translate_sql(sql: str) -> tuple[str, str, tuple[str, ...]]:
    """``sql`` in PostgreSQL's dialect, with how to bind its parameters.

    Returns ``(sql, style, names)``: ``style`` is ``"seq"`` (bind a sequence as is),
    ``"numbered"`` (bind ``names[i]`` = the i-th value of a sequence, SQLite's ``?N``) or
    ``"named"`` (bind a mapping as is).
    """
    out: list[str] = []
    last = 0
    style = "seq"
    highest = 0
    for match in _TOKENS.finditer(sql):
        out.append(sql[last : match.start()])
        last = match.end()
        kind = match.lastgroup
        if kind == "string":
            out.append(match.group().replace("%", "%%"))
        elif kind == "ident":
            out.append(match.group())
        elif kind == "percent":
            out.append("%%")
        elif kind == "named":
            style = "named"
            out.append(f"%({match.group('name')})s")
        elif kind == "numbered":
            style = "numbered"
            number = int(match.group("number"))
            highest = max(highest, number)
            out.append(f"%(p{number})s")
        else:
            highest += 1
            out.append(f"\0{highest}\0")
    out.append(sql[last:])
    text = "".join(out)
    # Plain "?" became a numbered slot; render the slots once the style is known.
    slots = re.compile(r"\0(\d+)\0")
    if style == "numbered":
        text = slots.sub(lambda m: f"%(p{m.group(1)})s", text)
    else:
        text = slots.sub("%s", text)
    text = _IN_JSON.sub(
        lambda m: (
            f"{m.group(1)} IN (SELECT value::bigint FROM json_each"  # noqa: S608 - SQL text
            if m.group(1) in _INT_COLUMNS
            else m.group()
        ),
        text,
    )
    text = _JSON_EACH.sub(r"jsonb_array_elements_text(\1::jsonb)", text)
    if _OR_IGNORE.match(text):
        text = _OR_IGNORE.sub("INSERT INTO ", text).rstrip().rstrip(";") + " ON CONFLICT DO NOTHING"
    elif replace := _OR_REPLACE.match(text):
        table = replace.group(1)
        keys = _PRIMARY_KEYS.get(table)
        if keys is None:  # a programming error: add the table's key above
            raise StorageError(f"INSERT OR REPLACE INTO {table}: its primary key is not known")
        columns = [c.strip() for c in replace.group(2).split(",")]
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keys)
        text = (
            f"INSERT INTO {table} ({', '.join(columns)})"
            + text[replace.end() :].rstrip().rstrip(";")
            + f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
        )
    names = tuple(f"p{n}" for n in range(1, highest + 1)) if style == "numbered" else ()
    return text, style, names


def _bind(style: str, names: tuple[str, ...], params: Any) -> Any:
    if style == "numbered":
        return dict(zip(names, params, strict=False))
    if style == "named":
        return params if isinstance(params, Mapping) else {}
    return list(params) if params is not None else []


class Row(tuple[Any, ...]):
    """A result row readable by position and by column name, like ``sqlite3.Row``."""

    __slots__ = ()
    _index: dict[str, int] = {}  # noqa: RUF012 - set per column list by _row_class

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


@lru_cache(maxsize=512)
def _row_class(names: tuple[str, ...]) -> type[Row]:
    index: dict[str, int] = {}
    for position, name in enumerate(names):
        index.setdefault(name, position)  # the first of two equal names wins, as in SQLite
    return type("Row", (Row,), {"__slots__": (), "_index": index})


def row_factory(cursor: psycopg.Cursor[Any]) -> Any:
    """A psycopg row factory making :class:`Row` objects."""
    description = cursor.description
    if description is None:
        return tuple
    cls = _row_class(tuple(column.name for column in description))

    def make(values: Sequence[Any]) -> Row:
        return cls(values)

    return make


class PgConnection:
    """A psycopg connection speaking the subset of ``sqlite3.Connection`` the mixins use."""

    __slots__ = ("conn", "total_changes")

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self.total_changes = 0

    def execute(self, sql: str, params: Any = ()) -> psycopg.Cursor[Any]:
        text, style, names = translate_sql(sql)
        cursor = self.conn.execute(text, _bind(style, names, params))
        if cursor.rowcount > 0 and cursor.description is None:
            self.total_changes += cursor.rowcount
        return cursor

    def executemany(self, sql: str, seq: Iterable[Any]) -> psycopg.Cursor[Any]:
        text, style, names = translate_sql(sql)
        cursor = self.conn.cursor()
        rows = [_bind(style, names, params) for params in seq]
        if rows:
            cursor.executemany(text, rows)
            if cursor.rowcount > 0:
                self.total_changes += cursor.rowcount
        return cursor
