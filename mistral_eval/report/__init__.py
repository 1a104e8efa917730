"""HTML pages: the one jinja2 environment, the run report, the comparison, the sweep index and the
judge's pages.
"""
