"learnkit: a Jupyter-native study companion for the fastai book."
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
    from .timing import timings as _timings
    return _timings(label)
