from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """Held (blocked) lots may be returned to their vendor: the shipped data
        allows blocked lots in the vendors' location, which a noupdate file does
        not change in existing databases. The main company receives complaint returns
    in the shipped quarantine location. Closed complaints get a closed date."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    location = env.ref("stock.stock_location_suppliers", raise_if_not_found=False)
    if location:
        location.allow_locked = True
    # Complaint returns go to the shipped quarantine location
    quarantine = env.ref(
        "quality_complaint.stock_location_quality_quarantine", raise_if_not_found=False
    )
    company = env.ref("base.main_company", raise_if_not_found=False)
    if quarantine and company and not company.quality_quarantine_location_id:
        company.quality_quarantine_location_id = quarantine
    # Complaints created in a closed stage (imports) had no closed date before
    # 18.0.1.4.0: date them by their last stage change, as the digest and the
    # analysis count closures by that date.
    cr.execute(
        """
        UPDATE helpdesk_ticket ticket
           SET closed_date = COALESCE(ticket.last_stage_update, ticket.create_date)
          FROM helpdesk_ticket_stage stage
         WHERE stage.id = ticket.stage_id
           AND stage.closed
           AND ticket.is_quality_complaint
           AND ticket.closed_date IS NULL
        """
    )
