"""What honest money does: the background streams and their amount distributions.

Why a table: the background generator, the expected-turnover estimate behind registered capital,
and the hardness blending of laundering amounts ("draw close to ordinary amounts of the same
class") must all agree on what an ordinary card payment, invoice or cash deposit looks like.
Amounts are lognormal in USD, given by their median and log-space sigma.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "Stream",
    "RANDOM_STREAMS",
    "DEPOSIT_STREAMS",
    "WITHDRAWAL_STREAMS",
    "SALARY",
    "RENT",
    "ORDINARY",
    "ordinary_usd",
    "flow_key",
    "DEPOSITS_PER_TRANSFER",
    "WITHDRAWALS_PER_TRANSFER",
]


@dataclass(frozen=True)
class Stream:
    """One kind of honest movement.

    Attributes
    ----------
    name : str
    share : float
        Relative frequency among the streams of its table.
    senders, receivers : str
        Population pool names (``""`` for the cash side).
    pick : str
        How the receiver is chosen: ``weight`` (preferential, by ``w_in``), ``favourite``
        (mostly one of a few fixed favourites per sender, so pairs repeat), ``friend`` (a fixed
        circle of friends), ``sibling`` (another account of the same customer).
    channels, channel_p : tuple
        Channels and their probabilities.
    median, sigma : float
        Lognormal amount in USD.
    hour, hour_sd : float
        Time of day (hours, normal, clipped to the day).
    """

    name: str
    share: float
    senders: str
    receivers: str
    pick: str
    channels: tuple[str, ...]
    channel_p: tuple[float, ...]
    median: float
    sigma: float
    hour: float = 13.0
    hour_sd: float = 3.0

    @property
    def mean(self) -> float:
        """Expected amount in USD."""
        return float(self.median * np.exp(self.sigma**2 / 2))


def _s(name: str, share: float, snd: str, rcv: str, pick: str, ch: list[str], chp: list[float],
       med: float, sig: float, hour: float = 13.0, sd: float = 3.0) -> Stream:
    return Stream(name, share, snd, rcv, pick, tuple(ch), tuple(chp), med, sig, hour, sd)


#: Transfers drawn independently (row-wise, vectorised per chunk).
RANDOM_STREAMS: tuple[Stream, ...] = (
    _s("card", 0.40, "personal", "merchant", "favourite", ["card"], [1.0], 35, 0.9, 15, 4),
    _s("p2p", 0.15, "personal", "personal", "friend", ["ach"], [1.0], 60, 1.0, 16, 4),
    _s("bill", 0.09, "personal", "utility", "weight", ["ach"], [1.0], 110, 0.6, 9, 3),
    _s("invoice", 0.11, "business", "org", "favourite", ["wire", "ach", "cheque"],
       [0.4, 0.4, 0.2], 4500, 1.2, 12, 3),
    _s("supply", 0.06, "merchant", "business", "favourite", ["ach", "wire", "cheque"],
       [0.6, 0.3, 0.1], 2500, 1.1, 12, 3),
    _s("remit", 0.02, "personal", "msb", "weight", ["ach"], [1.0], 300, 0.8, 14, 4),
    _s("msb_out", 0.01, "msb", "external", "weight", ["cross_border"], [1.0], 2500, 1.0, 12, 3),
    _s("xb_in_person", 0.02, "external", "personal", "weight", ["cross_border"], [1.0],
       1200, 1.1, 11, 3),
    _s("xb_in_org", 0.02, "external", "org", "weight", ["cross_border"], [1.0], 8000, 1.2, 11, 3),
    _s("xb_out_org", 0.025, "org", "external", "favourite", ["cross_border"], [1.0],
       6000, 1.3, 12, 3),
    _s("xb_out_person", 0.01, "personal", "external", "weight", ["cross_border"], [1.0],
       800, 1.0, 13, 4),
    _s("crypto_out", 0.007, "personal", "exchange", "weight", ["crypto"], [1.0], 400, 1.2, 20, 3),
    _s("crypto_in", 0.003, "exchange", "personal", "weight", ["crypto"], [1.0], 600, 1.2, 20, 3),
    _s("purchase_person", 0.004, "personal", "dealer", "weight", ["purchase"], [1.0],
       15000, 0.6, 13, 3),
    _s("purchase_org", 0.002, "business", "dealer", "weight", ["purchase"], [1.0],
       30000, 0.7, 13, 3),
    _s("holding_in", 0.002, "business", "honest_shell", "weight", ["wire"], [1.0],
       20000, 1.0, 12, 2),
    _s("holding_out", 0.002, "honest_shell", "business", "weight", ["wire"], [1.0],
       20000, 1.0, 12, 2),
    _s("own", 0.02, "multi", "", "sibling", ["ach"], [1.0], 400, 1.2, 18, 4),
)

#: Cash deposits (``receivers`` empty: the account in ``senders`` is the depositor).
DEPOSIT_STREAMS: tuple[Stream, ...] = (
    _s("dep_person", 0.45, "personal", "", "weight", ["cash"], [1.0], 300, 1.0, 12, 3),
    _s("dep_merchant", 0.30, "merchant", "", "weight", ["cash"], [1.0], 2500, 0.9, 17, 2),
    _s("dep_business", 0.20, "business", "", "weight", ["cash"], [1.0], 1500, 1.0, 12, 3),
    _s("dep_msb", 0.05, "msb", "", "weight", ["cash"], [1.0], 3000, 0.8, 16, 2),
)
#: Cash withdrawals.
WITHDRAWAL_STREAMS: tuple[Stream, ...] = (
    _s("wd_person", 0.75, "personal", "", "weight", ["cash"], [1.0], 120, 0.8, 14, 4),
    _s("wd_business", 0.15, "business", "", "weight", ["cash"], [1.0], 1500, 1.0, 11, 2),
    _s("wd_merchant", 0.10, "merchant", "", "weight", ["cash"], [1.0], 800, 0.9, 9, 2),
)

#: Periodic streams (monthly, built per payer rather than per row).
SALARY = _s("salary", 0.09, "employer", "personal", "weight", ["ach"], [1.0], 3800, 0.5, 4, 1)
RENT = _s("rent", 0.05, "personal", "landlord", "weight", ["ach", "cheque"], [0.8, 0.2],
          1500, 0.45, 10, 3)

DEPOSITS_PER_TRANSFER = 0.06
WITHDRAWALS_PER_TRANSFER = 0.08

#: Ordinary amount models by flow key, for hardness blending.
ORDINARY: dict[str, Stream] = {
    s.name: s
    for s in RANDOM_STREAMS + DEPOSIT_STREAMS + WITHDRAWAL_STREAMS + (SALARY, RENT)
}


def flow_key(kind: str, src_cls: int, dst_cls: int | None = None) -> str:
    """The ordinary stream a laundering movement should resemble.

    Parameters
    ----------
    kind : str
        ``deposit``, ``withdrawal`` or ``transfer``.
    src_cls, dst_cls : int
        Class codes (see :mod:`toolkit.generate.population`) of the paying account (the
        depositor / withdrawer for cash) and of the receiver.
    """
    from toolkit.generate.population import EXTERNAL, MERCHANT, MSB, PERSONAL

    if kind == "deposit":
        return {PERSONAL: "dep_person", MERCHANT: "dep_merchant", MSB: "dep_msb"}.get(
            src_cls, "dep_business"
        )
    if kind == "withdrawal":
        return {PERSONAL: "wd_person", MERCHANT: "wd_merchant"}.get(src_cls, "wd_business")
    if src_cls == EXTERNAL:
        return "xb_in_person" if dst_cls == PERSONAL else "xb_in_org"
    if dst_cls == EXTERNAL:
        return "xb_out_person" if src_cls == PERSONAL else "xb_out_org"
    if src_cls == PERSONAL:
        return "p2p" if dst_cls == PERSONAL else "bill"
    return "invoice"


def ordinary_usd(rng: np.random.Generator, key: str, size: int | None = None) -> np.ndarray | float:
    """Draw ordinary amount(s) in USD for the flow ``key`` (see :func:`flow_key`)."""
    s = ORDINARY[key]
    return rng.lognormal(np.log(s.median), s.sigma, size=size)
