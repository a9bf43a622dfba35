"""``python -m bpcourse.grade`` is ``python -m bpcourse grade``."""
import sys

from .cli import main

sys.exit(main())
