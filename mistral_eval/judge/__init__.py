"""A local LLM judge: rubric texts and the grading of answers, single and pairwise.
"""
