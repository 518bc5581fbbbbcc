from odoo import fields, models

# Order in which a complaint moves forward; `rejected` stands outside it.
QUALITY_PHASES = [
    ("intake", "Intake"),
    ("triage", "Triage"),
    ("investigation", "Investigation"),
    ("solution", "Solution"),
    ("execution", "Execution"),
    ("follow_up", "Follow-up"),
    ("done", "Closed"),
    ("rejected", "Rejected"),
]
FORWARD_PHASES = [code for code, _label in QUALITY_PHASES if code != "rejected"]


class HelpdeskTicketStage(models.Model):
    _inherit = "helpdesk.ticket.stage"

    quality_phase = fields.Selection(
        selection=QUALITY_PHASES,
        index="btree_not_null",
        help="Phase of the quality complaint workflow this stage stands for. "
        "Entering a phase checks its conditions (gates).",
    )
