"""repeat: a chapter repeated on a new dataset: what the data is (`inspection`), the plan and notebook carried over, the
baseline, and the records a finished repeat leaves. Imports `base`, `book`, `store`, `reproduce`, `timing` and `bench`."""
