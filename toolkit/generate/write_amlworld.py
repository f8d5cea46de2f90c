"""The AMLworld layout: one ``transactions.csv`` like IBM's ``HI-Small_Trans.csv``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from loaders import formats as F
from toolkit.currency import AMLWORLD_NAMES
from toolkit.generate.population import CURRENCIES, EXTERNAL, RATES
from toolkit.generate.rows import CHANNELS, TRANSFER, Block
from toolkit.generate.sinks import Clock, CsvSink, WriteContext, Writer, cents, str_array

__all__ = ["AmlworldWriter"]


def _hex_accounts(numbers: np.ndarray) -> np.ndarray:
    """AMLworld-style account strings: 9 upper-case hex digits, a bijective scramble."""
    with np.errstate(over="ignore"):
        x = (numbers.astype(np.uint64) * np.uint64(0x9E3779B1) + np.uint64(0x800000000)) \
            % np.uint64(16**9)
    return np.array([f"{int(v):09X}" for v in x], dtype=object)


class AmlworldWriter(Writer):
    """One ``transactions.csv`` in the layout of AMLworld's ``HI-Small_Trans.csv``.

    Home-bank accounts sit at bank ``070``; external accounts at banks ``100``-``999``. A cash
    deposit or withdrawal is a ``Cash`` row from the account to itself. ``Amount Paid`` is in the
    payer's currency, ``Amount Received`` in the receiver's (converted with the reference rates).
    Movements in ``truth/`` are 1-based data-row numbers of ``transactions.csv``; accounts are
    the hex strings.
    """

    HOME_BANK = 70

    def __init__(self, out_dir: Path, ctx: WriteContext) -> None:
        super().__init__(out_dir, ctx)
        pop = ctx.pop
        self.hex = _hex_accounts(pop.number)
        self.acc = pa.array(self.hex, pa.string())
        bank = np.where(pop.cls == EXTERNAL, 100 + pop.number % 900, self.HOME_BANK)
        self.bank = pa.array(np.char.zfill(bank.astype(str), 3).astype(object), pa.string())
        names = {code: name for name, code in AMLWORLD_NAMES.items()}
        self.ccy_names = str_array([names[c] for c in CURRENCIES])
        self.formats = str_array([F.AMLWORLD_CHANNEL_FORMATS[c] for c in CHANNELS])
        self.clock = Clock(ctx.t0, ctx.days, "slash", "minute")
        schema = pa.schema([(f"c{i}", pa.string()) for i in range(len(F.AMLWORLD_COLUMNS))])
        self.sink = CsvSink(out_dir / F.AMLWORLD_TRANSACTIONS_FILE, F.AMLWORLD_COLUMNS, schema)

    def account_labels(self, rows: np.ndarray) -> list[str]:
        return [str(self.hex[r]) for r in rows]

    def write_accounts(self) -> None:
        """AMLworld has no accounts file; accounts exist only as transaction endpoints."""

    def _write_rows(self, b: Block, seq: np.ndarray) -> None:
        src = np.where(b.src >= 0, b.src, b.dst)  # cash: the account on both sides
        dst = np.where(b.dst >= 0, b.dst, b.src)
        rcv_ccy = np.where(b.kind == TRANSFER, self.ctx.pop.currency[dst], b.ccy)
        received = np.round(b.amount * RATES[b.ccy] / RATES[rcv_ccy], 2)
        received = np.where(rcv_ccy == b.ccy, b.amount, np.maximum(received, 0.01))
        cols = [
            self.clock.format(b.ts),
            self.bank.take(pa.array(src)),
            self.acc.take(pa.array(src)),
            self.bank.take(pa.array(dst)),
            self.acc.take(pa.array(dst)),
            pc.cast(cents(received), pa.string()),
            self.ccy_names.take(pa.array(rcv_ccy.astype(np.int64))),
            pc.cast(cents(b.amount), pa.string()),
            self.ccy_names.take(pa.array(b.ccy.astype(np.int64))),
            self.formats.take(pa.array(b.channel.astype(np.int64))),
            pc.cast(pa.array((b.alert >= 0).astype(np.int64)), pa.string()),
        ]
        self.sink.write(pa.Table.from_arrays(cols, schema=self.sink.schema))

    def _close_sinks(self) -> None:
        self.sink.close()
        self.paths.append(self.sink.path)
