"""The ``qinglang`` command tree: thin commands over the same services as the web."""
