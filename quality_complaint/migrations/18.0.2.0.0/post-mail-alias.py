from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """The quality team ships the e-mail alias quality@ (18.0.2.0.0); teams
    of earlier versions get it when it is free."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    team = env.ref(
        "quality_complaint.helpdesk_ticket_team_quality", raise_if_not_found=False
    )
    if team:
        team._setup_quality_alias()
