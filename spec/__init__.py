"""The syncproof modelling language: grammar, parser, names and types, the typed IR."""
