"""timing: `%%timeit_log`'s core: stats (robust summaries, the comparison of two runs) · machine (the clock, CPU, GPU,
versions) · measure (the measurement loop and its result) · log (the `timings` table: written and read here, history).
Imports `base`, `book` and `store` (torch only inside the functions that synchronise CUDA)."""
