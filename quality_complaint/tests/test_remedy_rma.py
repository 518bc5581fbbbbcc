import importlib.util
from pathlib import Path

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import QualityComplaintCommon, QualityPortalCommon, new_portal_user

MIGRATION = Path(__file__).parents[1] / "migrations" / "18.0.2.0.0" / "post-rma.py"


@tagged("post_install", "-at_install")
class TestRemedyRma(QualityComplaintCommon):
    """Remedies carried out as OCA RMAs (SPEC §12)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.quarantine = cls.env.ref(
            "quality_complaint.stock_location_quality_quarantine"
        )
        cls.warehouse = cls.env.ref("stock.warehouse0")
        cls.delivery_b = cls._deliver(cls.distributor, {cls.lot_b: 5})

    def _in_execution(self, remedy_type="replace", amount=0.0, lines=None, **vals):
        ticket = self._create_complaint(lines=lines or [(self.lot_a, 2)], **vals)
        self._ready_for(ticket, "solution")
        for phase in ("triage", "investigation", "solution"):
            ticket.stage_id = self.stages[phase]
        ticket.write({"remedy_type": remedy_type, "remedy_amount": amount})
        ticket.stage_id = self.stages["execution"]
        self.assertEqual(ticket.remedy_state, "approved")
        return ticket

    def _receive_rmas(self, rmas):
        """Validate the RMAs' reception as the warehouse does."""
        receipts = rmas.reception_move_id.picking_id
        receipts.move_ids.picked = True
        receipts.button_validate()
        self.assertEqual(set(receipts.mapped("state")), {"done"})
        return receipts

    def _deliver_from_wizard(self, action, product=None, user=None):
        env = self.env(user=user) if user else self.env
        wizard = Form.from_action(env, action)
        if product:
            wizard.product_id = product
        wizard.save().action_deliver()

    def _validate(self, pickings):
        pickings.action_assign()
        pickings.move_ids.picked = True
        pickings.button_validate()
        self.assertEqual(set(pickings.mapped("state")), {"done"})

    def _quarantined(self, lot):
        return sum(
            self.env["stock.quant"]
            .search([("lot_id", "=", lot.id), ("location_id", "=", self.quarantine.id)])
            .mapped("quantity")
        )

    # ------------------------------------------------------------
    # Configuration shipped
    # ------------------------------------------------------------

    def test_operations_and_quarantine_shipped(self):
        self.assertEqual(
            self.env.ref("rma.rma_operation_replace").quality_remedy_type, "replace"
        )
        self.assertEqual(
            self.env.ref("rma.rma_operation_return").quality_remedy_type, "repair"
        )
        self.assertEqual(
            self.env.ref("rma.rma_operation_refund").quality_remedy_type, "refund"
        )
        spare = self.env.ref("quality_complaint.rma_operation_spare_part")
        self.assertEqual(spare.quality_remedy_type, "spare_part")
        self.assertFalse(spare.action_create_receipt)
        # rma receives inside the warehouse's RMA location, not in WH/Stock
        self.assertEqual(self.quarantine.location_id, self.warehouse.rma_loc_id)
        self.assertFalse(self.quarantine._child_of(self.warehouse.lot_stock_id))
        self.assertTrue(self.quarantine.allow_locked)

    # ------------------------------------------------------------
    # Each remedy type, end to end
    # ------------------------------------------------------------

    def test_replace_end_to_end(self):
        ticket = self._in_execution("replace")
        line = ticket.complaint_line_ids
        ticket.with_user(self.engineer).action_create_rmas()
        rma = ticket.rma_ids
        self.assertEqual(len(rma), 1)
        self.assertEqual(rma.partner_id, self.distributor)
        self.assertEqual(rma.product_id, self.product)
        self.assertEqual(rma.lot_id, self.lot_a)
        self.assertEqual(rma.product_uom_qty, 2)
        self.assertEqual(rma.picking_id, self.delivery_a)
        self.assertEqual(rma.move_id, self.delivery_a.move_ids)
        self.assertEqual(rma.origin, ticket.number)
        self.assertEqual(rma.operation_id, self.env.ref("rma.rma_operation_replace"))
        self.assertEqual(rma.location_id, self.quarantine)
        self.assertEqual(rma.ticket_id, ticket)
        self.assertEqual(rma.complaint_line_id, line)
        self.assertEqual(rma.state, "confirmed")
        self.assertEqual(ticket.rma_count, 1)
        reception = rma.reception_move_id
        self.assertEqual(reception.location_dest_id, self.quarantine)
        self.assertEqual(reception.restrict_lot_id, self.lot_a)
        self.assertEqual(reception.origin_returned_move_id, self.delivery_a.move_ids)

        self._receive_rmas(rma)
        self.assertEqual(rma.state, "received")
        self.assertEqual(self._quarantined(self.lot_a), 2)
        self.assertEqual(ticket.remedy_state, "approved")

        self._deliver_from_wizard(rma.action_replace(), self.product)
        self.assertEqual(rma.state, "waiting_replacement")
        replacement = rma.delivery_move_ids.picking_id
        self.assertEqual(replacement.partner_id, self.distributor)
        self.assertEqual(replacement.location_id, self.warehouse.lot_stock_id)
        self.assertEqual(ticket.remedy_state, "approved")
        self._validate(replacement)
        self.assertEqual(rma.state, "replaced")
        self.assertEqual(ticket.remedy_state, "done")
        self.assertIn("Remedy done", ticket.message_ids[0].body)

    def test_refund_end_to_end(self):
        ticket = self._in_execution("refund", amount=300)
        ticket.with_user(self.engineer).action_create_rmas()
        rma = ticket.rma_ids
        self.assertEqual(rma.operation_id, self.env.ref("rma.rma_operation_refund"))
        self._receive_rmas(rma)
        self.assertEqual(rma.state, "received")
        rma.action_refund()
        self.assertEqual(rma.state, "refunded")
        refund = rma.refund_id
        self.assertEqual(refund.move_type, "out_refund")
        self.assertEqual(refund.partner_id, self.distributor)
        # the approved remedy amount, not the list price
        self.assertEqual(rma.refund_line_id.quantity, 2)
        self.assertAlmostEqual(refund.amount_untaxed, 300)
        # a refunded RMA waits for its credit note to be posted
        self.assertEqual(ticket.remedy_state, "approved")
        refund.action_post()
        self.assertEqual(ticket.remedy_state, "done")

    def test_repair_end_to_end(self):
        ticket = self._in_execution("repair", amount=50)
        ticket.with_user(self.engineer).action_create_rmas()
        rma = ticket.rma_ids
        self.assertEqual(rma.operation_id, self.env.ref("rma.rma_operation_return"))
        self._receive_rmas(rma)
        # repaired in quarantine, then returned to the customer from there
        self._deliver_from_wizard(rma.action_return())
        self.assertEqual(rma.state, "waiting_return")
        back = rma.delivery_move_ids.picking_id
        self._validate(back)
        self.assertEqual(back.move_line_ids.location_id, self.quarantine)
        self.assertEqual(back.move_line_ids.lot_id, self.lot_a)
        self.assertEqual(rma.state, "returned")
        self.assertEqual(self._quarantined(self.lot_a), 0)
        self.assertEqual(ticket.remedy_state, "done")

    def test_spare_part_end_to_end(self):
        part_lot = self._create_lot("PART-1", self.other_product)
        self.env["stock.quant"]._update_available_quantity(
            self.other_product, self.warehouse.lot_stock_id, 5, lot_id=part_lot
        )
        ticket = self._in_execution("spare_part")
        ticket.with_user(self.engineer).action_create_rmas()
        rma = ticket.rma_ids
        self.assertEqual(
            rma.operation_id, self.env.ref("quality_complaint.rma_operation_spare_part")
        )
        # the unit stays with the customer: nothing to receive
        self.assertFalse(rma.reception_move_id)
        self._deliver_from_wizard(rma.action_replace(), self.other_product)
        part = rma.delivery_move_ids.picking_id
        self.assertEqual(part.move_ids.product_id, self.other_product)
        self._validate(part)
        self.assertEqual(rma.state, "replaced")
        self.assertEqual(ticket.remedy_state, "done")

    def test_two_lines_two_lots(self):
        ticket = self._in_execution("replace", lines=[(self.lot_a, 2), (self.lot_b, 1)])
        ticket.with_user(self.engineer).action_create_rmas()
        rmas = ticket.rma_ids.sorted(lambda r: r.lot_id.name)
        self.assertEqual(len(rmas), 2)
        self.assertEqual(rmas.complaint_line_id, ticket.complaint_line_ids)
        self.assertEqual(rmas.mapped("lot_id"), self.lot_a | self.lot_b)
        self.assertEqual(rmas.mapped("product_uom_qty"), [2, 1])
        self.assertEqual(rmas.mapped("picking_id"), self.delivery_a | self.delivery_b)
        self._receive_rmas(rmas)
        self.assertEqual(set(rmas.mapped("state")), {"received"})
        self.assertEqual(self._quarantined(self.lot_a), 2)
        self.assertEqual(self._quarantined(self.lot_b), 1)
        # the remedy is done with the last of its RMAs
        self._deliver_from_wizard(rmas[0].action_replace(), self.product)
        self._validate(rmas[0].delivery_move_ids.picking_id)
        self.assertEqual(ticket.remedy_state, "approved")
        self._deliver_from_wizard(rmas[1].action_replace(), self.product)
        self._validate(rmas[1].delivery_move_ids.picking_id)
        self.assertEqual(ticket.remedy_state, "done")

    def test_held_lot_comes_back_into_quarantine(self):
        """A lot held by a batch problem is still received back from the
        customer: into quarantine, which allows held lots, not into stock."""
        self.lot_a.with_context(bypass_lock_permission_check=True).locked = True
        ticket = self._in_execution("replace")
        ticket.with_user(self.engineer).action_create_rmas()
        self._receive_rmas(ticket.rma_ids)
        self.assertEqual(ticket.rma_ids.state, "received")
        self.assertEqual(self._quarantined(self.lot_a), 2)

    def test_cancelled_rma_does_not_count_and_can_be_made_again(self):
        ticket = self._in_execution("replace", lines=[(self.lot_a, 2), (self.lot_b, 1)])
        ticket.action_create_rmas()
        with self.assertRaisesMessage(UserError, "has its RMA already"):
            ticket.action_create_rmas()
        self.assertEqual(len(ticket.rma_ids), 2)
        before = ticket.rma_ids
        cancelled = before.filtered(lambda r: r.lot_id == self.lot_b)
        cancelled.action_cancel()
        ticket.action_create_rmas()
        again = ticket.rma_ids - before
        self.assertEqual(again.lot_id, self.lot_b)
        self.assertEqual(again.state, "confirmed")
        active = ticket.rma_ids - cancelled
        self.assertEqual(active.mapped("lot_id"), self.lot_a | self.lot_b)
        # the remedy ends with the active ones
        self._receive_rmas(active)
        for rma in active:
            self._deliver_from_wizard(rma.action_replace(), self.product)
            self._validate(rma.delivery_move_ids.picking_id)
        self.assertEqual(ticket.remedy_state, "done")

    def test_manual_done_waits_for_the_rmas(self):
        ticket = self._in_execution("replace")
        ticket.action_create_rmas()
        with self.assertRaisesMessage(UserError, "are not all done yet"):
            ticket.with_user(self.engineer).action_remedy_done()
        self.assertEqual(ticket.remedy_state, "approved")

    # ------------------------------------------------------------
    # Refusals
    # ------------------------------------------------------------

    def test_refused_before_approval(self):
        ticket = self._create_complaint(lines=[(self.lot_a, 2)])
        self._ready_for(ticket, "solution")
        for phase in ("triage", "investigation", "solution"):
            ticket.stage_id = self.stages[phase]
        ticket.write({"remedy_type": "replace", "remedy_amount": 6000})
        ticket.action_request_remedy_approval()
        self.assertEqual(ticket.remedy_state, "to_approve")
        rmas = self.env["rma"].search_count([])
        pickings = self.env["stock.picking"].search_count([])
        with self.assertRaisesMessage(UserError, "is not in execution"):
            ticket.with_user(self.engineer).action_create_rmas()
        # in execution, but its approval was reset
        approved = self._in_execution("replace", amount=100)
        approved.with_user(self.engineer).action_reset_remedy()
        self.assertEqual(approved.remedy_state, "draft")
        with self.assertRaisesMessage(UserError, "is not approved"):
            approved.with_user(self.engineer).action_create_rmas()
        self.assertEqual(self.env["rma"].search_count([]), rmas)
        self.assertEqual(self.env["stock.picking"].search_count([]), pickings)
        self.assertFalse(ticket.rma_ids | approved.rma_ids)

    def test_remedies_without_goods_are_not_rmas(self):
        rmas = self.env["rma"].search_count([])
        for remedy_type in ("compensation", "explanation", "other"):
            ticket = self._in_execution(remedy_type, amount=100)
            with self.assertRaisesMessage(UserError, "not carried out by RMAs"):
                ticket.action_create_rmas()
        self.assertEqual(self.env["rma"].search_count([]), rmas)

    def test_refund_is_not_credited_by_hand(self):
        ticket = self._in_execution("refund", amount=300)
        with self.assertRaisesMessage(UserError, "credited by its RMAs"):
            ticket.action_create_credit_note()
        self.assertFalse(ticket.credit_note_ids)

    def test_operation_not_configured(self):
        self.env.ref("rma.rma_operation_replace").quality_remedy_type = False
        ticket = self._in_execution("replace")
        with self.assertRaisesMessage(UserError, "No RMA operation carries out"):
            ticket.action_create_rmas()
        self.assertFalse(ticket.rma_ids)

    def test_quarantine_outside_the_rma_location(self):
        elsewhere = self.env["stock.location"].create(
            {
                "name": "Inspection Bench",
                "usage": "internal",
                "location_id": self.warehouse.view_location_id.id,
            }
        )
        self.company.quality_quarantine_location_id = elsewhere
        ticket = self._in_execution("replace")
        with self.assertRaisesMessage(UserError, "not inside the RMA location"):
            ticket.action_create_rmas()
        self.assertFalse(ticket.rma_ids)
        # no location set: rma's own RMA location of the delivery's warehouse
        self.company.quality_quarantine_location_id = False
        ticket.action_create_rmas()
        self.assertEqual(ticket.rma_ids.location_id, self.warehouse.rma_loc_id)

    def test_rma_line_of_another_complaint_is_refused(self):
        ticket = self._in_execution("replace")
        other = self._create_complaint(lines=[(self.lot_b, 1)])
        ticket.action_create_rmas()
        with self.assertRaisesMessage(UserError, "belongs to another complaint"):
            ticket.rma_ids.complaint_line_id = other.complaint_line_ids

    # ------------------------------------------------------------
    # Access
    # ------------------------------------------------------------

    def test_rma_cannot_be_linked_to_a_complaint_by_hand(self):
        """A finished RMA linked to an approved complaint would end its remedy
        without the goods: only Create RMAs links them."""
        ticket = self._in_execution("replace")
        other = self._in_execution("replace", lines=[(self.lot_b, 1)])
        other.action_create_rmas()
        rma = other.rma_ids
        Rma = self.env["rma"].with_user(self.engineer)
        with self.assertRaisesMessage(UserError, "cannot be written directly"):
            rma.with_user(self.engineer).write({"ticket_id": ticket.id})
        with self.assertRaisesMessage(UserError, "cannot be written directly"):
            rma.with_user(self.engineer).complaint_line_id = False
        with self.assertRaisesMessage(UserError, "cannot be written directly"):
            Rma.create(
                {
                    "partner_id": self.distributor.id,
                    "product_id": self.product.id,
                    "operation_id": self.env.ref("rma.rma_operation_replace").id,
                    "ticket_id": ticket.id,
                }
            )
        self.assertEqual(rma.ticket_id, other)
        self.assertFalse(ticket.rma_ids)
        # writing what it already has, or other fields, passes
        rma.with_user(self.engineer).write(
            {"ticket_id": other.id, "deadline": "2030-01-01"}
        )
        # a duplicate is not the complaint's
        self.assertFalse(rma.with_user(self.engineer).copy().ticket_id)

    def test_split_rma_stays_with_the_complaint(self):
        ticket = self._in_execution("replace", lines=[(self.lot_a, 2)])
        ticket.with_user(self.engineer).action_create_rmas()
        rma = ticket.rma_ids.with_user(self.engineer)
        self._receive_rmas(rma)
        wizard = Form.from_action(self.env(user=self.engineer), rma.action_replace())
        wizard.product_id = self.product
        wizard.product_uom_qty = 1
        wizard.save().action_deliver()
        self.assertTrue(rma.can_be_split)
        extracted = rma.extract_quantity(1, self.product.uom_id)
        self.assertEqual(extracted.ticket_id, ticket)
        self.assertEqual(extracted.complaint_line_id, rma.complaint_line_id)
        self._validate(rma.delivery_move_ids.picking_id)
        self.assertEqual(rma.state, "replaced")
        self.assertEqual(extracted.state, "received")
        self.assertEqual(ticket.remedy_state, "approved")
        self._deliver_from_wizard(extracted.action_replace(), self.product)
        self._validate(extracted.delivery_move_ids.picking_id)
        self.assertEqual(ticket.remedy_state, "done")

    def test_customer_service_cannot_create_rmas(self):
        ticket = self._in_execution("replace")
        rmas = self.env["rma"].search_count([])
        with self.assertRaisesMessage(AccessError, "Only quality engineers"):
            ticket.with_user(self.cs_user).action_create_rmas()
        # not even with rma's own group (the default of new users)
        self.cs_user.groups_id = [
            Command.link(self.env.ref("rma.rma_group_user_own").id)
        ]
        with self.assertRaisesMessage(AccessError, "Only quality engineers"):
            ticket.with_user(self.cs_user).action_create_rmas()
        self.assertEqual(self.env["rma"].search_count([]), rmas)

    def test_groups_get_rma_rights(self):
        self.assertTrue(self.engineer.has_group("rma.rma_group_user_all"))
        self.assertFalse(self.engineer.has_group("rma.rma_group_manager"))
        self.assertTrue(self.manager.has_group("rma.rma_group_manager"))
        self.assertFalse(self.cs_user.has_group("rma.rma_group_user_own"))
        ticket = self._in_execution("replace")
        ticket.with_user(self.manager).action_create_rmas()
        rma = ticket.rma_ids
        # engineers follow the RMAs of complaints, and open the complaint
        as_engineer = ticket.with_user(self.engineer)
        self.assertEqual(as_engineer.rma_ids, rma)
        self.assertEqual(as_engineer.rma_count, 1)
        self.assertEqual(as_engineer.action_view_rmas()["res_id"], rma.id)
        self.assertEqual(
            rma.with_user(self.engineer).action_view_ticket()["res_id"], ticket.id
        )
        # customer service without rma's group does not read RMAs
        with self.assertRaises(AccessError):
            ticket.with_user(self.cs_user).read(["rma_ids"])

    def test_the_warehouse_finishes_the_remedy_without_seeing_the_complaint(self):
        ticket = self._in_execution("replace")
        ticket.action_create_rmas()
        rma = ticket.rma_ids
        storekeeper = new_test_user(
            self.env,
            login="qc_rma_storekeeper",
            groups="stock.group_stock_user,rma.rma_group_user_all",
        )
        self.assertFalse(
            self.env["helpdesk.ticket"]
            .with_user(storekeeper)
            .search([("id", "=", ticket.id)])
        )
        receipt = rma.reception_move_id.picking_id.with_user(storekeeper)
        receipt.move_ids.picked = True
        receipt.button_validate()
        rma_as_storekeeper = rma.with_user(storekeeper)
        self._deliver_from_wizard(
            rma_as_storekeeper.action_replace(), self.product, user=storekeeper
        )
        delivery = rma.delivery_move_ids.picking_id.with_user(storekeeper)
        delivery.action_assign()
        delivery.move_ids.picked = True
        delivery.button_validate()
        self.assertEqual(rma.state, "replaced")
        self.assertEqual(ticket.remedy_state, "done")

    def test_portal_rule_is_per_commercial_partner(self):
        distributor_user = new_portal_user(
            self.env, "rma_distributor", self.distributor
        )
        sub_user = new_portal_user(
            self.env, "rma_sub_distributor", self.sub_distributor
        )
        ticket = self._in_execution("replace")
        ticket.action_create_rmas()
        rma = ticket.rma_ids
        sub_ticket = self._create_complaint(partner=self.sub_distributor)
        sub_rma = self.env["rma"].create(
            {
                "partner_id": self.sub_distributor.id,
                "product_id": self.product.id,
                "ticket_id": sub_ticket.id,
                "operation_id": self.env.ref("rma.rma_operation_replace").id,
            }
        )
        # the distributor's contacts follow the child company's RMA: rma's
        # own portal rule would show it to the parent company
        sub_rma.message_subscribe(partner_ids=distributor_user.partner_id.ids)
        Rma = self.env["rma"]
        self.assertEqual(Rma.with_user(distributor_user).search([]), rma)
        self.assertEqual(Rma.with_user(sub_user).search([]), sub_rma)
        with self.assertRaises(AccessError):
            sub_rma.with_user(distributor_user).check_access("read")

    # ------------------------------------------------------------
    # Supplier claims
    # ------------------------------------------------------------

    def test_rma_replacement_and_refund_feed_the_claim(self):
        replaced = self._in_execution("replace", lines=[(self.lot_a, 2)])
        replaced.action_create_rmas()
        self._receive_rmas(replaced.rma_ids)
        self._deliver_from_wizard(replaced.rma_ids.action_replace(), self.product)
        refunded = self._in_execution("refund", amount=240, lines=[(self.lot_b, 1)])
        refunded.action_create_rmas()
        self._receive_rmas(refunded.rma_ids)
        refunded.rma_ids.action_refund()
        tickets = replaced | refunded
        tickets.action_create_supplier_claims()
        claim = tickets.supplier_claim_ids
        self.assertEqual(len(claim), 1)
        by_type = {
            cost_type: claim.line_ids.filtered(lambda c, t=cost_type: c.cost_type == t)
            for cost_type in ("replacement", "compensation", "freight")
        }
        self.assertEqual(by_type["replacement"].product_id, self.product)
        self.assertEqual(by_type["replacement"].quantity, 2)
        self.assertEqual(by_type["replacement"].price_unit, 100)
        self.assertAlmostEqual(by_type["compensation"].amount, 240)
        self.assertIn(refunded.rma_ids.name, by_type["compensation"].description)
        self.assertEqual(by_type["freight"].ticket_id, tickets)

    def test_vendor_return_with_lots_split_by_the_wizard(self):
        """stock_picking_return_lot gives the return wizard a line per lot:
        the vendor return takes the complained lot only, and validates."""
        ticket = self._create_complaint(lines=[(self.lot_b, 3)])
        receipt = self.purchase_order.picking_ids
        returned = receipt._quality_create_return(ticket.complaint_line_ids)
        self.assertEqual(returned.move_ids.restrict_lot_id, self.lot_b)
        self.assertEqual(returned.move_ids.product_uom_qty, 3)
        self._validate(returned)
        self.assertEqual(returned.move_line_ids.lot_id, self.lot_b)
        self.assertEqual(returned.move_line_ids.quantity, 3)

    # ------------------------------------------------------------
    # Version 1: hand-made documents stay linked and still finish
    # ------------------------------------------------------------

    def _v1_return(self, ticket):
        """A return picking as version 1 made it: the stock return wizard on
        the traced delivery, linked by `quality_ticket_id`."""
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=self.delivery_a.id, active_model="stock.picking")
            .create({"picking_id": self.delivery_a.id})
        )
        wizard.product_return_moves.quantity = 2
        picking = wizard._create_return()
        picking.sudo().quality_ticket_id = ticket
        return picking

    def test_v1_documents_stay_linked_and_finish_the_remedy(self):
        ticket = self._in_execution("replace")
        picking = self._v1_return(ticket)
        self.assertEqual(ticket.remedy_picking_ids, picking)
        self.assertEqual(ticket.remedy_picking_count, 1)
        action = ticket.with_user(self.engineer).action_view_remedy_pickings()
        self.assertEqual(action["res_id"], picking.id)
        self.assertFalse(action["context"]["edit"])
        self.assertFalse(hasattr(ticket, "action_create_return"))
        self.assertFalse(hasattr(ticket, "action_create_replacement"))
        with self.assertRaisesMessage(UserError, "are not all done yet"):
            ticket.action_remedy_done()
        self._validate(picking)
        self.assertEqual(ticket.remedy_state, "done")

    def test_migration_places_the_quarantine_for_rmas(self):
        """A version-1 database: the shipped quarantine beside WH/Stock, rma's
        operations without remedy type, hand-made transfers on complaints."""
        ticket = self._in_execution("replace")
        picking = self._v1_return(ticket)
        self.quarantine.location_id = self.warehouse.view_location_id
        operations = self.env["rma.operation"].search(
            [("quality_remedy_type", "in", ("replace", "repair", "refund"))]
        )
        operations.quality_remedy_type = False
        spec = importlib.util.spec_from_file_location("post_rma", MIGRATION)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, "18.0.1.4.0")
        self.env.invalidate_all()
        self.assertEqual(self.quarantine.location_id, self.warehouse.rma_loc_id)
        self.assertEqual(
            self.env.ref("rma.rma_operation_replace").quality_remedy_type, "replace"
        )
        self.assertEqual(
            self.env.ref("rma.rma_operation_return").quality_remedy_type, "repair"
        )
        self.assertEqual(ticket.remedy_picking_ids, picking)
        # an operation chosen since is kept
        self.env.ref("rma.rma_operation_refund").quality_remedy_type = False
        self.env.flush_all()
        custom = self.env["rma.operation"].create(
            {"name": "Credit on site", "quality_remedy_type": "refund"}
        )
        migration.migrate(self.env.cr, "18.0.1.4.0")
        self.assertEqual(custom.quality_remedy_type, "refund")
        self.assertFalse(self.env.ref("rma.rma_operation_refund").quality_remedy_type)
        # RMAs of the migrated database receive into the quarantine
        other = self._in_execution("replace", lines=[(self.lot_b, 1)])
        other.action_create_rmas()
        self.assertEqual(
            other.rma_ids.reception_move_id.location_dest_id, self.quarantine
        )


@tagged("post_install", "-at_install")
class TestRemedyRmaPortal(QualityPortalCommon):
    """The complaint page lists its RMAs, linked to rma's own portal pages."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._create_customer("RMA Portal Customer")
        cls.child = cls._create_customer("RMA Portal Branch", parent_id=cls.customer.id)
        cls.portal_user = new_portal_user(cls.env, "rma_portal", cls.customer)
        cls.product = cls.env["product.product"].create(
            {"name": "Portal Purifier", "is_storable": True}
        )
        cls.ticket = cls._complaint(cls.customer)
        cls.rma = cls._rma(cls.customer, cls.ticket)
        cls.child_ticket = cls._complaint(cls.child)
        cls.child_rma = cls._rma(cls.child, cls.child_ticket)

    @classmethod
    def _complaint(cls, partner):
        return cls.env["helpdesk.ticket"].create(
            {
                "name": f"Complaint of {partner.name}",
                "description": "<p>x</p>",
                "team_id": cls.team.id,
                "partner_id": partner.id,
                "complaint_line_ids": [
                    Command.create({"product_id": cls.product.id, "quantity": 1})
                ],
            }
        )

    @classmethod
    def _rma(cls, partner, ticket):
        return cls.env["rma"].create(
            {
                "partner_id": partner.id,
                "product_id": cls.product.id,
                "ticket_id": ticket.id,
                "complaint_line_id": ticket.complaint_line_ids.id,
                "origin": ticket.number,
                "operation_id": cls.env.ref("rma.rma_operation_replace").id,
            }
        )

    def test_complaint_page_links_its_rmas(self):
        self.authenticate("rma_portal", "rma_portal")
        page = self.url_open(f"/my/ticket/{self.ticket.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_quality_portal_rmas", page.text)
        self.assertIn(f'href="/my/rmas/{self.rma.id}"', page.text)
        # a link, not a token that would open it to whoever gets the URL
        self.assertNotIn("access_token", page.text.split("o_quality_portal_rmas")[1])
        self.assertIn(self.rma.name, page.text)
        self.assertNotIn(self.child_rma.name, page.text)
        rma_page = self.url_open(f"/my/rmas/{self.rma.id}")
        self.assertEqual(rma_page.status_code, 200)
        self.assertIn(self.rma.name, rma_page.text)

    def test_parent_company_does_not_see_its_branch_rmas(self):
        self.child_rma.message_subscribe(partner_ids=self.portal_user.partner_id.ids)
        self.authenticate("rma_portal", "rma_portal")
        page = self.url_open(f"/my/rmas/{self.child_rma.id}", allow_redirects=False)
        self.assertEqual(page.status_code, 303)
        listing = self.url_open("/my/rmas")
        self.assertIn(self.rma.name, listing.text)
        self.assertNotIn(self.child_rma.name, listing.text)
