"""Sweeps: sweep files and their plan, running notebooks under papermill, and the notebook helpers.
"""
