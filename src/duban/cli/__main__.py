"""`python -m duban.cli …`, as the `duban` console script."""

from duban.cli import main

main()
