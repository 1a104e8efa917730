"""`python -m mistral_eval …` (also what `torchrun -m` and `accelerate launch -m` start)."""

import sys

from .cli import main

sys.exit(main())
