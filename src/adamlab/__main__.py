"""``python -m adamlab`` runs the command line."""

import sys

from adamlab.cli import main

sys.exit(main())
