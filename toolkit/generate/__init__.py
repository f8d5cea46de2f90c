"""Synthetic AML data: an honest background population with injected laundering typologies.

Why a generator: detectors, amount rules and path queries need data with *known* answers, at
realistic scale and base rate (about 1 % of accounts), where laundering is not trivially
separable from honest activity. :func:`generate` writes such data in the toolkit's native layout
or in the layouts of IBM AMLSim and AMLworld, with ground truth (alerts and honest decoys).

Modules
-------
constants    figures defining the typologies (fan size, windows, threshold, fees)
plan         which instances to inject, sized before the population exists
population   accounts, classes, customers, activity weights
streams      what honest money does (amount models shared with the hardness blending)
background   the honest background, chunked and vectorised
flows        placement, layering hops and integration; amount blending
typologies   laundering instances (one alert each)
decoys       honest look-alikes and camouflage
hardness     presets ``low|medium|high``
writers      native / AMLSim / AMLworld files
config       argument validation
pipeline     :func:`generate` itself

Examples
--------
>>> from toolkit.generate import generate
>>> res = generate("/tmp/aml-demo", transfers=20_000, seed=1)  # doctest: +SKIP
>>> res.alerts, res.transfers  # doctest: +SKIP
"""

from toolkit.generate.decoys import DECOY_SHAPES
from toolkit.generate.hardness import HARDNESS_NAMES, PRESETS, Hardness
from toolkit.generate.pipeline import GenerateResult, generate
from loaders.formats import LAYOUTS as FORMATS
from toolkit.generate.config import FILE_FORMATS
from toolkit.generate.constants import (
    FAN_MIN,
    FEE_RANGE,
    FRONT_MULTIPLE,
    LAYER_WINDOW,
    REPORTING_THRESHOLD_USD,
    STRUCTURING_FLOOR,
    STRUCTURING_WINDOW,
    TYPOLOGIES,
)

__all__ = [
    "generate",
    "GenerateResult",
    "TYPOLOGIES",
    "DECOY_SHAPES",
    "HARDNESS_NAMES",
    "PRESETS",
    "Hardness",
    "FORMATS",
    "FILE_FORMATS",
    "FAN_MIN",
    "FEE_RANGE",
    "FRONT_MULTIPLE",
    "LAYER_WINDOW",
    "REPORTING_THRESHOLD_USD",
    "STRUCTURING_FLOOR",
    "STRUCTURING_WINDOW",
]
