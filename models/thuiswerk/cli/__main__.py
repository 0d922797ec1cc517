"""``python -m thuiswerk.cli``: the ``thuiswerk`` command (the benchmark runs ``fit all`` so, in a subprocess)."""

from thuiswerk.cli import app

if __name__ == "__main__":  # pragma: no cover
    app()
