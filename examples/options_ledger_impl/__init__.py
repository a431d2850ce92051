"""A Python options ledger, its adapter to models/options_ledger.sync, and buggy variants.

    ledger.py    the implementation, as a team would write it
    buggy.py     three variants with realistic bugs
    adapter.py   the adapters that drive them from the model

From the repository root:

    syncproof conform models/options_ledger.sync --impl examples.options_ledger_impl.adapter:LedgerAdapter
"""
