"""reproduce: the study step of re-creating a chapter. The vocabulary (`rules`), the judge of a cell's outputs, goals and
hints, the alignment of a reproduction with its chapter, the one reproduction state, the scaffold and the diff.
Imports `base`, `book` and `store`. No IPython, widgets or torch."""
