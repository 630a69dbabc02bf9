"""share: a draft blog post of the learner's own work: redaction (`redact`), the learner's cells (`cells`), the records a post
is made of (`parts`), their layout (`render`) and charts (`charts`), and the front door that writes it (`post`).
Imports every layer below it (`base` to `study`); no IPython or widgets."""
