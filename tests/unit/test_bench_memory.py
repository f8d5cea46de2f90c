"""The bench's per-phase memory peaks: a phase's Python peak is what that phase allocated at its
highest, and the reset at the next phase forgets it (no server: ``settings=None``)."""

from __future__ import annotations

import numpy as np

from toolkit.bench import MemorySampler


def _allocate_and_free(mb: int) -> None:
    block = np.ones(mb * 1_000_000 // 8)  # touched: resident, not only reserved
    assert block.sum() > 0
    del block


def test_a_freed_spike_counts_in_its_phase_and_not_in_the_next():
    with MemorySampler(None) as sampler:
        sampler.reset()
        base = sampler.peaks()[0]
        _allocate_and_free(300)  # allocated and freed between two samples of a polling sampler
        spike = sampler.peaks()[0]
        sampler.reset()
        after = sampler.peaks()[0]
    assert spike - base >= 280
    assert after - base < 100


def test_no_server_peaks_without_settings():
    with MemorySampler(None) as sampler:
        sampler.reset()
        _py, heap, rss = sampler.peaks()
    assert heap == 0.0 and rss == 0.0
