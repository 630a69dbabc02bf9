"""learnkit: a Jupyter-native study companion for the fastai book.

The package is a house of layers; each folder says in its docstring what it owns, and imports run only downwards:

    base < book < store < reproduce < timing < bench < repeat < study < share < ui < magics, cli, demo

`base` (errors, files, safe text, the clock) · `book` (chapters, cell code, stand-in data, pipelines) · `store` (SQLite, events) ·
`reproduce` (judge, goals, hints, alignment, state, scaffold, diff) · `timing` (`%%timeit_log`'s core) · `bench` (pipeline
benchmarks) · `repeat` (a new dataset) · `study` (sessions, plan, progress, report) · `share` (a draft post) · `ui` (panels,
dashboard, the bodies of the magics). This file, `magics` and `cli` are the thin adapters on top (`tests/test_imports.py`
holds the order)."""
__version__ = "0.1.0"

# Hand-written (nbdev never regenerates this file): the IPython extension entry points, kept free of heavy imports.
def load_ipython_extension(ip):
    "`%load_ext learnkit`: register the magics."
    from .magics import load
    load(ip)

def unload_ipython_extension(ip):
    "`%unload_ext learnkit`: remove the magics and hooks."
    from .magics import unload
    unload(ip)

def timings(label=None):
    "Logged `%%timeit_log` runs (of `label`, or all) as a pandas DataFrame."
    from .timing.measure import timings as _timings
    return _timings(label)
