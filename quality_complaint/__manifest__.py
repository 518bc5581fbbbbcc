# Copyright 2026 quality_complaint contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Quality Complaints",
    "summary": "Customer product-quality complaints on OCA Helpdesk: intake, "
    "lot traceability, severity and failure modes, gated workflow",
    "version": "18.0.1.0.0",
    "category": "After-Sales",
    "website": "https://github.com/quality-complaint/quality_complaint",
    "author": "quality_complaint contributors",
    "maintainers": [],
    "license": "AGPL-3",
    "development_status": "Alpha",
    "depends": [
        "helpdesk_mgmt",
        "helpdesk_product",
        "stock",
        "purchase_stock",
    ],
    "data": [
        "security/quality_complaint_groups.xml",
        "security/ir.model.access.csv",
        "security/quality_complaint_security.xml",
        "data/helpdesk_ticket_team_data.xml",
        "views/quality_defect_type_views.xml",
        "views/quality_complaint_line_views.xml",
        "views/helpdesk_ticket_views.xml",
        "views/helpdesk_ticket_team_views.xml",
        "views/helpdesk_ticket_stage_views.xml",
        "views/res_partner_views.xml",
        "views/product_template_views.xml",
        "views/stock_lot_views.xml",
        "views/quality_complaint_menus.xml",
    ],
    "demo": [
        "demo/quality_complaint_demo.xml",
    ],
    "installable": True,
    "application": False,
}
