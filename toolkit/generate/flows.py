"""Building blocks of laundering instances: account allocation, a relative clock, and money
entering (placement) and leaving (integration) with hardness-dependent amounts and delays.

Why separate from the shapes: every typology places, layers and integrates money the same way;
only the topology differs. Keeping the shared mechanics here keeps each shape a few lines.
"""

from __future__ import annotations

import math

import numpy as np

from toolkit.generate.constants import FEE_RANGE
from toolkit.generate.hardness import Hardness
from toolkit.generate.population import PERSONAL, Population
from toolkit.generate.rows import RowBuilder
from toolkit.generate.streams import flow_key, ordinary_usd

__all__ = ["Allocator", "Pattern", "FlowContext"]


class Allocator:
    """Hands out distinct accounts for laundering roles."""

    def __init__(self, pop: Population, rng: np.random.Generator) -> None:
        self.pop, self.rng = pop, rng
        self.used = np.zeros(len(pop), bool)
        p = pop.pools
        self._queues = {
            "personal": list(rng.permutation(p["personal"])),
            "business": list(rng.permutation(p["business"])),
            "shell": list(rng.permutation(pop.reserved_shells)),
        }
        # front businesses: modest firms, so their own honest turnover does not dominate
        biz = p["business"]
        quiet = biz[pop.w_in[biz] <= np.median(pop.w_in[biz])]
        self._queues["front"] = list(rng.permutation(quiet))
        multi = p["multi"]
        cust = pop.customer[multi]
        order = np.argsort(cust, kind="stable")
        groups: dict[int, list[int]] = {}
        for c, a in zip(cust[order].tolist(), multi[order].tolist()):
            groups.setdefault(c, []).append(a)
        keys = sorted(groups)
        self._customers = [groups[keys[i]] for i in rng.permutation(len(keys))]

    def take(self, role: str, n: int = 1) -> list[int]:
        """``n`` unused accounts for ``role`` (``personal``, ``business``, ``shell``,
        ``front``); shells and fronts fall back to ordinary businesses if they run out."""
        q = self._queues[role]
        out: list[int] = []
        while len(out) < n:
            if not q:
                if role in ("front", "shell"):  # fall back to ordinary firms
                    q = self._queues[role] = self._queues["business"]
                    role = "business"
                    continue
                raise RuntimeError(f"not enough {role} accounts for the laundering instances")
            a = int(q.pop())
            if not self.used[a]:
                self.used[a] = True
                out.append(a)
        return out

    def one(self, role: str) -> int:
        """One unused account for ``role``."""
        return self.take(role, 1)[0]

    def person_or_business(self, p_business: float) -> int:
        """A mule that is a business with probability ``p_business``, else a person."""
        return self.one("business" if self.rng.random() < p_business else "personal")

    def customer_accounts(self, n: int) -> list[int]:
        """``n`` free accounts of one customer (several when the customer has several)."""
        if n <= 1:
            return self.take("personal", 1)
        while self._customers:
            accs = [a for a in self._customers.pop() if not self.used[a]]
            if len(accs) >= 2:
                accs = accs[:n]
                self.used[accs] = True
                return accs
        return self.take("personal", 1)


class Pattern:
    """Movements on a relative clock; placed into the period by :meth:`emit`."""

    def __init__(self) -> None:
        self.ops: list[tuple] = []
        self.accounts: list[int] = []

    def member(self, *accs: int) -> None:
        """Record accounts as members of the instance (in role order, once each)."""
        for a in accs:
            if a not in self.accounts:
                self.accounts.append(int(a))

    def transfer(self, src: int, dst: int, usd: float, t: float, channel: str) -> None:
        """A transfer of ``usd`` (converted to the payer's currency) at relative time ``t``."""
        self.ops.append(("t", src, dst, usd, t, channel, None))

    def deposit(self, acc: int, usd: float, t: float, amount_ccy: float | None = None) -> None:
        """A cash deposit; ``amount_ccy`` fixes the exact amount in the account currency."""
        self.ops.append(("d", acc, -1, usd, t, "cash", amount_ccy))

    def withdraw(self, acc: int, usd: float, t: float) -> None:
        """A cash withdrawal."""
        self.ops.append(("w", acc, -1, usd, t, "cash", None))

    def span(self) -> float:
        """Seconds from the first to the last movement."""
        ts = [o[4] for o in self.ops]
        return max(ts) - min(ts) if ts else 0.0

    def emit(self, b: RowBuilder, alert: int, start: int, scale: float) -> None:
        """Write the movements: first at ``start``, relative times multiplied by ``scale``
        (<= 1 squeezes the instance into its window; order is preserved)."""
        t_min = min(o[4] for o in self.ops)
        for op, src, dst, usd, t, ch, amt in sorted(self.ops, key=lambda o: o[4]):
            ts = int(start + (t - t_min) * scale)
            if op == "t":
                b.transfer(src, dst, usd, ts, ch, alert=alert)
            elif op == "d":
                b.deposit(src, usd, ts, alert=alert, amount_ccy=amt)
            else:
                b.withdraw(src, usd, ts, alert=alert)


class FlowContext:
    """Shared helpers: amounts blended by hardness, hop delays, placement and integration."""

    def __init__(self, pop: Population, rng: np.random.Generator, hard: Hardness) -> None:
        self.pop, self.rng, self.hard = pop, rng, hard

    # amounts ---------------------------------------------------------------------------------
    def amount(self, key: str, base_median: float = 20_000.0) -> float:
        """A laundering amount (USD) for a movement that should resemble stream ``key``.

        Log-space blend of the launderer's own amount (large, lognormal around
        ``base_median``) and an ordinary amount of the same kind, weighted by the preset's
        ``amount_blend``; at ``low`` it is rounded to a round figure.
        """
        own = float(self.rng.lognormal(math.log(base_median), 0.6))
        if self.hard.round_amounts:
            own = max(1000.0, round(own / 1000.0) * 1000.0)
        beta = self.hard.amount_blend
        if beta <= 0:
            return own
        ordinary = float(ordinary_usd(self.rng, key))
        return float(math.exp((1 - beta) * math.log(own) + beta * math.log(ordinary)))

    def key(self, kind: str, src: int, dst: int | None = None) -> str:
        """The ordinary stream a movement between these accounts should resemble."""
        c = self.pop.cls
        return flow_key(kind, int(c[src]), None if dst is None else int(c[dst]))

    def fee(self) -> float:
        """A launderer's cut for one hop, within :data:`FEE_RANGE`."""
        return float(self.rng.uniform(*FEE_RANGE))

    def carry(self, usd: float) -> float:
        """The amount forwarded after a fee (floored to round figures at ``low``)."""
        out = usd * (1 - self.fee())
        if self.hard.round_amounts:  # launderers' round figures; loses at most ~1 % more
            step = 100.0 if out >= 20_000 else 10.0
            out = max(step, math.floor(out / step) * step)
        return out

    def delay(self) -> float:
        """Seconds between one hop and the next, log-uniform in the preset's range."""
        lo, hi = self.hard.hop_delay
        return float(math.exp(self.rng.uniform(math.log(lo), math.log(hi))))

    def pieces(self, usd: float, cap: float) -> list[float]:
        """Split ``usd`` into up to five cash pieces of about ``cap`` or less."""
        n = int(min(5, max(1, math.ceil(usd / cap)))) if math.isfinite(cap) else 1
        w = self.rng.dirichlet(np.full(n, 4.0)) if n > 1 else np.ones(1)
        return [float(usd * x) for x in w]

    @property
    def cash_cap(self) -> float:
        """Largest cash piece: none at ``low`` (one big deposit), smaller as hardness grows."""
        return {"low": math.inf, "medium": 25_000.0}.get(self.hard.name, 9_000.0)

    def external(self, kind: str) -> int:
        """An offshore account (or a crypto exchange for ``kind == "crypto"``)."""
        pool = self.pop.pools["exchange" if kind == "crypto" else "offshore"]
        return int(self.rng.choice(pool))

    # placement / integration --------------------------------------------------------------------
    def place(self, pat: Pattern, acc: int, usd: float, t_end: float) -> None:
        """Money enters ``acc`` (totalling ``usd``) before ``t_end``."""
        u = self.rng.random()
        if u < 0.55:
            parts = self.pieces(usd, self.cash_cap)
            t = t_end
            for p in reversed(parts):
                t -= self.delay()
                pat.deposit(acc, p, t)
        else:
            ch = "crypto" if u > 0.88 and self.pop.cls[acc] == PERSONAL else "cross_border"
            ext = self.external(ch)
            pat.member(ext)
            pat.transfer(ext, acc, usd, t_end - self.delay(), ch)

    def integrate(self, pat: Pattern, acc: int, usd: float, t_start: float) -> float:
        """Money leaves ``acc`` (most of ``usd``) after ``t_start``; returns the last time."""
        u = self.rng.random()
        usd = self.carry(usd)
        t = t_start
        if u < 0.4:
            for p in self.pieces(usd, self.cash_cap):
                t += self.delay()
                pat.withdraw(acc, p, t)
        elif u < 0.75 or (self.pop.cls[acc] != PERSONAL and u < 0.9):  # firms rarely buy
            ext = self.external("cross_border")
            pat.member(ext)
            t += self.delay()
            pat.transfer(acc, ext, usd, t, "cross_border")
        elif u < 0.9:
            dealer = int(self.rng.choice(self.pop.pools["dealer"]))
            t += self.delay()
            pat.transfer(acc, dealer, usd, t, "purchase")
        else:
            ext = self.external("crypto")
            pat.member(ext)
            t += self.delay()
            pat.transfer(acc, ext, usd, t, "crypto")
        return t

    def spread(self, n: int, hops: float = 1.5) -> np.ndarray:
        """``n`` sorted send times spread over about ``hops`` hop delays."""
        return np.sort(self.rng.uniform(0.0, hops * self.delay(), size=n))

    def layer_channel(self) -> str:
        """Channel of a domestic layering hop."""
        return "wire" if self.rng.random() < 0.6 else "ach"
