"""bench: a chapter's training pipelines timed part by part (dataloader, step, end to end), tuned, and their records.
Imports `base`, `book`, `store` and `timing`; torch and fastai only inside functions and in the child processes it runs."""
