"""Currencies: the ISO 4217 codes the loaders accept, names used by AMLworld, and USD rates.

Why static rates: thresholds such as the 10,000 USD reporting threshold need "its equivalent" in
other currencies. A bank would feed its own daily rates; the toolkit ships round reference rates
(overridable in ``aml.toml`` under ``[currency.usd_rates]``) so that every rule is deterministic.
"""

from __future__ import annotations

__all__ = ["ISO_4217", "VIRTUAL", "AMLWORLD_NAMES", "USD_RATES", "is_known", "to_usd_rate"]

#: Active ISO 4217 alphabetic codes (2024 list), plus precious-metal/fund codes that banks book.
ISO_4217: frozenset[str] = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP
    BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB
    EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD
    JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU
    MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD
    RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY
    TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD
    XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW ZWL
    """.split()
)

#: Virtual currencies accepted beside ISO 4217 (paper §3.1: virtual-currency channels).
#: XBT is the customary code for Bitcoin; ISO 4217 reserves X-codes for such non-national units.
VIRTUAL: frozenset[str] = frozenset({"XBT"})

#: AMLworld's currency names -> codes.
AMLWORLD_NAMES: dict[str, str] = {
    "US Dollar": "USD",
    "Euro": "EUR",
    "UK Pound": "GBP",
    "Yuan": "CNY",
    "Yen": "JPY",
    "Rupee": "INR",
    "Ruble": "RUB",
    "Swiss Franc": "CHF",
    "Australian Dollar": "AUD",
    "Canadian Dollar": "CAD",
    "Mexican Peso": "MXN",
    "Brazil Real": "BRL",
    "Shekel": "ILS",
    "Saudi Riyal": "SAR",
    "Bitcoin": "XBT",
}

#: Units of USD per unit of currency (reference rates; configurable).
USD_RATES: dict[str, float] = {
    "USD": 1.0,
    "EUR": 1.08,
    "GBP": 1.27,
    "CHF": 1.12,
    "JPY": 0.0067,
    "CNY": 0.14,
    "INR": 0.012,
    "RUB": 0.011,
    "AUD": 0.66,
    "CAD": 0.74,
    "MXN": 0.055,
    "BRL": 0.19,
    "ILS": 0.27,
    "SAR": 0.27,
    "AED": 0.27,
    "HKD": 0.13,
    "SGD": 0.74,
    "SEK": 0.095,
    "NOK": 0.093,
    "DKK": 0.145,
    "PLN": 0.25,
    "TRY": 0.031,
    "ZAR": 0.054,
    "XBT": 60000.0,
}


def is_known(code: str) -> bool:
    """True for an ISO 4217 code or an accepted virtual currency."""
    return code in ISO_4217 or code in VIRTUAL


def to_usd_rate(code: str, rates: dict[str, float] | None = None) -> float:
    """USD per unit of ``code``; 1.0 where no rate is known (the amount is taken at face value)."""
    table = rates if rates is not None else USD_RATES
    return float(table.get(code, 1.0))
