def migrate(cr, version):
    """Batch problems of version 1 are all detected ones (their `origin` gets
    its default); their current state started at their last change, the best
    known start of the time limits planned from it (18.0.2.0.0)."""
    cr.execute(
        """
        UPDATE quality_batch_issue
           SET state_date = COALESCE(write_date, detected_date)
         WHERE state_date IS NULL
        """
    )
