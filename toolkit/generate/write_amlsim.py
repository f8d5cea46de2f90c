"""The AMLSim layout: accounts, transactions, cash_tx, alert files and conf.json."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from loaders import formats as F
from toolkit.generate.population import CLASSES, COUNTRIES, EXTERNAL, PERSONAL, RATES
from toolkit.generate.rows import CHANNELS, DEPOSIT, TRANSFER, WITHDRAWAL, Block
from toolkit.generate.sinks import (
    DAY,
    CsvSink,
    WriteContext,
    Writer,
    bool_strings,
    cents,
    id_strings,
    str_array,
    write_small_csv,
)

__all__ = ["AmlsimWriter"]


class AmlsimWriter(Writer):
    """AMLSim's output directory: accounts, transactions, cash_tx, alert files, conf.json.

    Ids are integers as in AMLSim: ``ACCOUNT_ID`` is the number of the native id (``AC12345678``
    -> ``12345678``), ``TX_ID`` the 1-based movement number, shared by ``transactions.csv`` and
    ``cash_tx.csv``. ``ALERT_ID`` is the alert number for laundering alerts (IS_SAR True) and
    ``len(alerts) + decoy number`` for decoys, which AMLSim calls false alerts (IS_SAR False).
    Amounts are converted to USD (AMLSim has one reporting currency). ``TIMESTAMP`` is the step,
    days after ``start``, which ``conf.json`` records as ``general.base_date``.
    """

    def __init__(self, out_dir: Path, ctx: WriteContext) -> None:
        super().__init__(out_dir, ctx)
        pop = ctx.pop
        self.acc_num = pa.array(pop.number.astype(str).astype(object), pa.string())
        self.branch = pc.binary_join_element_wise(
            F.AMLSIM_BRANCH_PREFIX, pa.array((pop.number % 1000).astype(str).astype(object)), "")
        tx_schema = pa.schema([(c, pa.string()) for c in F.AMLSIM_TRANSACTION_COLUMNS])
        alert_schema = pa.schema([(c, pa.string()) for c in F.AMLSIM_ALERT_TRANSACTION_COLUMNS])
        self.tx = CsvSink(out_dir / F.AMLSIM_TRANSACTIONS_FILE, F.AMLSIM_TRANSACTION_COLUMNS,
                           tx_schema)
        self.cash = CsvSink(out_dir / F.AMLSIM_CASH_TRANSACTIONS_FILE,
                             F.AMLSIM_TRANSACTION_COLUMNS, tx_schema)
        self.alert_tx = CsvSink(out_dir / F.AMLSIM_ALERT_TRANSACTIONS_FILE,
                                 F.AMLSIM_ALERT_TRANSACTION_COLUMNS, alert_schema)
        na = len(ctx.alerts)
        self.alert_num = np.arange(1, na + 1)
        self.alert_type = str_array([a.typology for a in ctx.alerts]
                                     + [d.shape for d in ctx.decoys] or [""])
        self.tx_types = str_array([F.AMLSIM_TX_TYPES[c] for c in CHANNELS])

    def account_labels(self, rows: np.ndarray) -> list[str]:
        return [str(int(x)) for x in self.ctx.pop.number[rows]]

    def write_accounts(self) -> None:
        pop, ctx = self.ctx.pop, self.ctx
        order = np.argsort(pop.number, kind="stable")
        rng = np.random.default_rng([ctx.seed, 900])
        cls = pop.cls[order]
        bal_usd = np.where(cls == PERSONAL, rng.lognormal(np.log(3000), 1.0, len(order)),
                           rng.lognormal(np.log(50_000), 1.2, len(order)))
        cust = pop.customer[order]
        cust_ids = pc.if_else(pa.array(cust >= 0), id_strings("CU", np.maximum(cust, 0), 7), "")
        bank = np.where(cls == EXTERNAL,
                        np.char.add("bank_", np.array(COUNTRIES)[pop.country[order]]), "bank")
        table = pa.table({
            "ACCOUNT_ID": self.acc_num.take(pa.array(order)),
            "CUSTOMER_ID": cust_ids,
            "INIT_BALANCE": cents(bal_usd / RATES[pop.currency[order]]),
            "COUNTRY": str_array(COUNTRIES).take(pa.array(pop.country[order].astype(np.int64))),
            "ACCOUNT_TYPE": str_array([F.AMLSIM_ACCOUNT_TYPES[c] for c in CLASSES]).take(
                pa.array(cls.astype(np.int64))),
            "IS_SAR": bool_strings(ctx.laundering[order], F.AMLSIM_BOOL_TRUE, F.AMLSIM_BOOL_FALSE),
            "TX_BEHAVIOR_ID": pa.array(
                np.array([F.AMLSIM_BEHAVIOR_IDS[c] for c in CLASSES])[cls].astype(np.int64)),
            "BANK_ID": pa.array(bank.astype(object), pa.string()),
        })
        p = self.out / F.AMLSIM_ACCOUNTS_FILE
        sink = CsvSink(p, F.AMLSIM_ACCOUNT_COLUMNS, table.schema)
        sink.write(table)
        sink.close()
        self.paths.append(p)

    def _write_rows(self, b: Block, seq: np.ndarray) -> None:
        steps = pc.cast(pa.array((b.ts - self.ctx.t0) // DAY), pa.string())
        usd = pc.cast(cents(b.amount * RATES[b.ccy]), pa.string())
        na = len(self.ctx.alerts)
        alert_num = np.where(b.alert >= 0, b.alert.astype(np.int64) + 1,
                             np.where(b.decoy >= 0, na + b.decoy.astype(np.int64) + 1,
                                      F.AMLSIM_NO_ALERT))
        is_sar = bool_strings(b.alert >= 0, F.AMLSIM_BOOL_TRUE, F.AMLSIM_BOOL_FALSE)
        acc = self.acc_num.take(pa.array(np.maximum(b.src, 0)))
        dst = self.acc_num.take(pa.array(np.maximum(b.dst, 0)))
        holder = np.where(b.kind == DEPOSIT, b.dst, b.src)
        branch = self.branch.take(pa.array(np.maximum(holder, 0)))
        is_dep = pa.array(b.kind == DEPOSIT)
        is_wd = pa.array(b.kind == WITHDRAWAL)
        # CASH-IN: account -> branch; CASH-OUT: branch -> account (as AMLSim's cash models do)
        holder_id = self.acc_num.take(pa.array(np.maximum(holder, 0)))
        sender = pc.if_else(is_dep, holder_id, pc.if_else(is_wd, branch, acc))
        receiver = pc.if_else(is_dep, branch, pc.if_else(is_wd, holder_id, dst))
        tx_type = pc.if_else(is_dep, F.AMLSIM_CASH_IN,
                             pc.if_else(is_wd, F.AMLSIM_CASH_OUT,
                                        self.tx_types.take(pa.array(b.channel.astype(np.int64)))))
        table = pa.table({
            "TX_ID": pc.cast(pa.array(seq), pa.string()),
            "SENDER_ACCOUNT_ID": sender,
            "RECEIVER_ACCOUNT_ID": receiver,
            "TX_TYPE": tx_type,
            "TX_AMOUNT": usd,
            "TIMESTAMP": steps,
            "IS_SAR": is_sar,
            "ALERT_ID": pc.cast(pa.array(alert_num), pa.string()),
        })
        transfer = b.kind == TRANSFER
        self.tx.write(table.filter(pa.array(transfer)))
        self.cash.write(table.filter(pa.array(~transfer)))
        flagged = (b.alert >= 0) | (b.decoy >= 0)
        if flagged.any():
            t = table.filter(pa.array(flagged))
            idx = np.where(b.alert >= 0, b.alert, na + b.decoy)[flagged].astype(np.int64)
            self.alert_tx.write(pa.table({
                "ALERT_ID": t["ALERT_ID"],
                "ALERT_TYPE": self.alert_type.take(pa.array(idx)),
                "IS_SAR": t["IS_SAR"],
                "TX_ID": t["TX_ID"],
                "SENDER_ACCOUNT_ID": t["SENDER_ACCOUNT_ID"],
                "RECEIVER_ACCOUNT_ID": t["RECEIVER_ACCOUNT_ID"],
                "TX_TYPE": t["TX_TYPE"],
                "TX_AMOUNT": t["TX_AMOUNT"],
                "TIMESTAMP": t["TIMESTAMP"],
            }))

    def set_alert_dates(self, first_ts: np.ndarray) -> None:
        """First movement time per alert (for ``EVENT_DATE`` in ``sar_accounts.csv``)."""
        self._first_ts = first_ts

    def _close_sinks(self) -> None:
        for s in (self.tx, self.cash, self.alert_tx):
            s.close()
            self.paths.append(s.path)
        pop, ctx = self.ctx.pop, self.ctx
        first_ts = getattr(self, "_first_ts", np.full(len(ctx.alerts), ctx.t0))
        rows = []
        for i, a in enumerate(ctx.alerts):
            date = np.datetime64(int(first_ts[i]), "s").astype("datetime64[D]")
            event = str(date).replace("-", "")
            for acc in a.accounts:
                c = int(pop.customer[acc])
                rows.append([i + 1, int(pop.number[acc]), f"CU{c:07d}" if c >= 0 else "", event,
                             a.typology,
                             "INDIVIDUAL" if pop.cls[acc] == PERSONAL else "COMPANY",
                             F.AMLSIM_BOOL_TRUE])
        p = self.out / F.AMLSIM_SAR_ACCOUNTS_FILE
        write_small_csv(p, F.AMLSIM_SAR_ACCOUNT_COLUMNS, rows)
        conf = {
            "general": {
                "random_seed": ctx.seed,
                "simulation_name": "aml-toolkit-synthetic",
                "total_steps": ctx.days,
                "base_date": ctx.start,
            },
            "output": {
                "accounts": F.AMLSIM_ACCOUNTS_FILE,
                "transactions": F.AMLSIM_TRANSACTIONS_FILE,
                "cash_transactions": F.AMLSIM_CASH_TRANSACTIONS_FILE,
                "alert_transactions": F.AMLSIM_ALERT_TRANSACTIONS_FILE,
                "sar_accounts": F.AMLSIM_SAR_ACCOUNTS_FILE,
            },
        }
        q = self.out / F.AMLSIM_CONF_FILE
        q.write_text(json.dumps(conf, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        self.paths += [p, q]
