"""book: the chapters (found, parsed, their cells as plain Python), the tiny stand-in datasets, and the training pipelines a
chapter builds. Imports only `base`. No IPython, widgets or torch."""
