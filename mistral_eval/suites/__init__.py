"""Suite files: their pydantic schema, loading, listing, the built-in suites and the importers.
"""
