"""Automatic checks of an answer: the registry of check types, answer reading (numbers, negation),
the python check and its sandbox. Knows nothing about models or run directories.
"""
