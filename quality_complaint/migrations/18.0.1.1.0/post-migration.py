from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """Give the open complaints of 18.0.1.0.0 their SLA milestones, counted from
    their creation like new ones; closed and rejected ones get none."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    complaints = env["helpdesk.ticket"].search(
        [
            ("is_quality_complaint", "=", True),
            ("quality_phase", "not in", ("done", "rejected")),
        ]
    )
    complaints._sla_sync()
    complaints._sla_reach_phase()
