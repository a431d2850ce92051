"""Traces as data: ITF documents, replay against a model, shortening."""
