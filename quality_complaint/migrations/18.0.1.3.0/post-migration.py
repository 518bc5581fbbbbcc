from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """The shipped stages are noupdate: give the follow-up stage of existing
    databases the rating request it has on new ones, unless one was chosen."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    stage = env.ref(
        "quality_complaint.helpdesk_ticket_stage_quality_follow_up",
        raise_if_not_found=False,
    )
    template = env.ref(
        "helpdesk_mgmt_rating.rating_ticket_email_template", raise_if_not_found=False
    )
    if stage and template and not stage.rating_mail_template_id:
        stage.rating_mail_template_id = template
