"""Writers for the three output layouts (native, AMLSim, AMLworld).

Why one entry point: the pipeline streams chunks into "a writer" and does not care which layout
it produces; :func:`make_writer` picks the class. Shared machinery is in
:mod:`toolkit.generate.sinks`; each layout has its own module.
"""

from __future__ import annotations

from pathlib import Path

from toolkit.generate.sinks import WriteContext, Writer
from toolkit.generate.write_amlsim import AmlsimWriter
from toolkit.generate.write_amlworld import AmlworldWriter
from toolkit.generate.write_native import NativeWriter

__all__ = ["WriteContext", "Writer", "NativeWriter", "AmlsimWriter", "AmlworldWriter", "make_writer"]


def make_writer(fmt: str, out_dir: Path, ctx: WriteContext, file_format: str) -> Writer:
    """The writer for layout ``fmt``."""
    if fmt == "native":
        return NativeWriter(out_dir, ctx, file_format)
    if fmt == "amlsim":
        return AmlsimWriter(out_dir, ctx)
    return AmlworldWriter(out_dir, ctx)
