"""bench: a chapter's training pipelines timed part by part (dataloader, step, end to end), each figure with its spread,
judged from those figures, tuned, run data-parallel, and their records (the `benchmarks` table: written and read here).
record · verdict · progress · learner · timed · tune · measure · patches · parallel · runner · render · chapter (the front door).
Imports `base`, `book`, `store` and `timing`; torch, fastai and torch.distributed only inside functions and in the child
processes it runs."""
