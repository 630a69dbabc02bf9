"""repeat: a chapter repeated on a new dataset: what the data is (`tables`, `inspection`), the chapter's pipeline taken
apart (`parts`), the notebook written (`notebook`, with a cell per problem found), the `baseline`, the comparison and its
record (`outcome`, `records`: one phrasing of a repeat for every view), datasets to try (`suggest`) and the front door
(`plan`). Imports `base`, `book`, `store`, `reproduce`, `timing` and `bench`."""
