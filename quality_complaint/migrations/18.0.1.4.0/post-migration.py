from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """Held (blocked) lots may be returned to their vendor: the shipped data
    allows blocked lots in the vendors' location, which a noupdate file does
    not change in existing databases."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    location = env.ref("stock.stock_location_suppliers", raise_if_not_found=False)
    if location:
        location.allow_locked = True
