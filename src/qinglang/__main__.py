"""``python -m qinglang`` is the ``qinglang`` command."""

from qinglang.cli.main import main

main()
