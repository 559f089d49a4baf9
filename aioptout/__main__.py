"""``python -m aioptout`` runs the command line."""

from aioptout.cli import main

main()
