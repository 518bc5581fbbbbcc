from odoo.tools import SQL


def _tracked(model, field):
    """The record (alias `record`) has a tracked change of `field`."""
    return SQL(
        """EXISTS (
            SELECT 1
              FROM mail_tracking_value value
              JOIN mail_message message ON message.id = value.mail_message_id
              JOIN ir_model_fields field ON field.id = value.field_id
             WHERE message.model = %(model)s AND message.res_id = record.id
               AND field.model = %(model)s AND field.name = %(field)s)""",
        model=model,
        field=field,
    )


def migrate(cr, version):
    """Records that were ever past intake, confirmed or submitted are never
    deleted (18.0.2.0.0): set their flags from the current state and, for the
    ones that went back since, from their tracked history (any tracked change
    counts: the conservative side of "never deleted")."""
    cr.execute(
        SQL(
            """
            UPDATE helpdesk_ticket record
               SET has_left_intake = TRUE
             WHERE record.is_quality_complaint
               AND (record.quality_phase IS DISTINCT FROM 'intake' OR %s)
            """,
            _tracked("helpdesk.ticket", "stage_id"),
        )
    )
    cr.execute(
        SQL(
            """
            UPDATE quality_batch_issue record
               SET was_confirmed = TRUE
             WHERE record.state IN ('confirmed', 'contained', 'solved', 'closed')
                OR %s
            """,
            _tracked("quality.batch.issue", "state"),
        )
    )
    cr.execute(
        SQL(
            """
            UPDATE quality_supplier_claim record
               SET was_submitted = TRUE
             WHERE record.state NOT IN ('draft', 'cancelled')
                OR record.sent_date IS NOT NULL
                OR %s
            """,
            _tracked("quality.supplier.claim", "state"),
        )
    )
