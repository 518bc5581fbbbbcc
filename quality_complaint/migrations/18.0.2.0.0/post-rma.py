from odoo import SUPERUSER_ID, api

RMA_OPERATIONS = {
    "rma.rma_operation_replace": "replace",
    "rma.rma_operation_return": "repair",
    "rma.rma_operation_refund": "refund",
}


def migrate(cr, version):
    """Remedies are carried out as OCA RMAs (18.0.2.0.0).

    Version 1's hand-made returns, replacements and credit notes stay linked
    to their complaints (`quality_ticket_id` on transfers and moves): nothing
    moves. The complaint shows them read-only ("Transfers (v1)") and a remedy
    in progress still becomes done when they are done or posted.

    rma's own operations carry out the remedy types (Replace, Repair,
    Refund): the data file sets that on new databases only, as rma's
    operations already exist when this module is updated.

    RMAs receive through the RMA In route of a warehouse, into its RMA
    location or a location inside it: the shipped quarantine location moves
    there, under the RMA location of its own warehouse (its quants and name
    stay). A location the company chose itself is left where it is; creating
    RMAs says how to place it."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    Operation = env["rma.operation"].with_context(active_test=False)
    for xmlid, remedy_type in RMA_OPERATIONS.items():
        operation = env.ref(xmlid, raise_if_not_found=False)
        if operation and not Operation.search_count(
            [("quality_remedy_type", "=", remedy_type)], limit=1
        ):
            operation.quality_remedy_type = remedy_type
    quarantine = env.ref(
        "quality_complaint.stock_location_quality_quarantine", raise_if_not_found=False
    )
    if not quarantine:
        return
    warehouse = quarantine.warehouse_id or env["stock.warehouse"].search(
        [("company_id", "=", quarantine.company_id.id)], limit=1
    )
    rma_location = warehouse.rma_loc_id
    if rma_location and not quarantine._child_of(rma_location):
        quarantine.location_id = rma_location
