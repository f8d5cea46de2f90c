"""Read CSV and Parquet files in chunks of string columns, with file row numbers.

Why strings: the loader must be able to say *which* row and field of a file was wrong, so it reads
every field as text and validates it itself (vectorised, a chunk at a time) instead of letting a
typed reader fail on the first bad value and lose the rest of the file.

Why chunks: memory stays bounded however big the file is; a 2-million-row file never sits in
memory whole.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from toolkit.errors import LoadError

__all__ = ["Chunk", "read_header", "iter_chunks", "ROW"]

#: Name of the column that carries each row's number in its file (header = line 1 for CSV).
ROW = "_row"


@dataclass(frozen=True)
class Chunk:
    """Rows of one file: string columns plus :data:`ROW`.

    ``malformed`` lists rows the CSV parser could not split into the header's fields
    (row number, raw text); they are rejects, and the other rows still load.
    """

    path: Path
    frame: pd.DataFrame
    malformed: tuple[tuple[int | None, str], ...] = ()


def _dedupe(names: list[str]) -> list[str]:
    """Make repeated header names unique: AMLworld has two columns named ``Account``."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            seen[n] += 1
            out.append(f"{n}.{seen[n]}")
        else:
            seen[n] = 0
            out.append(n)
    return out


def read_header(path: Path) -> list[str]:
    """The column names of a CSV or Parquet file (a UTF-8 BOM is ignored; repeats deduplicated).

    Raises
    ------
    LoadError
        Missing file, empty file, or an unreadable header.
    """
    if not path.exists():
        raise LoadError(str(path), None, None, "no such file")
    if path.is_dir():
        raise LoadError(str(path), None, None, "is a directory, expected a file")
    if path.suffix.lower() == ".parquet":
        try:
            return list(pq.ParquetFile(path).schema_arrow.names)
        except (pa.ArrowInvalid, OSError) as exc:
            raise LoadError(str(path), None, None, f"not a readable Parquet file: {exc}") from None
    with open(path, "rb") as fh:
        first = fh.readline()
    if not first.strip():
        raise LoadError(str(path), None, None, "the file is empty (no header line)")
    try:
        text = first.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError:
        raise LoadError(str(path), 1, None, "header is not UTF-8 text") from None
    import csv

    names = next(csv.reader(io.StringIO(text)))
    return _dedupe([n.strip() for n in names])


def iter_chunks(path: Path, chunk_rows: int = 200_000) -> Iterator[Chunk]:
    """Yield the file as chunks of string columns with their row numbers.

    CSV row numbers count the header as line 1, so the first data row is 2 (what an editor shows).
    Parquet rows are numbered from 1.
    """
    names = read_header(path)
    if path.suffix.lower() == ".parquet":
        pf = pq.ParquetFile(path)
        start = 1
        for batch in pf.iter_batches(batch_size=chunk_rows):
            cols = {}
            for name, col in zip(names, batch.columns):
                if pa.types.is_timestamp(col.type):
                    s = col.to_pandas()
                    if s.dt.tz is None:
                        s = s.dt.tz_localize("UTC")
                    cols[name] = s.dt.strftime("%Y-%m-%dT%H:%M:%SZ").fillna("").to_numpy(dtype=object)
                else:
                    cols[name] = (
                        col.cast(pa.string()).to_pandas().fillna("").to_numpy(dtype=object)
                    )
            frame = pd.DataFrame(cols)
            frame[ROW] = range(start, start + len(frame))
            start += len(frame)
            yield Chunk(path, frame)
        return

    # 1 MB blocks (about 12,000 movement rows): each block becomes Python strings in the chunk,
    # and the loader's peak memory follows the chunk, not the file (8 MB blocks made chunks of
    # 96,000 rows whatever ``chunk_rows`` asked: 450 MB peak for a 600k-transfer load, against
    # 270 MB with 1 MB blocks and 20,000-row chunks)
    read_opts = pacsv.ReadOptions(
        column_names=names, skip_rows=1, block_size=1 << 20, encoding="utf8",
        use_threads=False,  # so that the parser knows the line number of a malformed row
    )
    conv = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    malformed: list[tuple[int | None, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        malformed.append((row.number, row.text))
        return "skip"

    parse = pacsv.ParseOptions(newlines_in_values=False, invalid_row_handler=on_invalid)
    try:
        reader = pacsv.open_csv(path, read_options=read_opts, convert_options=conv, parse_options=parse)
    except pa.ArrowInvalid as exc:
        raise LoadError(str(path), None, None, f"not readable as CSV: {exc}") from None
    start = 2
    pending: list[pd.DataFrame] = []
    pending_rows = 0
    reported = 0

    def numbers(first: int, k: int) -> tuple[np.ndarray, int]:
        """Row numbers of k parsed rows starting at file row ``first``, skipping malformed rows."""
        skipped = np.array(sorted(r for r, _t in malformed if r is not None and r >= first), dtype=np.int64)
        cand = np.arange(first, first + k + len(skipped), dtype=np.int64)
        cand = cand[~np.isin(cand, skipped)][:k]
        return cand, (int(cand[-1]) + 1 if len(cand) else first)

    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except pa.ArrowInvalid as exc:
            # A row with the wrong number of fields: pyarrow names the line ("Expected n columns").
            raise LoadError(str(path), None, None, f"malformed CSV: {exc}") from None
        frame = batch.to_pandas()
        frame.columns = names
        frame[ROW], start = numbers(start, len(frame))
        pending.append(frame)
        pending_rows += len(frame)
        if pending_rows >= chunk_rows:
            yield Chunk(path, pd.concat(pending, ignore_index=True), tuple(malformed[reported:]))
            reported = len(malformed)
            pending, pending_rows = [], 0
    if pending or len(malformed) > reported:
        frame = pd.concat(pending, ignore_index=True) if pending else pd.DataFrame(
            {**{n: pd.Series([], dtype=object) for n in names}, ROW: pd.Series([], dtype=np.int64)})
        yield Chunk(path, frame, tuple(malformed[reported:]))
