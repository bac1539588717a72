"""`python -m ccc_xl` is the `ccc-xl` command."""

from .cli import main

main()
