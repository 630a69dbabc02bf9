"""study: study sessions and time, the plan, where the learner stands in each chapter and the course, and the progress report.
Imports every layer below it (`base` to `repeat`); no IPython or widgets."""
