"""Keep the DataFrame libraries out of a process that never uses them.

Why: the neo4j driver (6.x) imports pandas and pyarrow as soon as it is imported, if they are
installed (``neo4j/_optional_deps.py``), only so that it can accept a DataFrame as a query
parameter and offer ``Result.to_df``. Our detection pipeline passes lists and reads records, so
those two imports are about 90 MB of resident memory (of the 273 MB the benchmark allows the
process) that buy nothing. The driver already copes with them being absent; marking them as
absent in ``sys.modules`` makes it take that path even where they are installed.
"""

from __future__ import annotations

import sys

__all__ = ["DATAFRAME_LIBRARIES", "forbid_dataframe_libraries"]

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
