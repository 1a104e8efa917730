"""Package discovery for setuptools (the rest of the configuration is in pyproject.toml).

Code packages are found under mistral_eval/, with the data folders inside it (templates, rubric
texts: namespace packages, listed so setuptools does not warn that they are missing); the built-in
suites (prompts/) and notebooks (notebooks/) ship inside the wheel as data packages mapped from
the top of the repository, and so do the guides (docs/), for users of the wheel.
"""

from setuptools import find_namespace_packages, setup

DATA_PACKAGES = {"mistral_eval.builtin_suites": "prompts", "mistral_eval.builtin_notebooks": "notebooks",
                 "mistral_eval.builtin_docs": "docs"}

setup(packages=[*find_namespace_packages(include=["mistral_eval", "mistral_eval.*"], exclude=["*.__pycache__"]),
                *DATA_PACKAGES],
      package_dir=DATA_PACKAGES)
