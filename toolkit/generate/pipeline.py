"""The generation pipeline: plan, population, injected patterns, streamed background, files.

Why this order: laundering instances are planned first because the population must contain the
shell companies they need; instances, decoys and camouflage are built before the background
because the background fills exactly the transfers that remain (the caller asks for an exact
number); registered capital is set last because it depends on the expected background turnover.
Each stage draws from its own random stream derived from the seed, so changing one stage's
consumption does not reshuffle the others, and the same arguments give the same bytes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from toolkit.errors import ConfigError
from toolkit.generate.background import assign_capital, chunk_block, plan_background
from toolkit.generate.config import validate
from toolkit.generate.decoys import camouflage, inject_decoys
from toolkit.generate.hardness import PRESETS
from toolkit.generate.population import EXTERNAL, build_population
from toolkit.generate.rows import DEPOSIT, TRANSFER, WITHDRAWAL, concat
from toolkit.generate.typologies import inject, plan_instances, shells_needed
from toolkit.generate.writers import AmlsimWriter, WriteContext, make_writer

__all__ = ["GenerateResult", "generate", "TRANSFERS_PER_ACCOUNT"]

TRANSFERS_PER_ACCOUNT = 20
EXTERNAL_SHARE = 0.06
MIN_ACCOUNTS = 60
MAX_SPECIAL_SHARE = 0.5


@dataclass(frozen=True)
class GenerateResult:
    """What :func:`generate` wrote.

    Attributes
    ----------
    paths : tuple of Path
        Every file written.
    accounts : int
        All accounts, bank and external.
    transfers, deposits, withdrawals : int
        Movements written, by kind.
    laundering_accounts : int
        Bank accounts (not external) in at least one alert.
    alerts, decoys : int
        Injected laundering instances and honest look-alikes.
    seconds : float
        Wall-clock time of the run.
    """

    paths: tuple[Path, ...]
    accounts: int
    transfers: int
    deposits: int
    withdrawals: int
    laundering_accounts: int
    alerts: int
    decoys: int
    seconds: float


def _rng(seed: int, stage: int) -> np.random.Generator:
    return np.random.default_rng([seed, stage])


def generate(
    out_dir: str | Path,
    transfers: int,
    seed: int = 0,
    fmt: str = "native",
    typologies: Sequence[str] | None = None,
    laundering_fraction: float = 0.01,
    hardness: str = "medium",
    start: str = "2025-01-01",
    days: int = 180,
    file_format: str = "csv",
    progress: Callable[[int], None] | None = None,
) -> GenerateResult:
    """Generate a synthetic financial network with injected laundering and ground truth.

    Parameters
    ----------
    out_dir : str or Path
        Directory to write into (created if missing; files of the same names are replaced).
    transfers : int
        Exact number of account-to-account transfers; cash deposits and withdrawals come on
        top (about 6 % and 8 % of it). About one account is created per 20 transfers.
    seed : int
        Same seed and arguments give byte-identical files.
    fmt : {"native", "amlsim", "amlworld"}
        Output layout (see :mod:`loaders.formats`).
    typologies : sequence of str, optional
        Laundering typologies to inject (default all of
        :data:`toolkit.generate.typologies.TYPOLOGIES`).
    laundering_fraction : float
        Share of bank accounts (externals excluded) involved in laundering, in [0, 0.25].
        At least one instance is injected when positive, so tiny populations overshoot.
    hardness : {"low", "medium", "high"}
        How much laundering resembles honest activity (:mod:`toolkit.generate.hardness`).
    start : str
        First day of the period, ``YYYY-MM-DD`` (UTC).
    days : int
        Length of the period in days.
    file_format : {"csv", "parquet"}
        File type of the native layout (the other layouts are CSV only).
    progress : callable, optional
        Called after each chunk with the number of transfers written so far.

    Returns
    -------
    GenerateResult

    Raises
    ------
    toolkit.errors.ConfigError
        On any invalid argument, or when ``transfers`` is too small to hold the requested
        laundering.
    """
    t_begin = time.perf_counter()
    cfg = validate(transfers, seed, fmt, typologies, laundering_fraction, hardness, start, days,
                   file_format, progress)
    hard = PRESETS[cfg.hardness]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    n_total = max(cfg.transfers // TRANSFERS_PER_ACCOUNT, MIN_ACCOUNTS)
    n_ext = max(8, int(round(EXTERNAL_SHARE * n_total)))
    n_bank = n_total - n_ext
    specs = (plan_instances(_rng(cfg.seed, 1), n_bank, cfg.laundering_fraction, cfg.typologies)
             if cfg.laundering_fraction > 0 else [])
    pop = build_population(_rng(cfg.seed, 2), n_bank, n_ext, shells_needed(specs), cfg.start_ts)
    laundering_rows, alerts, laundering = inject(specs, pop, _rng(cfg.seed, 3), hard,
                                                 cfg.start_ts, cfg.days)
    decoy_rows, decoys = inject_decoys(pop, _rng(cfg.seed, 4), hard, len(alerts), laundering,
                                       cfg.start_ts, cfg.days)
    camo_rows = camouflage(pop, _rng(cfg.seed, 5), hard, laundering, cfg.start_ts, cfg.days)
    special = concat([laundering_rows, decoy_rows, camo_rows])
    t_end = cfg.start_ts + cfg.days * 86_400
    assert len(special) == 0 or (special.ts.min() >= cfg.start_ts and special.ts.max() < t_end)
    if special.n_transfers > MAX_SPECIAL_SHARE * cfg.transfers:
        raise ConfigError(
            f"transfers={cfg.transfers} is too small for laundering_fraction="
            f"{cfg.laundering_fraction} at hardness {cfg.hardness}: the injected patterns need "
            f"{special.n_transfers} transfers; raise transfers or lower the fraction")
    plan = plan_background(pop, _rng(cfg.seed, 6), cfg.transfers - special.n_transfers,
                           cfg.start_ts, cfg.days)
    assign_capital(pop, plan, _rng(cfg.seed, 7))

    ctx = WriteContext(pop, alerts, decoys, laundering, cfg.start_ts, cfg.days, cfg.start,
                       cfg.seed)
    writer = make_writer(cfg.fmt, out, ctx, cfg.file_format)
    writer.write_accounts()

    # hand-built and monthly rows are spread over the chunks at random positions
    in_mem = concat([plan.periodic, special])
    n_chunks = plan.n_chunks
    chunk_of = np.empty(len(in_mem), np.int64)
    chunk_of[_rng(cfg.seed, 8).permutation(len(in_mem))] = (
        np.arange(len(in_mem), dtype=np.int64) * n_chunks // max(len(in_mem), 1))
    order = np.argsort(chunk_of, kind="stable")
    bounds = np.searchsorted(chunk_of[order], np.arange(n_chunks + 1))
    counts = np.zeros(3, np.int64)
    for c in range(n_chunks):
        blk = concat([chunk_block(plan, pop, cfg.seed, c),
                      in_mem.take(order[bounds[c]:bounds[c + 1]])])
        blk = blk.take(np.random.default_rng([cfg.seed, 9, c]).permutation(len(blk)))
        writer.write_chunk(blk)
        counts += np.bincount(blk.kind, minlength=3)
        if progress is not None:
            progress(int(counts[TRANSFER]))
        del blk
    if isinstance(writer, AmlsimWriter):
        first = np.full(len(alerts), cfg.start_ts, np.int64)
        if len(laundering_rows):
            first = np.full(len(alerts), np.iinfo(np.int64).max)
            np.minimum.at(first, laundering_rows.alert, laundering_rows.ts)
        writer.set_alert_dates(first)
    paths = writer.close()
    assert counts[TRANSFER] == cfg.transfers, (counts, cfg.transfers)
    return GenerateResult(
        paths=tuple(paths),
        accounts=len(pop),
        transfers=int(counts[TRANSFER]),
        deposits=int(counts[DEPOSIT]),
        withdrawals=int(counts[WITHDRAWAL]),
        laundering_accounts=int(np.count_nonzero(laundering & (pop.cls != EXTERNAL))),
        alerts=len(alerts),
        decoys=len(decoys),
        seconds=time.perf_counter() - t_begin,
    )
