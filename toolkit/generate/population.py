"""The account population: classes, currencies, customers, names and activity weights.

Why a separate step: every later stage (laundering instances, decoys, the streamed background)
draws accounts from the same population, so it is built once, in memory (about one account per
twenty transfers, i.e. ~100k rows at 2M transfers), as parallel NumPy arrays indexed by account
row. Activity weights are heavy-tailed (lognormal for people, Pareto for firms) so that degree
distributions have hubs — big merchants, payroll employers, utilities — as real payment networks
do.

Rows are grouped by class (personal, business, merchant, shell, msb, external); the public ids
(``AC########``) are a random permutation, so an id reveals nothing about the class.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from toolkit.currency import AMLWORLD_NAMES, USD_RATES

__all__ = [
    "CLASSES",
    "PERSONAL",
    "BUSINESS",
    "MERCHANT",
    "SHELL",
    "MSB",
    "EXTERNAL",
    "HOME_COUNTRY",
    "CURRENCIES",
    "RATES",
    "COUNTRIES",
    "Population",
    "build_population",
    "account_number_ids",
]

CLASSES: tuple[str, ...] = ("personal", "business", "merchant", "shell", "msb", "external")
PERSONAL, BUSINESS, MERCHANT, SHELL, MSB, EXTERNAL = range(6)

HOME_COUNTRY = "US"

#: Currencies accounts may hold: those with a USD rate *and* an AMLworld name, so that every
#: movement can be written in all three layouts. Bitcoin (XBT) is not an account currency.
CURRENCIES: tuple[str, ...] = tuple(
    c for c in AMLWORLD_NAMES.values() if c in USD_RATES and c != "XBT"
)
#: USD per unit, aligned with :data:`CURRENCIES`.
RATES: np.ndarray = np.array([USD_RATES[c] for c in CURRENCIES], dtype=np.float64)
_CCY = {c: i for i, c in enumerate(CURRENCIES)}

#: Countries of external counterparties: (code, currency, weight, offshore?).
_EXTERNAL_COUNTRIES: tuple[tuple[str, str, float, bool], ...] = (
    ("GB", "GBP", 10, False),
    ("DE", "EUR", 8, False),
    ("FR", "EUR", 5, False),
    ("NL", "EUR", 3, False),
    ("MX", "MXN", 10, False),
    ("CA", "CAD", 9, False),
    ("CN", "CNY", 7, False),
    ("IN", "INR", 7, False),
    ("JP", "JPY", 4, False),
    ("CH", "CHF", 3, False),
    ("AU", "AUD", 3, False),
    ("BR", "BRL", 3, False),
    ("IL", "ILS", 2, False),
    ("SA", "SAR", 2, False),
    ("RU", "RUB", 1, False),
    ("KY", "USD", 1.5, True),
    ("PA", "USD", 1.5, True),
    ("CY", "EUR", 1.5, True),
    ("MT", "EUR", 1.0, True),
    ("SC", "USD", 1.0, True),
)
COUNTRIES: tuple[str, ...] = (HOME_COUNTRY,) + tuple(c[0] for c in _EXTERNAL_COUNTRIES)

_FIRST = np.array(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Carlos Maria Wei Mei Ahmed Fatima Raj Priya "
    "Daniel Karen Luis Ana Kevin Nancy Brian Lisa Olga Ivan Yuki Hana Omar Leila".split()
)
_LAST = np.array(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Chen Patel Kim "
    "Nguyen".split()
)
_ADJ = np.array(
    "Blue Summit Golden Pioneer Atlas Northern Bright Evergreen Apex Silver Harbor Liberty "
    "Pacific Granite Crescent Prairie Redwood Coastal Union Metro Vertex Beacon Keystone "
    "Meridian Orchard Falcon Sterling Cedar Horizon Lakeside".split()
)
_NOUN = np.array(
    "Logistics Foods Textiles Consulting Builders Motors Supplies Media Dental Electric "
    "Plumbing Software Design Imports Farms Freight Printing Realty Labs Tools".split()
)
_SHOP = np.array(
    "Grocery Cafe Pharmacy Diner Bakery Hardware Boutique Books Electronics Florist Market "
    "Jewelers Autos Pets Furniture Outfitters".split()
)
_SUFFIX = np.array(["LLC", "Inc", "Co", "Corp", "Ltd", "Group"])


@dataclass
class Population:
    """All accounts as parallel arrays (row = account index).

    Attributes
    ----------
    cls, currency, country : ndarray of int8/int16
        Codes into :data:`CLASSES`, :data:`CURRENCIES`, :data:`COUNTRIES`.
    opened : ndarray of int64
        Opening time, epoch seconds.
    capital : ndarray of float64
        Registered capital in the account currency; NaN for personal and external accounts.
    customer : ndarray of int64
        Customer number (``-1`` unknown, for external accounts).
    name : ndarray of str
        Display name.
    number : ndarray of int64
        The number in the public id ``AC########`` (a permutation: ids hide the class).
    w_out, w_in : ndarray of float64
        Relative propensity to send / to be chosen as receiver (0 = takes no background part).
    size : ndarray of float64
        Employer size (number of employees is drawn proportional to it).
    pools : dict[str, ndarray]
        Named sets of account rows (``personal``, ``employer``, ``dealer``, ``offshore`` ...).
    sibling : ndarray of int64
        Another account of the same customer, ``-1`` if the customer has only one.
    reserved_shells : ndarray of int64
        Shells created for laundering (the honest ones are the rest of the ``shell`` pool).
    """

    cls: np.ndarray
    currency: np.ndarray
    country: np.ndarray
    opened: np.ndarray
    capital: np.ndarray
    customer: np.ndarray
    name: np.ndarray
    number: np.ndarray
    w_out: np.ndarray
    w_in: np.ndarray
    size: np.ndarray
    pools: dict[str, np.ndarray] = field(default_factory=dict)
    sibling: np.ndarray = field(default=None)  # type: ignore[assignment]
    reserved_shells: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __len__(self) -> int:
        return len(self.cls)

    @property
    def n_bank(self) -> int:
        """Accounts held at the home bank (every class but ``external``)."""
        return int(np.count_nonzero(self.cls != EXTERNAL))

    def rate(self, rows: np.ndarray | int) -> np.ndarray:
        """USD per unit of the currency of account(s) ``rows``."""
        return RATES[self.currency[rows]]


def account_number_ids(numbers: np.ndarray) -> np.ndarray:
    """Public account ids ``AC`` + 8 digits for the given numbers (object array of str)."""
    return np.char.add("AC", np.char.zfill(numbers.astype(str), 8)).astype(object)


def _customer_sizes(rng: np.random.Generator, n: int, p_multi: float) -> np.ndarray:
    """Customer number per account for ``n`` accounts, some customers owning 2-3 accounts."""
    sizes = rng.choice([1, 2, 3], size=n, p=[1 - p_multi, p_multi * 0.75, p_multi * 0.25])
    owner = np.repeat(np.arange(n), sizes)[:n]
    return owner


def _names(rng: np.random.Generator, cls: np.ndarray) -> np.ndarray:
    """Plausible display names per class (vectorised; names need not be unique)."""
    n = len(cls)
    a = _ADJ[rng.integers(len(_ADJ), size=n)]
    noun = _NOUN[rng.integers(len(_NOUN), size=n)]
    suf = _SUFFIX[rng.integers(len(_SUFFIX), size=n)]
    person = np.char.add(
        np.char.add(_FIRST[rng.integers(len(_FIRST), size=n)], " "),
        _LAST[rng.integers(len(_LAST), size=n)],
    )
    firm = np.char.add(np.char.add(np.char.add(np.char.add(a, " "), noun), " "), suf)
    shop = np.char.add(np.char.add(a, " "), _SHOP[rng.integers(len(_SHOP), size=n)])
    holding = np.char.add(np.char.add(np.char.add(a, " Holdings "), ""), suf)
    msb = np.char.add(a, " Money Transfer")
    ext = np.char.add(np.char.add(noun, " Trading "), suf)
    out = np.where(cls == PERSONAL, person, firm)
    out = np.where(cls == MERCHANT, shop, out)
    out = np.where(cls == SHELL, holding, out)
    out = np.where(cls == MSB, msb, out)
    out = np.where(cls == EXTERNAL, ext, out)
    return out.astype(object)


def _subset(rng: np.random.Generator, rows: np.ndarray, frac: float, minimum: int) -> np.ndarray:
    k = min(len(rows), max(minimum, int(round(frac * len(rows)))))
    return np.sort(rng.choice(rows, size=k, replace=False)) if k else rows[:0]


def build_population(
    rng: np.random.Generator,
    n_bank: int,
    n_external: int,
    n_laundering_shells: int,
    start_ts: int,
) -> Population:
    """Create the accounts.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness (the caller derives it from the seed).
    n_bank : int
        Accounts at the home bank, all classes but external.
    n_external : int
        Counterparty accounts at other banks / abroad.
    n_laundering_shells : int
        Shells to create for the laundering instances on top of the few honest ones; the
        laundering fraction is measured on ``n_bank``, which includes them.
    start_ts : int
        Start of the period (epoch seconds); accounts are opened before it.

    Returns
    -------
    Population
    """
    n_shell_honest = max(2, int(round(0.002 * n_bank)))
    n_msb = max(2, int(round(0.003 * n_bank)))
    n_business = max(5, int(round(0.10 * n_bank)))
    n_merchant = max(5, int(round(0.07 * n_bank)))
    n_shell = n_shell_honest + n_laundering_shells
    n_personal = n_bank - n_business - n_merchant - n_shell - n_msb
    if n_personal < 10:
        raise ValueError("population too small")
    counts = [n_personal, n_business, n_merchant, n_shell, n_msb, n_external]
    cls = np.repeat(np.arange(6, dtype=np.int8), counts)
    n = len(cls)
    starts = np.concatenate([[0], np.cumsum(counts)])
    rows_of = {c: np.arange(starts[c], starts[c + 1]) for c in range(6)}

    # currencies and countries ---------------------------------------------------------------
    currency = np.full(n, _CCY["USD"], dtype=np.int8)
    bank = cls != EXTERNAL
    foreign = bank & (rng.random(n) < 0.03)  # foreign-currency accounts held at home
    currency[foreign] = np.where(rng.random(int(foreign.sum())) < 0.7, _CCY["EUR"], _CCY["GBP"])
    country = np.zeros(n, dtype=np.int16)
    ext = rows_of[EXTERNAL]
    w = np.array([c[2] for c in _EXTERNAL_COUNTRIES])
    pick = rng.choice(len(_EXTERNAL_COUNTRIES), size=len(ext), p=w / w.sum())
    country[ext] = pick + 1
    currency[ext] = np.array([_CCY[c[1]] for c in _EXTERNAL_COUNTRIES], dtype=np.int8)[pick]
    offshore_flag = np.array([c[3] for c in _EXTERNAL_COUNTRIES])[pick]

    # opened ---------------------------------------------------------------------------------
    day = 86_400
    age_days = np.empty(n)
    age_days[:] = rng.uniform(30, 20 * 365, size=n)
    firm = (cls == BUSINESS) | (cls == MERCHANT) | (cls == MSB)
    age_days[firm] = rng.uniform(90, 25 * 365, size=int(firm.sum()))
    opened = (start_ts - age_days * day).astype(np.int64)
    opened -= opened % day  # whole days: the file stores a date

    # customers --------------------------------------------------------------------------------
    customer = np.full(n, -1, dtype=np.int64)
    owner = _customer_sizes(rng, n_personal, p_multi=0.12)
    customer[rows_of[PERSONAL]] = owner
    next_c = int(owner.max()) + 1 if n_personal else 0
    orgs = np.concatenate([rows_of[c] for c in (BUSINESS, MERCHANT, SHELL, MSB)])
    org_owner = _customer_sizes(rng, len(orgs), p_multi=0.05)
    customer[orgs] = org_owner + next_c
    # a shuffled customer numbering, so that numbers do not reveal the class
    uniq = np.unique(customer[customer >= 0])
    renum = np.full(int(uniq.max()) + 1, -1, dtype=np.int64)
    renum[uniq] = rng.permutation(len(uniq)) + 1
    customer[customer >= 0] = renum[customer[customer >= 0]]

    sibling = np.full(n, -1, dtype=np.int64)
    has = np.flatnonzero(customer >= 0)
    order = has[np.argsort(customer[has], kind="stable")]
    cust_sorted = customer[order]
    same_next = np.flatnonzero(cust_sorted[1:] == cust_sorted[:-1])
    sibling[order[same_next]] = order[same_next + 1]
    sibling[order[same_next + 1]] = order[same_next]

    # weights ----------------------------------------------------------------------------------
    w_out = rng.lognormal(0.0, 1.0, size=n)
    w_in = np.sqrt(w_out) * rng.lognormal(0.0, 0.7, size=n)
    size = np.zeros(n)
    for c, alpha in ((BUSINESS, 1.1), (MERCHANT, 1.0), (SHELL, 2.0), (MSB, 1.5), (EXTERNAL, 1.2)):
        r = rows_of[c]
        base = rng.pareto(alpha, size=len(r)) + 1.0
        base = np.minimum(base, 2_000.0)
        w_in[r] = base * rng.lognormal(0.0, 0.3, size=len(r))
        w_out[r] = base * rng.lognormal(0.0, 0.5, size=len(r))
    size[rows_of[BUSINESS]] = np.minimum(rng.pareto(1.0, size=n_business) + 1.0, 5_000.0)

    pools: dict[str, np.ndarray] = {name: rows_of[c] for c, name in enumerate(CLASSES)}
    pools["employer"] = rows_of[BUSINESS]
    pools["landlord_business"] = _subset(rng, rows_of[BUSINESS], 0.15, 1)
    pools["landlord_person"] = _subset(rng, rows_of[PERSONAL], 0.03, 1)
    pools["utility"] = _subset(rng, rows_of[BUSINESS], 0.02, 1)
    pools["dealer"] = _subset(rng, rows_of[MERCHANT], 0.05, 1)
    pools["payroll"] = _subset(rng, rows_of[BUSINESS], 0.01, 1)
    pools["offshore"] = ext[offshore_flag] if offshore_flag.any() else ext[:1]
    pools["exchange"] = _subset(rng, ext, 0.03, 2)
    pools["multi"] = rows_of[PERSONAL][sibling[rows_of[PERSONAL]] >= 0]
    pools["org"] = np.concatenate([rows_of[BUSINESS], rows_of[MERCHANT]])
    w_in[pools["utility"]] *= 50.0  # utilities are billing hubs
    reserved = (
        np.sort(rng.choice(rows_of[SHELL], size=n_laundering_shells, replace=False))
        if n_laundering_shells
        else rows_of[SHELL][:0]
    )
    pools["honest_shell"] = np.setdiff1d(rows_of[SHELL], reserved)

    capital = np.full(n, np.nan)
    number = rng.permutation(n).astype(np.int64) + 10_000_000
    return Population(
        cls=cls,
        currency=currency,
        country=country,
        opened=opened,
        capital=capital,
        customer=customer,
        name=_names(rng, cls),
        number=number,
        w_out=w_out,
        w_in=w_in,
        size=size,
        pools=pools,
        sibling=sibling,
        reserved_shells=reserved,
    )
