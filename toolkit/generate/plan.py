"""Planning: which laundering instances to inject, and how big, before any account exists.

Why before the population: chains need shell companies, which the population must create on
top of the few honest ones; and the number of instances follows from the laundering fraction,
which is a share of the bank's accounts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from toolkit.generate.constants import FAN_MIN

__all__ = ["InstanceSpec", "plan_instances", "shells_needed", "MIN_SIZE"]

#: Fewest bank accounts each typology needs.
MIN_SIZE = {
    "fan_in": FAN_MIN + 1,
    "fan_out": FAN_MIN + 1,
    "cycle": 3,
    "scatter_gather": 5,
    "gather_scatter": 7,
    "bipartite": 6,
    "chain": 3,
    "structuring": 1,
    "front_business": 5,
}


@dataclass(frozen=True)
class InstanceSpec:
    """Sizes of one instance, fixed before the population exists (shells must be created)."""

    typology: str
    size: int  #: bank accounts it will use
    params: dict = field(default_factory=dict)


def _draw_spec(rng: np.random.Generator, typ: str, room: int) -> InstanceSpec | None:
    """Random sizes for ``typ`` using at most ``room`` bank accounts (None if it cannot fit)."""
    if room < MIN_SIZE[typ]:
        return None
    r = rng.integers
    if typ in ("fan_in", "fan_out"):
        m = min(int(r(FAN_MIN, 13)), room - 1)
        return InstanceSpec(typ, m + 1, {"m": m})
    if typ == "cycle":
        k = min(int(r(3, 8)), room)
        return InstanceSpec(typ, k, {"k": k})
    if typ == "scatter_gather":
        m = min(int(r(3, 11)), room - 2)
        return InstanceSpec(typ, m + 2, {"m": m})
    if typ == "gather_scatter":
        m1, m2 = int(r(3, 9)), int(r(3, 9))
        while m1 + m2 + 1 > room:
            if m1 >= m2 and m1 > 3:
                m1 -= 1
            elif m2 > 3:
                m2 -= 1
            else:
                break
        return InstanceSpec(typ, m1 + m2 + 1, {"m1": m1, "m2": m2})
    if typ == "bipartite":
        a, b = int(r(3, 6)), int(r(3, 6))
        while a + b > room:
            a, b = (a - 1, b) if a >= b else (a, b - 1)
        return InstanceSpec(typ, a + b, {"a": a, "b": b})
    if typ == "chain":
        h = min(int(r(2, 6)), room - 1)
        return InstanceSpec(typ, h + 1, {"h": h})
    if typ == "structuring":
        n_acc = min(int(rng.choice([1, 1, 2, 3])), room)
        collector = bool(rng.random() < 0.5) and room > n_acc
        return InstanceSpec(typ, n_acc + int(collector),
                            {"n_acc": n_acc, "collector": collector, "n_dep": int(r(3, 7))})
    if typ == "front_business":
        f = min(int(r(4, 11)), room - 1)
        return InstanceSpec(typ, f + 1, {"f": f, "n_in": int(r(20, 41))})
    raise AssertionError(typ)


def plan_instances(rng: np.random.Generator, n_bank: int, fraction: float,
                   typologies: tuple[str, ...]) -> list[InstanceSpec]:
    """Choose instances until they use ``fraction`` of the bank accounts.

    Typologies are taken round-robin (in a random order per round) so each appears about equally
    often; the last instances shrink to fit. At least one instance is always made, so tiny
    populations overshoot the fraction.
    """
    budget = max(1, int(round(fraction * n_bank)))
    specs: list[InstanceSpec] = []
    used = 0
    while used < budget:
        added = False
        for typ in rng.permutation(np.array(typologies)):
            room = budget - used if specs else max(budget, MIN_SIZE[str(typ)])
            spec = _draw_spec(rng, str(typ), room)
            if spec is None:
                continue
            specs.append(spec)
            used += spec.size
            added = True
            if used >= budget:
                break
        if not added:
            break
    return specs


def shells_needed(specs: list[InstanceSpec]) -> int:
    """Shell companies the plan will consume (created in the population on top of honest ones)."""
    return sum(s.params.get("h", 0) for s in specs if s.typology == "chain")
