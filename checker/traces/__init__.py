"""Traces as data: ITF documents, replay against a model, shortening.

    itf        traces as ITF (the Informal Trace Format of Apalache and Quint), read and written
    errors     ITFError, which the command line catches without loading itf
    constants  the constants a trace records, as --const overrides of its model
    replay     is an ITF trace a behaviour of the model, and what does it violate?
    shrink     shortening a failing sequence of steps by removing steps
"""
