"`python -m learnkit.cli`: the `learnkit` command."
import sys
from .main import main

sys.exit(main())
