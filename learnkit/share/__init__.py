"""share: a draft blog post of the learner's own work: the records it is made of, redaction, and its rendering.
Imports every layer below it (`base` to `study`); no IPython or widgets."""
