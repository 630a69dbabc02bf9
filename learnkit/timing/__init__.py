"""timing: `%%timeit_log`'s core: measurement, statistics, the machine, and the log of every run.
Imports `base`, `book` and `store` (torch only inside the functions that synchronise CUDA)."""
