"""Movement rows as column blocks, and a small builder for hand-shaped patterns.

Why: the background is generated as large NumPy column blocks; laundering instances, decoys and
camouflage are built hop by hop (each hop depends on the previous one's time and amount) but are
few. Both end up as the same :class:`Block` so the writers only know one thing.

Amounts are stored in the currency of the movement (``ccy``), already rounded to cents, so that
what the tests and detectors see is exactly what is written.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from loaders.formats import NATIVE_CHANNELS
from toolkit.generate.population import RATES, Population

__all__ = ["Block", "concat", "RowBuilder", "CHANNELS", "CH", "DEPOSIT", "TRANSFER", "WITHDRAWAL"]

DEPOSIT, TRANSFER, WITHDRAWAL = 0, 1, 2
#: the channels the native loader accepts: the generator writes nothing the loader would reject
CHANNELS: tuple[str, ...] = NATIVE_CHANNELS
CH: dict[str, int] = {c: i for i, c in enumerate(CHANNELS)}


@dataclass
class Block:
    """Parallel arrays of movements.

    Attributes
    ----------
    kind : int8
        0 deposit, 1 transfer, 2 withdrawal.
    src, dst : int64
        Account rows; ``-1`` for the cash side.
    amount : float64
        In the movement currency, rounded to cents.
    ccy : int8
        Code into :data:`toolkit.generate.population.CURRENCIES`.
    ts : int64
        Epoch seconds.
    channel : int8
        Code into :data:`CHANNELS`.
    alert : int32
        Index of the laundering instance (``-1`` honest).
    decoy : int32
        Index of the decoy instance (``-1`` none).
    """

    kind: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    amount: np.ndarray
    ccy: np.ndarray
    ts: np.ndarray
    channel: np.ndarray
    alert: np.ndarray
    decoy: np.ndarray

    def __len__(self) -> int:
        return len(self.kind)

    @classmethod
    def empty(cls) -> "Block":
        return cls(
            kind=np.empty(0, np.int8),
            src=np.empty(0, np.int64),
            dst=np.empty(0, np.int64),
            amount=np.empty(0, np.float64),
            ccy=np.empty(0, np.int8),
            ts=np.empty(0, np.int64),
            channel=np.empty(0, np.int8),
            alert=np.empty(0, np.int32),
            decoy=np.empty(0, np.int32),
        )

    def take(self, idx: np.ndarray) -> "Block":
        """Rows at ``idx`` (indices or boolean mask)."""
        return Block(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    @property
    def n_transfers(self) -> int:
        return int(np.count_nonzero(self.kind == TRANSFER))


def concat(blocks: list[Block]) -> Block:
    """One block from several (in order)."""
    blocks = [b for b in blocks if len(b)]
    if not blocks:
        return Block.empty()
    return Block(
        **{f.name: np.concatenate([getattr(b, f.name) for b in blocks]) for f in fields(Block)}
    )


class RowBuilder:
    """Collects hand-built movements (laundering, decoys, camouflage) row by row.

    Why row by row: a hop's time and amount depend on the previous hop, so these patterns are
    naturally sequential; there are only a few thousand of them even at millions of transfers.
    Amounts are given in USD and converted to the paying account's currency (a deposit or a
    withdrawal is in the account's currency), then rounded to cents.
    """

    def __init__(self, pop: Population) -> None:
        self.pop = pop
        self._cols: dict[str, list] = {f.name: [] for f in fields(Block)}

    def __len__(self) -> int:
        return len(self._cols["kind"])

    def _add(self, kind: int, src: int, dst: int, amount: float, ccy: int, ts: int,
             channel: str, alert: int, decoy: int) -> int:
        c = self._cols
        c["kind"].append(kind)
        c["src"].append(src)
        c["dst"].append(dst)
        c["amount"].append(round(float(amount), 2))
        c["ccy"].append(ccy)
        c["ts"].append(int(ts))
        c["channel"].append(CH[channel])
        c["alert"].append(alert)
        c["decoy"].append(decoy)
        return len(c["kind"]) - 1

    def _to_ccy(self, acc: int, usd: float) -> tuple[float, int]:
        ccy = int(self.pop.currency[acc])
        return max(usd / RATES[ccy], 0.01), ccy

    def transfer(self, src: int, dst: int, usd: float, ts: int, channel: str,
                 alert: int = -1, decoy: int = -1) -> float:
        """Add a transfer; returns the USD value actually written (after rounding)."""
        amt, ccy = self._to_ccy(src, usd)
        self._add(TRANSFER, src, dst, amt, ccy, ts, channel, alert, decoy)
        return round(amt, 2) * RATES[ccy]

    def deposit(self, acc: int, usd: float, ts: int, alert: int = -1, decoy: int = -1,
                amount_ccy: float | None = None) -> float:
        """Add a cash deposit (``amount_ccy`` overrides ``usd`` when given)."""
        amt, ccy = self._to_ccy(acc, usd)
        if amount_ccy is not None:
            amt = amount_ccy
        self._add(DEPOSIT, -1, acc, amt, ccy, ts, "cash", alert, decoy)
        return round(amt, 2) * RATES[ccy]

    def withdraw(self, acc: int, usd: float, ts: int, alert: int = -1, decoy: int = -1) -> float:
        """Add a cash withdrawal."""
        amt, ccy = self._to_ccy(acc, usd)
        self._add(WITHDRAWAL, acc, -1, amt, ccy, ts, "cash", alert, decoy)
        return round(amt, 2) * RATES[ccy]

    def block(self) -> Block:
        """Everything added so far as a :class:`Block`."""
        c = self._cols
        return Block(
            kind=np.array(c["kind"], np.int8),
            src=np.array(c["src"], np.int64),
            dst=np.array(c["dst"], np.int64),
            amount=np.array(c["amount"], np.float64),
            ccy=np.array(c["ccy"], np.int8),
            ts=np.array(c["ts"], np.int64),
            channel=np.array(c["channel"], np.int8),
            alert=np.array(c["alert"], np.int32),
            decoy=np.array(c["decoy"], np.int32),
        )
