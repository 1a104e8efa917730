"""Runs on disk and how they are made: typed records, the run store, provenance, the judgment
store, the runner and rank splitting.
"""
