"""Triton NF4 matmuls over bitsandbytes' packed layout: the kernels, their launch tables, the register
lookup and the grouped projections.
"""
