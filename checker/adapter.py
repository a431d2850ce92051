"""The adapter API under its first name: adapters written as `from checker.adapter import Adapter`
keep working. It lives in `checker.conform.adapter`."""

from checker.conform.adapter import Adapter, AdapterError, Rejected, action

__all__ = ["Adapter", "AdapterError", "Rejected", "action"]
