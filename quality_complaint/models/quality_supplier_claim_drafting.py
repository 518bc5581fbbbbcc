# Drafting supplier claims: one per vendor traced from complaint lines, with
# its orders, lots and complaints, and cost lines from the remedies carried out.
from collections import defaultdict

from odoo import Command, api, models
from odoo.exceptions import UserError

# Cost line of each remedy type, from the complaint's remedy.
REMEDY_COST_TYPES = {
    "refund": "compensation",
    "compensation": "compensation",
    "repair": "labour",
    "other": "other",
}


class QualitySupplierClaim(models.Model):
    _inherit = "quality.supplier.claim"

    @api.model
    def _create_from_complaint_lines(self, lines, batch_issue=None, orders=None):
        """One draft claim per vendor traced from the complaint lines, with
        its purchase orders, lots, products, complaints and cost lines from
        the complaints' remedies."""
        lines = lines.filtered("vendor_id")
        if not lines:
            raise UserError(
                self.env._(
                    "No complaint line of the selection is traced to a vendor: "
                    "its lots have no receipt from a purchase order."
                )
            )
        # A complaint is claimed once from each vendor: pressing the button
        # twice, or drafting from a batch problem after its complaints, does
        # not claim the same losses again.
        open_claims = self.sudo().search(
            [
                ("ticket_ids", "in", lines.ticket_id.ids),
                ("state", "not in", ("cancelled", "rejected")),
            ]
        )
        claimed = {
            (ticket, claim.partner_id)
            for claim in open_claims
            for ticket in claim.ticket_ids
        }
        lines = lines.filtered(
            lambda line: (line.ticket_id, line.vendor_id) not in claimed
        )
        if not lines:
            raise UserError(
                self.env._(
                    "These complaints are already claimed from their vendors: "
                    "%(claims)s",
                    claims=", ".join(open_claims.mapped("name")),
                )
            )
        vals_list = []
        for vendor, vendor_lines in lines.grouped("vendor_id").items():
            claim_orders = vendor_lines.purchase_order_id | (
                orders or self.env["purchase.order"]
            ).filtered(lambda o, v=vendor: o.partner_id == v)
            company = vendor_lines[:1].company_id or self.env.company
            vals_list.append(
                {
                    "partner_id": vendor.id,
                    "user_id": self._get_claim_buyer(vendor, claim_orders).id,
                    "company_id": vendor_lines[:1].company_id.id or self.env.company.id,
                    "batch_issue_id": batch_issue.id if batch_issue else False,
                    "ticket_ids": [Command.set(vendor_lines.ticket_id.ids)],
                    "purchase_order_ids": [Command.set(claim_orders.ids)],
                    "lot_ids": [Command.set(vendor_lines.lot_id.ids)],
                    "product_ids": [Command.set(vendor_lines.product_id.ids)],
                    # the losses are told to the vendor: in its language
                    "line_ids": self.with_context(
                        lang=vendor.lang or company._get_quality_note_lang()
                    )._prepare_cost_lines(vendor_lines),
                }
            )
        claims = self.create(vals_list)
        for claim, vendor_lines in zip(
            claims, lines.grouped("vendor_id").values(), strict=True
        ):
            claim = claim.with_context(lang=claim.company_id._get_quality_note_lang())
            claim.message_post(
                body=claim.env._(
                    "Claim drafted from %(count)s complaint lines.",
                    count=len(vendor_lines),
                )
            )
        return claims

    @api.model
    def _get_claim_buyer(self, vendor, orders):
        """Who pursues a drafted claim: the buyer of its latest purchase
        order, else the vendor's buyer, else the purchase user drafting it;
        never OdooBot (detection, data loading) nor a quality engineer
        without purchase rights.

        :return: res.users (empty when there is none)
        """
        odoobot = self.env.ref("base.user_root")
        candidates = (
            orders.sorted(lambda o: (o.date_order, o.id), reverse=True).user_id
            | vendor.commercial_partner_id.buyer_id
            | vendor.buyer_id
        )
        if self.env.user.has_group("purchase.group_purchase_user"):
            candidates |= self.env.user
        return candidates.filtered(lambda u: u != odoobot and not u.share)[:1]

    @api.model
    def _prepare_cost_lines(self, lines):
        """Cost lines from the remedies of the lines' complaints: units
        replaced at cost, refunds, compensations and repairs at the remedy
        amount (the vendor's share of the complaint's units). Once the remedy
        is carried out as RMAs, their replacements and refunds are the figures:
        the units and products actually sent, the amounts actually credited."""
        commands = []
        # costs are figures for the claim: whoever drafts it may not see RMAs
        rmas_by_ticket = (
            self.env["rma"]
            .sudo()
            .search(
                [("complaint_line_id", "in", lines.ids), ("state", "!=", "cancelled")]
            )
            .grouped("ticket_id")
        )
        for ticket, ticket_lines in lines.grouped("ticket_id").items():
            rmas = rmas_by_ticket.get(ticket, self.env["rma"].sudo())
            remedy = ticket.remedy_type
            if remedy in ("replace", "spare_part"):
                commands += self._prepare_replacement_cost_lines(
                    ticket, ticket_lines, rmas
                )
            elif remedy == "refund" and rmas.refund_line_id:
                commands += [
                    Command.create(
                        {
                            "cost_type": REMEDY_COST_TYPES[remedy],
                            "description": self.env._(
                                "Refund of %(rma)s (complaint %(number)s)",
                                rma=refund_line.rma_id.name,
                                number=ticket.number,
                            ),
                            "quantity": 1.0,
                            "price_unit": refund_line.price_subtotal,
                            "ticket_id": ticket.id,
                        }
                    )
                    for refund_line in rmas.refund_line_id
                ]
            elif remedy in REMEDY_COST_TYPES and ticket.remedy_amount:
                share = (
                    sum(ticket_lines.mapped("quantity")) / ticket.affected_qty
                    if ticket.affected_qty
                    else 1.0
                )
                label = dict(
                    ticket._fields["remedy_type"]._description_selection(self.env)
                )[remedy]
                commands.append(
                    Command.create(
                        {
                            "cost_type": REMEDY_COST_TYPES[remedy],
                            "description": self.env._(
                                "%(remedy)s (complaint %(number)s)",
                                remedy=label,
                                number=ticket.number,
                            ),
                            "quantity": 1.0,
                            "price_unit": ticket.company_id.currency_id.round(
                                ticket.remedy_amount * share
                            ),
                            "ticket_id": ticket.id,
                        }
                    )
                )
            if ticket.sudo().remedy_picking_ids or rmas:
                commands.append(
                    Command.create(
                        {
                            "cost_type": "freight",
                            "description": self.env._(
                                "Freight of returns and replacements (complaint "
                                "%(number)s)",
                                number=ticket.number,
                            ),
                            "quantity": 1.0,
                            "price_unit": 0.0,
                            "ticket_id": ticket.id,
                        }
                    )
                )
        return commands

    @api.model
    def _prepare_replacement_cost_lines(self, ticket, ticket_lines, rmas):
        """Units replaced at cost, by product: what the RMAs' replacement
        deliveries send (a spare part may differ from the complained product),
        else what the RMAs or the complaint lines plan to replace."""
        qty_by_product = defaultdict(float)
        if not rmas:
            for line in ticket_lines:
                qty_by_product[line.product_id] += line.quantity
        for rma in rmas:
            moves = rma.delivery_move_ids.filtered(lambda m: m.state != "cancel")
            for move in moves:
                qty_by_product[move.product_id] += move.product_uom._compute_quantity(
                    move.product_uom_qty, move.product_id.uom_id
                )
            if not moves:
                qty_by_product[rma.product_id] += rma.product_uom._compute_quantity(
                    rma.product_uom_qty, rma.product_id.uom_id
                )
        return [
            Command.create(
                {
                    "cost_type": "replacement",
                    "description": self.env._(
                        "%(product)s replaced (complaint %(number)s)",
                        product=product.display_name,
                        number=ticket.number,
                    ),
                    "product_id": product.id,
                    "quantity": quantity,
                    "price_unit": product.standard_price,
                    "ticket_id": ticket.id,
                }
            )
            for product, quantity in qty_by_product.items()
        ]
