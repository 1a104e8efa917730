"""Foundations every layer may use: the error root, named choices and defaults, generation settings,
strict YAML, input validation and output paths. Imports nothing else of mistral_eval.
"""
