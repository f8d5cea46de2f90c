"""Keep a detection process lean: no DataFrame libraries, and freed memory given back.

Why the DataFrame libraries: the neo4j driver (6.x) imports pandas and pyarrow as soon as it is imported, if they are
installed (``neo4j/_optional_deps.py``), only so that it can accept a DataFrame as a query
parameter and offer ``Result.to_df``. Our detection pipeline passes lists and reads records, so
those two imports are about 90 MB of resident memory (of the 273 MB the benchmark allows the
process) that buy nothing. The driver already copes with them being absent; marking them as
absent in ``sys.modules`` makes it take that path even where they are installed.

Why the allocator: see :func:`return_freed_memory`.
"""

from __future__ import annotations

import ctypes
import platform
import sys

__all__ = ["DATAFRAME_LIBRARIES", "forbid_dataframe_libraries", "return_freed_memory", "MMAP_THRESHOLD"]

#: The modules :func:`forbid_dataframe_libraries` keeps out.
DATAFRAME_LIBRARIES = ("pandas", "pyarrow")


def forbid_dataframe_libraries() -> list[str]:
    """Make ``import pandas`` and ``import pyarrow`` fail in this process (``ImportError``), so the
    neo4j driver does not load them; call it before anything imports ``neo4j``.

    A library already imported is left alone (taking it away from code that holds it would break
    that code and free nothing). Only for processes whose code never needs a DataFrame: the
    ``ours`` benchmark process, not the baselines (scikit-learn, pandas features).

    Returns
    -------
    list of str
        The libraries it blocked (those not yet imported).
    """
    blocked = []
    for name in DATAFRAME_LIBRARIES:
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]  # import now raises ImportError
            blocked.append(name)
    return blocked


#: Allocations of at least this many bytes get pages of their own (see :func:`return_freed_memory`).
MMAP_THRESHOLD = 1024 * 1024

# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def return_freed_memory(mmap_threshold: int | None = None) -> bool:
    """Make glibc give the memory of freed NumPy temporaries back to the system at once.

    Why: glibc serves a large request with pages of its own (``mmap``) and unmaps them on free,
    but each time such a block is freed it raises that size limit to the block's size, up to
    32 MB; from then on arrays of a few MB come from the heap, and a heap only shrinks from its
    top, so the objects made in between (findings) keep the freed space resident. Fixing the
    limit (``M_MMAP_THRESHOLD``, which also stops the raising) gives every larger temporary back
    when it is freed; ``M_TRIM_THRESHOLD`` at the same value returns the heap's free top as well.
    Measured offline (``benchmarks/ours_memory.py``: the whole of ``detect_all`` with the flag
    writes held as long as the server takes, 0.3 ms a row), highest peak of any step / amount
    rules + typologies in CPU seconds:

    ===========  ===================  ====================
    limit        0.6M transfers       2.1M transfers
    ===========  ===================  ====================
    glibc's      314 MB / 8.3 s       776 MB / 33.3 s
    1 MiB        294 MB / 9.5 s       736 MB / 37.1 s
    64 KiB       291 MB / 10.4-11.3 s 723 MB / 42-43 s
    ===========  ===================  ====================

    The price is a fresh page, and a page fault, for every temporary above the limit (1.5M minor
    faults instead of 0.13M at 0.6M with 64 KiB). 1 MiB keeps most of the gain (20 of 23 MB at
    0.6M, 40 of 53 MB at 2.1M) for half the time of 64 KiB (+11-15 % instead of +26-28 %), hence
    the default; pass 64 KiB where every MB counts.

    Call it once, early, in a process that runs the detectors under a memory budget (the
    benchmark's ``ours`` process, :func:`toolkit.bench.prepare_ours_process`). ``aml detect`` does
    not: it has no such budget, and the detectors would take 11-15 % longer. Without glibc
    (musl, macOS) it does nothing.

    Parameters
    ----------
    mmap_threshold : int, optional
        Bytes; default :data:`MMAP_THRESHOLD`.

    Returns
    -------
    bool
        True when glibc accepted both settings.
    """
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # pragma: no cover - glibc always has it
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    size = int(MMAP_THRESHOLD if mmap_threshold is None else mmap_threshold)
    return bool(mallopt(_M_MMAP_THRESHOLD, size)) and bool(mallopt(_M_TRIM_THRESHOLD, size))
