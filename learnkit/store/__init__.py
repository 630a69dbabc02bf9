"""store: the learner's SQLite database and the events every feature records in it (attempts, hints, progress).
Imports `base` and `book`. No IPython, widgets or torch."""
