"""Numbers that define the injected typologies, shared by generator, tests and detectors.

Why a module of its own: the tests check the generated data against the same figures the
generator used (a fan has at least :data:`FAN_MIN` counterparties, structuring deposits sit in
``[0.8 T, T)`` of :data:`REPORTING_THRESHOLD_USD`, ...), and detectors may want the defaults.
"""

from __future__ import annotations

__all__ = [
    "TYPOLOGIES",
    "FAN_MIN",
    "LAYER_WINDOW",
    "STRUCTURING_WINDOW",
    "REPORTING_THRESHOLD_USD",
    "STRUCTURING_FLOOR",
    "FRONT_MULTIPLE",
    "FRONT_SPAN",
    "FEE_RANGE",
    "HOUR",
    "DAY",
]

TYPOLOGIES: tuple[str, ...] = (
    "fan_in",
    "fan_out",
    "cycle",
    "scatter_gather",
    "gather_scatter",
    "bipartite",
    "chain",
    "structuring",
    "front_business",
)
HOUR = 3600
DAY = 86_400
FAN_MIN = 5  #: fewest distinct counterparties of a fan-in / fan-out hub
LAYER_WINDOW = 30 * DAY  #: a whole chain/cycle instance, placement to integration
STRUCTURING_WINDOW = 7 * DAY  #: a structuring burst
REPORTING_THRESHOLD_USD = 10_000.0
FRONT_MULTIPLE = 20.0  #: a front business's turnover exceeds this multiple of its capital
FEE_RANGE = (0.01, 0.05)
FRONT_SPAN = 90 * DAY
STRUCTURING_FLOOR = 0.8  #: structuring deposits are in [0.8 T, T)
