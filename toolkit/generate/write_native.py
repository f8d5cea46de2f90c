"""The native layout: ``accounts`` and ``movements`` (CSV or Parquet) plus ``truth/``.

Column lists and file names come from :mod:`loaders.formats`; Parquet keeps types (amount
float64, ts timestamp[s, UTC], opened date32, is_laundering bool) where CSV writes text.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from loaders import formats as F
from toolkit.generate.population import CLASSES, COUNTRIES, CURRENCIES, account_number_ids
from toolkit.generate.rows import CHANNELS, Block
from toolkit.generate.sinks import (
    DAY,
    Clock,
    CsvSink,
    WriteContext,
    Writer,
    cents,
    id_strings,
    str_array,
)

__all__ = ["NativeWriter"]


class NativeWriter(Writer):
    """``accounts`` / ``movements`` (CSV or Parquet) plus ``truth/``."""

    def __init__(self, out_dir: Path, ctx: WriteContext, file_format: str = "csv") -> None:
        super().__init__(out_dir, ctx)
        self.parquet = file_format == "parquet"
        ext = ".parquet" if self.parquet else ".csv"
        self.acc_path = out_dir / (F.NATIVE_ACCOUNTS_FILE + ext)
        self.mov_path = out_dir / (F.NATIVE_MOVEMENTS_FILE + ext)
        self.acc_ids = pa.array(account_number_ids(ctx.pop.number), pa.string())
        self.clock = Clock(ctx.t0, ctx.days, "iso", "iso")
        self.alert_typ = str_array([a.typology for a in ctx.alerts] or [""])
        self.alert_id = id_strings("A", np.arange(1, len(ctx.alerts) + 1), 6) if ctx.alerts \
            else str_array([""])
        self._sink = None

    def account_labels(self, rows: np.ndarray) -> list[str]:
        return self.acc_ids.take(pa.array(rows, pa.int64())).to_pylist()

    def movement_labels(self, seq: np.ndarray) -> list[str]:
        return id_strings("MV", seq, 10).to_pylist() if len(seq) else []

    def _opt(self, table: pa.Array, idx: np.ndarray) -> pa.Array:
        """``table[idx]`` with nulls where ``idx < 0``."""
        return table.take(pa.array(np.maximum(idx, 0), pa.int64(), mask=idx < 0))

    def write_accounts(self) -> None:
        pop, ctx = self.ctx.pop, self.ctx
        order = np.argsort(pop.number, kind="stable")
        first = ctx.first_alert()[order]
        cust = pop.customer[order]
        cust_ids = id_strings("CU", np.maximum(cust, 0), 7)
        cust_ids = pc.if_else(pa.array(cust >= 0), cust_ids, pa.scalar(None, pa.string()))
        cap = pop.capital[order]
        opened_days = (pop.opened[order] // DAY).astype("datetime64[D]")
        cols = {
            "id": self.acc_ids.take(pa.array(order)),
            "class": str_array(CLASSES).take(pa.array(pop.cls[order].astype(np.int64))),
            "currency": str_array(CURRENCIES).take(pa.array(pop.currency[order].astype(np.int64))),
            "country": str_array(COUNTRIES).take(pa.array(pop.country[order].astype(np.int64))),
            "opened": pa.array(opened_days, pa.date32()),
            "registered_capital": None,
            "customer": cust_ids,
            "name": pa.array(pop.name[order], pa.string()),
            "is_laundering": pa.array(ctx.laundering[order]),
            "typology": self._opt(self.alert_typ, first),
            "alert_id": self._opt(self.alert_id, first),
        }
        if self.parquet:
            cols["registered_capital"] = pa.array(cap, pa.float64(), mask=np.isnan(cap))
            table = pa.table({k: cols[k] for k in F.NATIVE_ACCOUNT_COLUMNS})
            pq.write_table(table, self.acc_path)
        else:
            cols["registered_capital"] = pc.cast(
                pa.array(np.round(np.nan_to_num(cap), 2), mask=np.isnan(cap)),
                pa.decimal128(20, 2), safe=False)
            cols["opened"] = pc.cast(cols["opened"], pa.string())
            table = pa.table({k: cols[k] for k in F.NATIVE_ACCOUNT_COLUMNS})
            sink = CsvSink(self.acc_path, F.NATIVE_ACCOUNT_COLUMNS, table.schema)
            sink.write(table)
            sink.close()
        self.paths.append(self.acc_path)

    def _write_rows(self, b: Block, seq: np.ndarray) -> None:
        kinds = str_array(F.NATIVE_KINDS)
        cols = {
            "id": id_strings("MV", seq, 10),
            "kind": kinds.take(pa.array(b.kind.astype(np.int64))),
            "from": self._opt(self.acc_ids, b.src),
            "to": self._opt(self.acc_ids, b.dst),
            "amount": None,
            "currency": str_array(CURRENCIES).take(pa.array(b.ccy.astype(np.int64))),
            "ts": None,
            "channel": str_array(CHANNELS).take(pa.array(b.channel.astype(np.int64))),
            "is_laundering": pa.array(b.alert >= 0),
            "typology": self._opt(self.alert_typ, b.alert.astype(np.int64)),
            "alert_id": self._opt(self.alert_id, b.alert.astype(np.int64)),
        }
        if self.parquet:
            cols["amount"] = pa.array(np.round(b.amount, 2))
            cols["ts"] = pa.array(b.ts, pa.timestamp("s", tz="UTC"))
        else:
            cols["amount"] = cents(b.amount)
            cols["ts"] = self.clock.format(b.ts)
        table = pa.table({k: cols[k] for k in F.NATIVE_MOVEMENT_COLUMNS})
        if self._sink is None:
            if self.parquet:
                self._sink = pq.ParquetWriter(self.mov_path, table.schema)
            else:
                self._sink = CsvSink(self.mov_path, F.NATIVE_MOVEMENT_COLUMNS, table.schema)
            self.paths.append(self.mov_path)
        if self.parquet:
            self._sink.write_table(table)
        else:
            self._sink.write(table)

    def _close_sinks(self) -> None:
        if self._sink is None:  # no movements at all: still write an empty file
            self._write_rows(Block.empty(), np.empty(0, np.int64))
        self._sink.close()
