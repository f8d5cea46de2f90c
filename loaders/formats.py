"""Column layouts of the input formats the toolkit reads (constants only, no code).

Why this module exists: the synthetic generator writes these layouts and the loaders read them.
Keeping the exact header lists, file names and timestamp formats in one place means a change to a
layout is made once and both sides follow; a loader can validate a header against these lists
before it reads a single row.

Three layouts are described:

``native``
    The toolkit's own layout: ``accounts.csv`` + ``movements.csv`` (or ``.parquet``), with optional
    ground truth under ``truth/``. Cash deposits and withdrawals are first-class rows.
``amlsim``
    IBM AMLSim's output directory (https://github.com/IBM/AMLSim). Column names follow the
    upper-case layout of AMLSim's published outputs and its own readers (the JanusGraph loader
    ``scripts/janusgraph/load_transaction_janusgraph.groovy``, ``AccountDataTypeLookup`` and
    ``convert_logs.py``'s ``sar_accounts.csv`` writer). File names follow the ``output`` section
    of AMLSim's ``conf.json``. Times are integer simulation *steps* (days) after a base date.
``amlworld``
    IBM's "Realistic Synthetic Financial Transactions for Anti-Money Laundering Models"
    (AMLworld, ``HI-Small_Trans.csv`` and friends): one transactions file whose header repeats
    the name ``Account`` (sender's, then receiver's).

Ground truth: the generator writes ``truth/alerts.csv`` and ``truth/decoys.csv``
(:data:`NATIVE_ALERT_COLUMNS`, :data:`NATIVE_DECOY_COLUMNS`) for *every* layout, naming accounts
and movements the way that layout does: native ids; AMLSim ``ACCOUNT_ID`` / ``TX_ID``; AMLworld
account hex strings and 1-based data-row numbers of ``transactions.csv`` (it has no ids).
"""

from __future__ import annotations

__all__ = [
    # native
    "NATIVE_ACCOUNTS_FILE",
    "NATIVE_MOVEMENTS_FILE",
    "NATIVE_TRUTH_DIR",
    "NATIVE_ALERTS_FILE",
    "NATIVE_DECOYS_FILE",
    "NATIVE_ACCOUNT_COLUMNS",
    "NATIVE_ACCOUNT_REQUIRED",
    "NATIVE_ACCOUNT_OPTIONAL",
    "NATIVE_MOVEMENT_COLUMNS",
    "NATIVE_MOVEMENT_REQUIRED",
    "NATIVE_MOVEMENT_OPTIONAL",
    "NATIVE_ALERT_COLUMNS",
    "NATIVE_DECOY_COLUMNS",
    "NATIVE_TS_FORMAT",
    "NATIVE_DATE_FORMAT",
    "NATIVE_BOOL_TRUE",
    "NATIVE_BOOL_FALSE",
    "NATIVE_LIST_SEPARATOR",
    "NATIVE_KINDS",
    "NATIVE_CHANNELS",
    "NATIVE_CLASSES",
    # amlsim
    "AMLSIM_ACCOUNTS_FILE",
    "AMLSIM_TRANSACTIONS_FILE",
    "AMLSIM_CASH_TRANSACTIONS_FILE",
    "AMLSIM_ALERT_TRANSACTIONS_FILE",
    "AMLSIM_SAR_ACCOUNTS_FILE",
    "AMLSIM_CONF_FILE",
    "AMLSIM_ACCOUNT_COLUMNS",
    "AMLSIM_TRANSACTION_COLUMNS",
    "AMLSIM_ALERT_TRANSACTION_COLUMNS",
    "AMLSIM_SAR_ACCOUNT_COLUMNS",
    "AMLSIM_BASE_DATE",
    "AMLSIM_STEP_SECONDS",
    "AMLSIM_EVENT_DATE_FORMAT",
    "AMLSIM_CASH_IN",
    "AMLSIM_CASH_OUT",
    "AMLSIM_NO_ALERT",
    "AMLSIM_BOOL_TRUE",
    "AMLSIM_BOOL_FALSE",
    "AMLSIM_BRANCH_PREFIX",
    "AMLSIM_TX_TYPES",
    "AMLSIM_ACCOUNT_TYPES",
    "AMLSIM_BEHAVIOR_IDS",
    # amlworld
    "AMLWORLD_TRANSACTIONS_FILE",
    "AMLWORLD_COLUMNS",
    "AMLWORLD_TS_FORMAT",
    "AMLWORLD_PAYMENT_FORMATS",
    "AMLWORLD_CHANNEL_FORMATS",
    # shared
    "LAYOUTS",
]

# --------------------------------------------------------------------------------------------
# native
# --------------------------------------------------------------------------------------------

NATIVE_ACCOUNTS_FILE = "accounts"  #: stem; ``.csv`` or ``.parquet`` is appended
NATIVE_MOVEMENTS_FILE = "movements"  #: stem; ``.csv`` or ``.parquet`` is appended
NATIVE_TRUTH_DIR = "truth"
NATIVE_ALERTS_FILE = "truth/alerts.csv"  #: always CSV, whatever the movement file format
NATIVE_DECOYS_FILE = "truth/decoys.csv"  #: always CSV

#: Header of ``accounts.csv``, in order.
NATIVE_ACCOUNT_COLUMNS: tuple[str, ...] = (
    "id",
    "class",
    "currency",
    "country",
    "opened",
    "registered_capital",
    "customer",
    "name",
    "is_laundering",
    "typology",
    "alert_id",
)
#: Columns a loader must find in an accounts file.
NATIVE_ACCOUNT_REQUIRED: tuple[str, ...] = ("id", "class", "currency", "country", "opened")
#: Columns a loader may find: descriptive extras and the ground truth (synthetic data only).
#: ``registered_capital`` is empty for accounts without one (personal, external).
NATIVE_ACCOUNT_OPTIONAL: tuple[str, ...] = (
    "registered_capital",
    "customer",
    "name",
    "is_laundering",
    "typology",
    "alert_id",
)

#: Header of ``movements.csv``, in order. ``from`` is empty for a deposit, ``to`` for a
#: withdrawal; ``amount`` has two decimals and is in ``currency``.
NATIVE_MOVEMENT_COLUMNS: tuple[str, ...] = (
    "id",
    "kind",
    "from",
    "to",
    "amount",
    "currency",
    "ts",
    "channel",
    "is_laundering",
    "typology",
    "alert_id",
)
NATIVE_MOVEMENT_REQUIRED: tuple[str, ...] = (
    "id",
    "kind",
    "from",
    "to",
    "amount",
    "currency",
    "ts",
    "channel",
)
NATIVE_MOVEMENT_OPTIONAL: tuple[str, ...] = ("is_laundering", "typology", "alert_id")

#: ``truth/alerts.csv``: one row per injected laundering instance; ``accounts`` and
#: ``movements`` are ids joined with :data:`NATIVE_LIST_SEPARATOR`.
NATIVE_ALERT_COLUMNS: tuple[str, ...] = ("alert_id", "typology", "accounts", "movements")
#: ``truth/decoys.csv``: honest look-alikes (same shapes, not laundering).
NATIVE_DECOY_COLUMNS: tuple[str, ...] = ("decoy_id", "shape", "accounts", "movements")

NATIVE_TS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  #: ISO 8601, UTC, whole seconds
NATIVE_DATE_FORMAT = "%Y-%m-%d"  #: ``opened``
NATIVE_BOOL_TRUE = "true"
NATIVE_BOOL_FALSE = "false"
NATIVE_LIST_SEPARATOR = ";"
NATIVE_KINDS: tuple[str, ...] = ("deposit", "transfer", "withdrawal")
NATIVE_CHANNELS: tuple[str, ...] = (
    "cash",
    "wire",
    "ach",
    "card",
    "cheque",
    "cross_border",
    "crypto",
    "purchase",
)
NATIVE_CLASSES: tuple[str, ...] = ("personal", "business", "merchant", "shell", "msb", "external")

# --------------------------------------------------------------------------------------------
# amlsim
# --------------------------------------------------------------------------------------------

AMLSIM_ACCOUNTS_FILE = "accounts.csv"
AMLSIM_TRANSACTIONS_FILE = "transactions.csv"  #: account-to-account transfers
AMLSIM_CASH_TRANSACTIONS_FILE = "cash_tx.csv"  #: CASH-IN / CASH-OUT, same header as transfers
AMLSIM_ALERT_TRANSACTIONS_FILE = "alert_transactions.csv"
AMLSIM_SAR_ACCOUNTS_FILE = "sar_accounts.csv"
AMLSIM_CONF_FILE = "conf.json"  #: AMLSim's configuration; ``general.base_date`` dates step 0

#: ``accounts.csv``: AMLSim's published upper-case layout plus ``BANK_ID`` (AMLSim >= Nov 2019).
AMLSIM_ACCOUNT_COLUMNS: tuple[str, ...] = (
    "ACCOUNT_ID",
    "CUSTOMER_ID",
    "INIT_BALANCE",
    "COUNTRY",
    "ACCOUNT_TYPE",
    "IS_SAR",
    "TX_BEHAVIOR_ID",
    "BANK_ID",
)
#: ``transactions.csv`` and ``cash_tx.csv``.
AMLSIM_TRANSACTION_COLUMNS: tuple[str, ...] = (
    "TX_ID",
    "SENDER_ACCOUNT_ID",
    "RECEIVER_ACCOUNT_ID",
    "TX_TYPE",
    "TX_AMOUNT",
    "TIMESTAMP",
    "IS_SAR",
    "ALERT_ID",
)
#: ``alert_transactions.csv``: every movement of every alert (SAR and false alerts).
AMLSIM_ALERT_TRANSACTION_COLUMNS: tuple[str, ...] = (
    "ALERT_ID",
    "ALERT_TYPE",
    "IS_SAR",
    "TX_ID",
    "SENDER_ACCOUNT_ID",
    "RECEIVER_ACCOUNT_ID",
    "TX_TYPE",
    "TX_AMOUNT",
    "TIMESTAMP",
)
#: ``sar_accounts.csv``: one row per (SAR alert, member account); as written by AMLSim's
#: ``convert_logs.py`` (``EVENT_DATE`` is ``YYYYMMDD``).
AMLSIM_SAR_ACCOUNT_COLUMNS: tuple[str, ...] = (
    "ALERT_ID",
    "ACCOUNT_ID",
    "CUSTOMER_ID",
    "EVENT_DATE",
    "ALERT_TYPE",
    "ACCOUNT_TYPE",
    "IS_SAR",
)

#: AMLSim's default ``general.base_date`` (its ``conf.json``). A loader takes the base date from
#: ``conf.json`` in the same directory when one is there (the generator writes one whose
#: ``base_date`` is its ``start``) and falls back to this date otherwise.
AMLSIM_BASE_DATE = "2017-01-01"
AMLSIM_STEP_SECONDS = 86_400  #: one step is one day; the time of day is lost
AMLSIM_EVENT_DATE_FORMAT = "%Y%m%d"
AMLSIM_CASH_IN = "CASH-IN"
AMLSIM_CASH_OUT = "CASH-OUT"
#: ``ALERT_ID`` of a movement that belongs to no alert.
AMLSIM_NO_ALERT = -1
AMLSIM_BOOL_TRUE = "True"  #: Python's ``str(True)``, as AMLSim's converter writes it
AMLSIM_BOOL_FALSE = "False"
#: In ``cash_tx.csv`` the cash side is a bank branch, ``B<n>``, not an account. As in AMLSim's
#: ``CashInModel``/``CashOutModel``: CASH-IN rows have the account as SENDER and the branch as
#: RECEIVER; CASH-OUT rows have the branch as SENDER and the account as RECEIVER. Read
#: ``TX_TYPE``, not the direction, to tell deposits from withdrawals.
AMLSIM_BRANCH_PREFIX = "B"
#: TX_TYPE values (AMLSim takes them from ``transactionType.csv``: TRANSFER, WIRE, CREDIT,
#: DEPOSIT, CHECK) keyed by native channel; cash rows use CASH-IN / CASH-OUT.
AMLSIM_TX_TYPES: dict[str, str] = {
    "wire": "WIRE",
    "cross_border": "WIRE",
    "ach": "TRANSFER",
    "card": "CREDIT",
    "cheque": "CHECK",
    "crypto": "TRANSFER",
    "purchase": "TRANSFER",
    "cash": "TRANSFER",
}
#: ACCOUNT_TYPE: AMLSim's ``business_type``; ``I`` is an individual, anything else an
#: organisation (``convert_logs.py`` maps non-``I`` to COMPANY). sar_accounts.csv spells them out.
AMLSIM_ACCOUNT_TYPES: dict[str, str] = {
    "personal": "I",
    "business": "O",
    "merchant": "O",
    "shell": "O",
    "msb": "O",
    "external": "O",
}
#: TX_BEHAVIOR_ID by native class, using AMLSim's normal-model numbering
#: (0 single, 1 fan-out, 2 fan-in, 3 mutual, 4 forward, 5 periodical). The mapping is the
#: generator's choice; it lets a loader recover the native class approximately.
AMLSIM_BEHAVIOR_IDS: dict[str, int] = {
    "personal": 0,
    "business": 1,
    "merchant": 2,
    "msb": 3,
    "shell": 4,
    "external": 5,
}

# --------------------------------------------------------------------------------------------
# amlworld
# --------------------------------------------------------------------------------------------

AMLWORLD_TRANSACTIONS_FILE = "transactions.csv"
#: Header of ``HI-Small_Trans.csv``; note the two columns both named ``Account`` (sender, then
#: receiver). Amounts are in the named currencies (``toolkit.currency.AMLWORLD_NAMES``).
AMLWORLD_COLUMNS: tuple[str, ...] = (
    "Timestamp",
    "From Bank",
    "Account",
    "To Bank",
    "Account",
    "Amount Received",
    "Receiving Currency",
    "Amount Paid",
    "Payment Currency",
    "Payment Format",
    "Is Laundering",
)
AMLWORLD_TS_FORMAT = "%Y/%m/%d %H:%M"  #: e.g. ``2022/09/01 00:20``; minutes, no zone (UTC)
AMLWORLD_PAYMENT_FORMATS: tuple[str, ...] = (
    "Reinvestment",
    "Cheque",
    "Credit Card",
    "ACH",
    "Cash",
    "Wire",
    "Bitcoin",
)
#: Payment Format written for each native channel. A deposit or withdrawal becomes a ``Cash``
#: row from the account to itself (AMLworld has no cash side), so deposits and withdrawals are
#: not distinguishable in this layout.
AMLWORLD_CHANNEL_FORMATS: dict[str, str] = {
    "cash": "Cash",
    "wire": "Wire",
    "cross_border": "Wire",
    "ach": "ACH",
    "card": "Credit Card",
    "cheque": "Cheque",
    "crypto": "Bitcoin",
    "purchase": "Wire",
}

#: Names of the layouts, as accepted by ``toolkit.generate.generate(fmt=...)``.
LAYOUTS: tuple[str, ...] = ("native", "amlsim", "amlworld")
