"""Shared machinery of the writers: Arrow string kernels, CSV sinks, ground-truth collection.

Why pyarrow: each chunk of movements becomes one Arrow table whose string columns are built by
vectorised ``take``/``join`` kernels (ids, account references, timestamps via a per-day and
per-second lookup), then appended with ``pyarrow.csv.CSVWriter`` or
``pyarrow.parquet.ParquetWriter``. No Python code runs per row, and memory is one chunk.

Headers come from :mod:`loaders.formats` and are written verbatim (unquoted; AMLworld repeats the
name ``Account``); values never contain commas or quotes, so the body is written unquoted too.
Ground truth (which movement belongs to which alert or decoy) is collected while chunks are
written, because movement ids are only assigned then, and written by :meth:`Writer.close`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from loaders import formats as F
from toolkit.generate.decoys import Decoy
from toolkit.generate.population import Population
from toolkit.generate.rows import Block
from toolkit.generate.typologies import Alert

__all__ = [
    "WriteContext",
    "Writer",
    "CsvSink",
    "Clock",
    "str_array",
    "id_strings",
    "cents",
    "bool_strings",
    "write_small_csv",
    "DAY",
]

DAY = 86_400
CSV_BODY = pacsv.WriteOptions(include_header=False, quoting_style="none", delimiter=",")


@dataclass
class WriteContext:
    """What every writer needs besides the movements."""

    pop: Population
    alerts: list[Alert]
    decoys: list[Decoy]
    laundering: np.ndarray
    t0: int
    days: int
    start: str
    seed: int

    def first_alert(self) -> np.ndarray:
        """Per account, the index of the first alert it belongs to (``-1`` none)."""
        first = np.full(len(self.pop), -1, np.int64)
        for i, a in enumerate(self.alerts):
            for acc in a.accounts:
                if first[acc] < 0:
                    first[acc] = i
        return first


def str_array(values: list[str] | tuple[str, ...]) -> pa.Array:
    """An Arrow string array (a lookup table for ``take``)."""
    return pa.array(list(values), pa.string())


def id_strings(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + zero-padded numbers, vectorised."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def cents(x: np.ndarray) -> pa.Array:
    """Amounts as exact two-decimal numbers (written ``12.50``)."""
    return pc.cast(pa.array(np.round(x, 2)), pa.decimal128(20, 2), safe=False)


def bool_strings(mask: np.ndarray, yes: str, no: str) -> pa.Array:
    return pa.array(np.array([no, yes], dtype=object)[mask.astype(np.int64)], pa.string())


class Clock:
    """Fast timestamp formatting: one string per day and one per second (or minute) of day."""

    def __init__(self, t0: int, days: int, day_fmt: str, tod: str) -> None:
        d0 = t0 // DAY - 2
        self.d0 = d0
        day_np = (np.arange(days + 5) + d0).astype("datetime64[D]")
        day_txt = np.datetime_as_string(day_np, unit="D")
        if day_fmt == "slash":
            day_txt = np.char.replace(day_txt, "-", "/")
        self.days = pa.array(day_txt.astype(object), pa.string())
        secs = np.arange(DAY).astype("datetime64[s]")
        txt = np.datetime_as_string(secs, unit="s")  # 1970-01-01T00:00:00
        if tod == "iso":
            self.tod = pc.binary_join_element_wise(
                pc.utf8_slice_codeunits(pa.array(txt.astype(object)), 10), "Z", ""
            )  # "T00:00:00Z"
            self.step = 1
        else:
            mins = np.datetime_as_string(np.arange(1440).astype("datetime64[m]"), unit="m")
            self.tod = pc.utf8_slice_codeunits(
                pa.array(np.char.replace(mins, "T", " ").astype(object)), 10
            )  # " 00:00"
            self.step = 60

    def format(self, ts: np.ndarray) -> pa.Array:
        day = pa.array(ts // DAY - self.d0)
        tod = pa.array((ts % DAY) // self.step)
        return pc.binary_join_element_wise(self.days.take(day), self.tod.take(tod), "")


def write_small_csv(path: Path, header: tuple[str, ...] | list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


class CsvSink:
    """A CSV file: a verbatim header line, then Arrow tables appended without a header."""

    def __init__(self, path: Path, header: tuple[str, ...], schema: pa.Schema) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.schema = schema
        self._f = open(path, "wb")
        self._f.write((",".join(header) + "\n").encode())
        self._w = pacsv.CSVWriter(self._f, schema, write_options=CSV_BODY)

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            self._w.write_table(table)

    def close(self) -> None:
        self._w.close()
        self._f.close()


class Writer:
    """Base: assigns sequence numbers to movements and collects the ground truth."""

    def __init__(self, out_dir: Path, ctx: WriteContext) -> None:
        self.out = out_dir
        self.ctx = ctx
        self.seq = 0
        self._truth_alert: list[np.ndarray] = []
        self._truth_decoy: list[np.ndarray] = []
        self.paths: list[Path] = []

    def write_accounts(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _write_rows(self, block: Block, seq: np.ndarray) -> None:  # pragma: no cover
        raise NotImplementedError

    def write_chunk(self, block: Block) -> None:
        """Append movements; they get the next sequence numbers (1-based)."""
        seq = np.arange(self.seq + 1, self.seq + 1 + len(block), dtype=np.int64)
        self.seq += len(block)
        a = block.alert >= 0
        if a.any():
            self._truth_alert.append(np.stack([block.alert[a].astype(np.int64), seq[a]], 1))
        d = block.decoy >= 0
        if d.any():
            self._truth_decoy.append(np.stack([block.decoy[d].astype(np.int64), seq[d]], 1))
        self._write_rows(block, seq)

    # truth -------------------------------------------------------------------------------------
    @staticmethod
    def _grouped(parts: list[np.ndarray], n: int) -> list[np.ndarray]:
        if not parts:
            return [np.empty(0, np.int64) for _ in range(n)]
        arr = np.concatenate(parts)
        arr = arr[np.lexsort((arr[:, 1], arr[:, 0]))]
        cuts = np.searchsorted(arr[:, 0], np.arange(n + 1))
        return [arr[cuts[i]:cuts[i + 1], 1] for i in range(n)]

    def account_labels(self, rows: np.ndarray) -> list[str]:
        raise NotImplementedError  # pragma: no cover

    def movement_labels(self, seq: np.ndarray) -> list[str]:
        return [str(int(s)) for s in seq]

    def _write_truth(self) -> None:
        sep = F.NATIVE_LIST_SEPARATOR
        movs = self._grouped(self._truth_alert, len(self.ctx.alerts))
        rows = [
            [f"A{i + 1:06d}", a.typology, sep.join(self.account_labels(np.array(a.accounts))),
             sep.join(self.movement_labels(movs[i]))]
            for i, a in enumerate(self.ctx.alerts)
        ]
        p = self.out / F.NATIVE_ALERTS_FILE
        write_small_csv(p, F.NATIVE_ALERT_COLUMNS, rows)
        dmovs = self._grouped(self._truth_decoy, len(self.ctx.decoys))
        rows = [
            [f"D{i + 1:06d}", d.shape, sep.join(self.account_labels(np.array(d.accounts))),
             sep.join(self.movement_labels(dmovs[i]))]
            for i, d in enumerate(self.ctx.decoys)
        ]
        q = self.out / F.NATIVE_DECOYS_FILE
        write_small_csv(q, F.NATIVE_DECOY_COLUMNS, rows)
        self.paths += [p, q]

    def close(self) -> list[Path]:
        """Finish the files; returns every path written."""
        self._close_sinks()
        self._write_truth()
        return self.paths

    def _close_sinks(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError
