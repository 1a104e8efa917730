"""Numbers from stored runs: statistics, pairwise strengths, DataFrames of runs and judgments,
tables and plots. Knows nothing about models or HTML.
"""
