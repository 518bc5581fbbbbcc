from . import quality_batch_issue_dismiss
