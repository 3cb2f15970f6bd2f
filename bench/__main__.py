"""`python -m bench` is `parley bench`."""

from bench.cli import main

main()
