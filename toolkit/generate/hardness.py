"""Hardness presets: how hard the injected laundering is to tell from honest activity.

Why: synthetic data whose laundering amounts are ten times the honest ones, whose hops follow
each other within minutes and whose accounts do nothing else measures nothing — any threshold
finds it. Each preset turns four knobs (see :class:`Hardness`); tests check that the presets
differ in the claimed direction (e.g. the KS distance between laundering and honest amounts
shrinks from ``low`` to ``high``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Hardness", "PRESETS", "HARDNESS_NAMES"]

HOUR = 3600
DAY = 86_400


@dataclass(frozen=True)
class Hardness:
    """One hardness preset.

    Attributes
    ----------
    name : str
        ``low``, ``medium`` or ``high``.
    amount_blend : float
        Weight in [0, 1] of an *ordinary* amount (drawn from the population's distribution for
        the same kind of movement) in the log-space blend that sets a laundering amount. 0 keeps
        the launderer's own large, often round amounts; 1 makes them look ordinary.
    round_amounts : bool
        Whether launderers use round figures (a give-away at ``low``).
    hop_delay : (int, int)
        Range, in seconds, of the delay between one hop and the next (log-uniform). Chains and
        cycles are squeezed back into :data:`toolkit.generate.typologies.LAYER_WINDOW` whatever
        the preset.
    structuring_span : int
        Longest spread, in seconds, of one structuring burst (always under 7 days).
    decoy_ratio : float
        Honest look-alike instances per laundering instance.
    camouflage : int
        Extra everyday transfers (card payments, salary, P2P) given to each laundering account.
    background_on_pattern : bool
        Whether laundering accounts also take part in the background activity. At ``low`` they
        are dedicated accounts that do nothing but launder.
    recent_shells : bool
        Whether shells used for laundering were opened just before the period (a give-away).
    """

    name: str
    amount_blend: float
    round_amounts: bool
    hop_delay: tuple[int, int]
    structuring_span: int
    decoy_ratio: float
    camouflage: int
    background_on_pattern: bool
    recent_shells: bool


PRESETS: dict[str, Hardness] = {
    "low": Hardness(
        name="low",
        amount_blend=0.0,
        round_amounts=True,
        hop_delay=(10 * 60, 6 * HOUR),
        structuring_span=2 * DAY,
        decoy_ratio=0.25,
        camouflage=0,
        background_on_pattern=False,
        recent_shells=True,
    ),
    "medium": Hardness(
        name="medium",
        amount_blend=0.5,
        round_amounts=False,
        hop_delay=(2 * HOUR, 2 * DAY),
        structuring_span=5 * DAY,
        decoy_ratio=1.0,
        camouflage=4,
        background_on_pattern=True,
        recent_shells=False,
    ),
    "high": Hardness(
        name="high",
        amount_blend=0.9,
        round_amounts=False,
        hop_delay=(1 * DAY, 5 * DAY),
        structuring_span=7 * DAY - HOUR,
        decoy_ratio=3.0,
        camouflage=12,
        background_on_pattern=True,
        recent_shells=False,
    ),
}

HARDNESS_NAMES: tuple[str, ...] = tuple(PRESETS)
