# The aggregate query of a batch rule: the groups of complaint lines over its
# threshold, with their installed base, all of them or those touched since.
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import sql_array
from .quality_batch_rule import DETECTION_OVERLAP

# Columns of the group key of each scope, in quality_complaint_line. A region
# is the pair (state, country): the state, or the country alone (state empty)
# for customers without a state.
SCOPE_KEYS = {
    "lot": ("product_id", "lot_id"),
    "product": ("product_id",),
    "product_defect": ("product_id", "defect_type_id"),
    "customer_product_defect": ("partner_id", "product_id", "defect_type_id"),
    "component_defect": ("component_id", "defect_type_id"),
    "region_product_defect": ("state_id", "country_id", "product_id", "defect_type_id"),
    "region_component_defect": (
        "state_id",
        "country_id",
        "component_id",
        "defect_type_id",
    ),
}
# Column of quality_complaint_line holding each key field.
LINE_COLUMNS = {
    "product_id": "product_id",
    "lot_id": "lot_id",
    "defect_type_id": "defect_type_id",
    "partner_id": "commercial_partner_id",
    "component_id": "component_id",
    "state_id": "state_id",
    "country_id": "country_id",
}
# Key fields a group may have empty (a region without a state).
OPTIONAL_KEYS = ("state_id",)
# Key fields the installed base is counted by (after the lot, which wins), in
# this order: the first one filters the deliveries read.
BASE_KEYS = ("component_id", "product_id", "partner_id", "state_id", "country_id")
COMPARISONS = {">=": SQL(">="), ">": SQL(">")}


def _key_columns(alias, keys, coalesce=False):
    """The key columns of `alias` (complaint lines `l`: their own names), an
    empty optional part as 0 when `coalesce`."""
    return SQL(", ").join(
        SQL(
            "COALESCE(%s, 0)" if coalesce and key in OPTIONAL_KEYS else "%s",
            SQL.identifier(alias, LINE_COLUMNS[key] if alias == "l" else key),
        )
        for key in keys
    )


def _keys_of_rows(keys):
    """The key columns of rows `k` made by `_key_rows`, an empty optional
    part (0 there) empty again."""
    return SQL(", ").join(
        SQL(
            "NULLIF(%s, 0) AS %s" if key in OPTIONAL_KEYS else "%s AS %s",
            SQL.identifier("k", key),
            SQL.identifier(key),
        )
        for key in keys
    )


def _base_columns(keys, base_keys):
    """The group key columns of installed-base rows `b`: empty for the keys
    the base is not counted by."""
    return SQL(", ").join(
        SQL.identifier("b", key) if key in base_keys else SQL("NULL") for key in keys
    )


class QualityBatchRule(models.Model):
    _inherit = "quality.batch.rule"

    def _query_groups(self, since=None, shared=None):
        """The groups of complaint lines over this rule's threshold: one
        aggregate query (the installed base included), then one lookup of the
        lines of the groups over the threshold. For a ratio rule, a full run
        also writes the installed base it found (one statement), and an
        hourly run first leaves out the touched groups that cannot pass (one
        statement, see `_touched_over_lower_bound`).

        The quantities are summed over all the lines, as a hand-written
        GROUP BY would; only the few groups over the threshold read their
        lines again, by their keys, for their complaints and line ids.

        :param since: a datetime, for an incremental run: only the groups a
            line created or changed since then (or whose complaint changed),
            and the groups of the rule's open issues
        :param shared: for a full run, {signature: None or candidates} of the
            signatures (`_candidates_signature`) several rules of the run
            have: their candidate groups and installed base are computed for
            the first one and given to the others
        :return: list of dicts with the key fields, `qty`, `installed_base`,
                 `ratio`, `line_ids`, `ticket_ids`, `last_line_date` and
                 `staff_registered` (a complaint of the group was registered
                 or taken in by staff)
        """
        self.ensure_one()
        keys = SCOPE_KEYS[self.scope]
        line_conditions, ticket_conditions = self._line_conditions(keys)
        conditions = line_conditions + ticket_conditions
        is_ratio = self.threshold_type == "ratio"
        needs_base = self._needs_base()
        self._flush_detection_fields(needs_base)
        least_units = self._least_units()
        base_keys = self._base_keys(keys)
        period_start = fields.Datetime.now() - relativedelta(
            months=self.installed_base_months
        )
        if since:
            touched = self._touched_keys(keys, conditions, since)
            if touched and is_ratio:
                touched = self._touched_over_lower_bound(
                    touched, keys, line_conditions, least_units, period_start
                )
            if not touched:
                return []
            groups_sql = self._touched_groups_sql(
                keys, touched, line_conditions, ticket_conditions
            )
        else:
            groups_sql = SQL(
                """
                SELECT %(line_key)s, SUM(l.quantity) AS qty
                  FROM quality_complaint_line l
                  JOIN helpdesk_ticket t ON t.id = l.ticket_id
                 WHERE %(conditions)s
              GROUP BY %(group_key)s
                """,
                line_key=SQL(", ").join(
                    SQL(
                        "l.%s AS %s",
                        SQL.identifier(LINE_COLUMNS[key]),
                        SQL.identifier(key),
                    )
                    for key in keys
                ),
                conditions=SQL(" AND ").join(conditions),
                group_key=_key_columns("l", keys),
            )
        base_sql = (
            self._moved_units_sql(
                base_keys, SQL("candidates"), SQL("sml.date >= %s", period_start)
            )
            if needs_base
            else None
        )
        signature = not since and shared and self._candidates_signature()
        if signature and signature in shared:
            if shared[signature] is None:
                shared[signature] = self._shared_candidates(
                    groups_sql, base_sql, keys, base_keys, least_units
                )
            groups_sql, base_sql = shared[signature]
        installed = (
            SQL("COALESCE(b.delivered - b.returned, 0)") if needs_base else SQL("NULL")
        )
        where = []
        if needs_base:
            where.append(SQL("%s >= %s", installed, self.min_installed_base))
            if self.max_installed_base:
                where.append(SQL("%s < %s", installed, self.max_installed_base))
        measure = (
            SQL("100.0 * g.qty / NULLIF(b.delivered - b.returned, 0)")
            if is_ratio
            else SQL("g.qty")
        )
        where.append(
            SQL("%s %s %s", measure, COMPARISONS[self.comparison], self.threshold)
        )
        # a full run of a ratio rule keeps the installed base it found for
        # the hourly runs (see _touched_over_lower_bound)
        store_base = is_ratio and not since
        result = SQL(
            """
            SELECT %(group_key)s, g.qty, %(installed)s AS installed_base,
                   %(ratio)s AS ratio
              FROM candidates g %(base_join)s
             WHERE %(where)s
            """,
            group_key=SQL(", ").join(SQL.identifier("g", key) for key in keys),
            installed=installed,
            ratio=(
                SQL("100.0 * g.qty / NULLIF(b.delivered - b.returned, 0)")
                if needs_base
                else SQL("NULL::float")
            ),
            base_join=(
                SQL("LEFT JOIN base b ON %s", self._base_key_join("b", "g", base_keys))
                if needs_base
                else SQL()
            ),
            where=SQL(" AND ").join(where),
        )
        if store_base:
            # the base's rows come back with the groups, and are written by a
            # statement of their own: a query writing data is never run in
            # parallel by PostgreSQL (measured: the full run 0.4 s slower)
            result = SQL(
                """SELECT FALSE AS is_base, * FROM (%(groups)s) g
                 UNION ALL
                SELECT TRUE, %(base_columns)s, NULL,
                       b.delivered - b.returned, NULL
                  FROM base b""",
                groups=result,
                base_columns=_base_columns(keys, base_keys),
            )
        self.env.cr.execute(
            self._candidates_statement(groups_sql, base_sql, least_units, result)
        )
        groups = self.env.cr.dictfetchall()
        if store_base:
            self._store_installed_base(
                base_keys,
                [group for group in groups if group.pop("is_base")],
                period_start,
            )
            groups = [group for group in groups if group["qty"] is not None]
        if not groups:
            return groups
        self._add_group_lines(groups, keys, conditions)
        return groups

    def _needs_base(self):
        return bool(
            self.threshold_type == "ratio"
            or self.min_installed_base
            or self.max_installed_base
        )

    def _least_units(self):
        """The units a group needs to pass: a units rule's threshold, or for
        a ratio the threshold of the least installed base the rule applies
        to. Only these candidates need their installed base."""
        if self.threshold_type == "ratio":
            return self.threshold * self.min_installed_base / 100
        return self.threshold

    def _candidates_signature(self):
        """What the candidate groups of a full run and their installed base
        depend on: rules of the same signature (the two customer rules
        shipped) share them, only their thresholds differ."""
        self.ensure_one()
        return (
            self.company_id.id,
            self.scope,
            self.window_days,
            self.warranty_only,
            tuple(self.product_ids.ids),
            tuple(self.categ_ids.ids),
            self.comparison,
            self._least_units(),
            self._needs_base(),
            self.installed_base_months,
        )

    def _candidates_statement(self, groups_sql, base_sql, least_units, result):
        """The statement of `result` over the groups, the candidates among
        them (their units can pass) and, when given, their installed base."""
        return SQL(
            """
            WITH groups AS (%(groups)s),
            candidates AS (
                SELECT * FROM groups WHERE qty %(comparison)s %(least_units)s
            )%(base_cte)s
            %(result)s
            """,
            groups=groups_sql,
            comparison=COMPARISONS[self.comparison],
            least_units=least_units,
            base_cte=SQL(",\nbase AS (%s)", base_sql) if base_sql else SQL(),
            result=result,
        )

    def _shared_candidates(self, groups_sql, base_sql, keys, base_keys, least_units):
        """The candidate groups and their installed base, read once for the
        rules of a signature, as SQL of rows the aggregate of each of them
        reads instead of the complaint lines and moves.

        :return: (SQL of the groups, SQL of the base or None)
        """
        self.env.cr.execute(
            self._candidates_statement(
                groups_sql,
                base_sql,
                least_units,
                SQL(
                    """SELECT FALSE, %(keys)s, qty, NULL::float8, NULL::float8
                         FROM candidates g
                       %(base_rows)s""",
                    keys=SQL(", ").join(SQL.identifier("g", key) for key in keys),
                    base_rows=(
                        SQL(
                            "UNION ALL SELECT TRUE, %s, NULL, b.delivered, b.returned"
                            " FROM base b",
                            _base_columns(keys, base_keys),
                        )
                        if base_sql
                        else SQL()
                    ),
                ),
            )
        )
        rows = self.env.cr.fetchall()
        width = len(keys)

        def column(rows, index, sql_type):
            return sql_array([row[index] for row in rows], sql_type)

        candidates = [row[1:] for row in rows if not row[0]]
        bases = [row[1:] for row in rows if row[0]]
        groups = SQL(
            "SELECT %s, k.qty FROM unnest(%s) AS k(%s, qty)",
            _keys_of_rows(keys),
            SQL(", ").join(
                [
                    *(
                        sql_array([(row[i] or 0) for row in candidates], "int4")
                        for i in range(width)
                    ),
                    column(candidates, width, "float8"),
                ]
            ),
            SQL(", ").join(SQL.identifier(key) for key in keys),
        )
        if not base_sql:
            return groups, None
        positions = [keys.index(key) for key in base_keys]
        base = SQL(
            "SELECT * FROM unnest(%s) AS b(%s, delivered, returned)",
            SQL(", ").join(
                [
                    *(column(bases, i, "int4") for i in positions),
                    column(bases, width + 1, "float8"),
                    column(bases, width + 2, "float8"),
                ]
            ),
            SQL(", ").join(SQL.identifier(key) for key in base_keys),
        )
        return groups, base

    def _line_conditions(self, keys):
        """The conditions a complaint line `l` counts under for this rule,
        and those on its complaint `t`.

        :return: (list of SQL, list of SQL)
        """
        today = fields.Date.context_today(self)
        line_conditions = [
            SQL("l.company_id = %s", self.company_id.id),
            SQL("l.date >= %s", today - timedelta(days=self.window_days)),
        ]
        line_conditions += [
            SQL("l.%s IS NOT NULL", SQL.identifier(LINE_COLUMNS[key]))
            for key in keys
            if key not in OPTIONAL_KEYS
        ]
        if self.warranty_only:
            line_conditions.append(
                SQL("l.warranty_state IS DISTINCT FROM 'out_of_warranty'")
            )
        if self.product_ids:
            line_conditions.append(SQL("l.product_id = ANY(%s)", self.product_ids.ids))
        if self.categ_ids:
            line_conditions.append(
                SQL(
                    """l.product_id IN (
                        SELECT pp.id FROM product_product pp
                          JOIN product_template pt ON pt.id = pp.product_tmpl_id
                          JOIN product_category pc ON pc.id = pt.categ_id
                         WHERE pc.parent_path LIKE ANY(%s))""",
                    [f"{path}%" for path in self.categ_ids.mapped("parent_path")],
                )
            )
        ticket_conditions = [
            SQL("t.is_quality_complaint"),
            SQL("t.active"),
            SQL("t.quality_phase IS DISTINCT FROM 'rejected'"),
        ]
        return line_conditions, ticket_conditions

    def _flush_detection_fields(self, needs_base):
        self.env["quality.complaint.line"].flush_model()
        self.env["helpdesk.ticket"].flush_model(
            [
                "is_quality_complaint",
                "active",
                "quality_phase",
                "filed_by_customer",
                "has_left_intake",
            ]
        )
        if needs_base:
            self.env["product.template"].flush_model(["complaint_component_ids"])
            self.env["res.partner"].flush_model(
                ["commercial_partner_id", "state_id", "country_id"]
            )

    def _touched_keys(self, keys, conditions, since):
        """The keys of the groups a line created or changed since `since`
        touched, or whose complaint changed (re-activated, no longer
        rejected): a group can only newly cross a threshold then; and the
        keys of the open issues, whose figures are refreshed.

        :return: {key tuple (an empty part as 0): has an open issue}
        """
        self.env.cr.execute(
            SQL(
                """
                SELECT %(line_keys)s, FALSE
                  FROM quality_complaint_line l
                  JOIN helpdesk_ticket t ON t.id = l.ticket_id
                 WHERE %(conditions)s AND l.write_date >= %(since)s
                 UNION
                SELECT %(line_keys)s, FALSE
                  FROM helpdesk_ticket t
                  JOIN quality_complaint_line l ON l.ticket_id = t.id
                 WHERE %(conditions)s AND t.write_date >= %(since)s
                 UNION
                SELECT %(issue_keys)s, TRUE
                  FROM quality_batch_issue i
                 WHERE i.rule_id = %(rule)s
                   AND i.state NOT IN ('closed', 'dismissed')
                """,
                line_keys=_key_columns("l", keys, coalesce=True),
                issue_keys=_key_columns("i", keys, coalesce=True),
                conditions=SQL(" AND ").join(conditions),
                since=since,
                rule=self.id,
            )
        )
        touched = {}
        for *key, is_open in self.env.cr.fetchall():
            touched[tuple(key)] = touched.get(tuple(key), False) or is_open
        return touched

    def _touched_groups_sql(self, keys, touched, line_conditions, ticket_conditions=()):
        """The sum of each touched group on its own (columns: the key, `qty`,
        `is_open`): an aggregate per key is not merged into the outer query,
        so each reads its lines through the key's index, not the whole
        window.

        :param touched: {key tuple: has an open issue}
        :param line_conditions: SQL conditions on the lines `l`
        :param ticket_conditions: SQL conditions on their complaints `t`
        """
        return SQL(
            """
            SELECT %(touched_key)s, g.qty, k.is_open
              FROM %(touched)s AS k(%(key_names)s, is_open)
        CROSS JOIN LATERAL (
                SELECT SUM(l.quantity) AS qty
                  FROM quality_complaint_line l %(ticket_join)s
                 WHERE %(conditions)s AND (%(coalesced)s) = (%(key_columns)s)
                ) g
             WHERE g.qty IS NOT NULL
            """,
            touched_key=_keys_of_rows(keys),
            touched=self._key_rows(
                list(touched), [sql_array(list(touched.values()), "bool")]
            ),
            key_names=SQL(", ").join(SQL.identifier(key) for key in keys),
            ticket_join=(
                SQL("JOIN helpdesk_ticket t ON t.id = l.ticket_id")
                if ticket_conditions
                else SQL()
            ),
            conditions=SQL(" AND ").join([*line_conditions, *ticket_conditions]),
            coalesced=_key_columns("l", keys, coalesce=True),
            key_columns=SQL(", ").join(SQL.identifier("k", key) for key in keys),
        )

    def _store_installed_base(self, base_keys, rows, period_start):
        """Keep the installed base a full run found, per key, for the hourly
        runs until the next full one, in place of the one kept before.

        :param rows: dicts with the base keys and `installed_base`
        """
        key_list = SQL(", ").join(SQL.identifier(key) for key in base_keys)
        # two statements: the rows a DELETE in the INSERT's own WITH removes
        # still count for the unique index the INSERT checks
        self.env.cr.execute(
            SQL("DELETE FROM quality_batch_installed_base WHERE rule_id = %s", self.id)
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO quality_batch_installed_base
                       (rule_id, %(keys)s, installed, period_start, computed_at)
                SELECT %(rule)s, %(keys)s, installed, %(period_start)s, %(now)s
                  FROM unnest(%(columns)s) AS k(%(keys)s, installed)
                """,
                rule=self.id,
                keys=key_list,
                columns=SQL(", ").join(
                    [
                        *(
                            sql_array([row[key] for row in rows], "int4")
                            for key in base_keys
                        ),
                        sql_array([row["installed_base"] for row in rows], "float8"),
                    ]
                ),
                period_start=period_start,
                now=fields.Datetime.now(),
            )
        )

    def _touched_over_lower_bound(
        self, touched, keys, line_conditions, least_units, period_start
    ):
        """The touched groups of an hourly run of a ratio rule that can pass,
        and those of the open issues (always refreshed): the units of each
        group, summed without looking at its complaints (an upper bound:
        complaints archived or rejected only take units away), against the
        lower bound of its installed base. Only these few are then summed
        exactly and have their installed base counted.

        :param touched: {key tuple: has an open issue}
        :return: the same for the groups that can pass (all of them when the
            rule keeps no usable installed base)
        """
        base_keys = self._base_keys(keys)
        bounds = self._lower_bounds_sql(base_keys, period_start)
        if not bounds:
            return touched
        comparison = COMPARISONS[self.comparison]
        self.env.cr.execute(
            SQL(
                """
                WITH candidates AS (
                    SELECT * FROM (%(groups)s) g
                     WHERE qty %(comparison)s %(least_units)s OR is_open
                ),
                %(bounds)s
                SELECT %(key_columns)s, g.is_open
                  FROM candidates g
             LEFT JOIN bounds lb ON %(join)s
                 WHERE g.is_open OR lb.lower IS NULL
                    OR 100.0 * g.qty %(comparison)s %(threshold)s * lb.lower
                """,
                groups=self._touched_groups_sql(keys, touched, line_conditions),
                comparison=comparison,
                least_units=least_units,
                bounds=bounds,
                key_columns=_key_columns("g", keys, coalesce=True),
                join=self._base_key_join("lb", "g", base_keys),
                threshold=self.threshold,
            )
        )
        return {tuple(key): is_open for *key, is_open in self.env.cr.fetchall()}

    def _add_group_lines(self, groups, keys, conditions):
        """Add to each group its `line_ids`, `ticket_ids`, `last_line_date`
        and `staff_registered`.

        :param conditions: list of SQL conditions on the lines `l` and
            complaints `t` of the rule
        """
        # the lines of the few groups over the threshold, by their keys given
        # as values: an index lookup (joining the aggregate back, the planner
        # cannot know how few they are and reads every line again)
        self.env.cr.execute(
            SQL(
                """
                SELECT %(key_columns)s,
                       ARRAY_AGG(l.id ORDER BY l.id) AS line_ids,
                       ARRAY_AGG(DISTINCT l.ticket_id) AS ticket_ids,
                       MAX(l.create_date) AS last_line_date,
                       BOOL_OR(NOT COALESCE(t.filed_by_customer, FALSE)
                               OR COALESCE(t.has_left_intake, FALSE))
                           AS staff_registered
                  FROM quality_complaint_line l
                  JOIN helpdesk_ticket t ON t.id = l.ticket_id
                 WHERE %(conditions)s
                   AND (%(coalesced)s) IN (SELECT * FROM %(values)s)
              GROUP BY %(group_key)s
                """,
                key_columns=SQL(", ").join(
                    SQL(
                        "%s AS %s",
                        SQL.identifier("l", LINE_COLUMNS[key]),
                        SQL.identifier(key),
                    )
                    for key in keys
                ),
                conditions=SQL(" AND ").join(conditions),
                coalesced=_key_columns("l", keys, coalesce=True),
                values=self._key_rows(
                    [tuple(group[key] or 0 for key in keys) for group in groups]
                ),
                group_key=_key_columns("l", keys),
            )
        )
        lines_by_key = {
            tuple(row[key] for key in keys): row for row in self.env.cr.dictfetchall()
        }
        for group in groups:
            group.update(lines_by_key[tuple(group[key] for key in keys)])

    @api.model
    def _key_rows(self, rows, extra_columns=()):
        """Group keys as a set of rows, one array per key part (an empty part
        as 0, as the coalesced columns compare it): a few literals however
        many groups, which the planner counts.

        :param rows: non-empty list of key tuples
        :param extra_columns: SQL arrays of further columns, one value per row
        """
        arrays = [
            sql_array([value or 0 for value in part], "int4")
            for part in zip(*rows, strict=True)
        ]
        return SQL("unnest(%s)", SQL(", ").join([*arrays, *extra_columns]))

    @api.model
    def _base_keys(self, keys):
        """What the installed base of a scope's groups is counted by: the lot,
        or the component or product with the customer or region."""
        if "lot_id" in keys:
            return ("lot_id",)
        return tuple(key for key in BASE_KEYS if key in keys)

    @api.model
    def _base_key_join(self, left, right, base_keys):
        """Join condition of two relations on the installed base's key; a
        region without a state has an empty state on both sides."""
        return SQL(" AND ").join(
            SQL(
                "COALESCE(%s, 0) = COALESCE(%s, 0)"
                if key in OPTIONAL_KEYS
                else "%s = %s",
                SQL.identifier(left, key),
                SQL.identifier(right, key),
            )
            for key in base_keys
        )

    def _moved_units_sql(
        self, base_keys, source, dates, delivered_if=None, returned_if=None
    ):
        """Query of the units delivered to customers and returned by them
        (columns `delivered`, `returned`) per installed-base key of the groups
        of `source`: per lot, or per product or component (the units of the
        products listing it), for one customer (commercial partner) or one
        region (its state, or its country when it has no state) when the scope
        says so. Done move lines, in the product's unit, are what actually
        moved.

        Only the moves of the groups' lots, products or components, customers
        and regions are read; they are summed per lot or product (and customer
        or region) before a component's products are joined, so that join
        reads a few thousand sums, not every move line.

        :param source: SQL name of a relation with the groups' key columns
        :param dates: SQL condition on the move lines' date (`sml.date`)
        :param delivered_if: SQL condition a delivery counts under
        :param returned_if: SQL condition a return counts under
        """
        # what the move lines are summed by, then the components' products
        moved_columns = {
            "lot_id": SQL("sml.lot_id"),
            "product_id": SQL("sml.product_id"),
            "partner_id": SQL("partner.commercial_partner_id"),
            "state_id": SQL("customer.state_id"),
            "country_id": SQL(
                "COALESCE(customer.country_id, customer_state.country_id)"
            ),
        }
        by_address = bool({"partner_id", "country_id"} & set(base_keys))
        moved_keys = [key for key in base_keys if key != "component_id"]
        if "component_id" in base_keys:
            moved_keys.insert(0, "product_id")
        joins, filters = [], []
        if by_address:
            joins.append(
                SQL(
                    "JOIN stock_picking picking ON picking.id = sml.picking_id"
                    " JOIN res_partner partner ON partner.id = picking.partner_id"
                )
            )
        if "country_id" in base_keys:
            joins.append(
                SQL(
                    "JOIN res_partner customer"
                    " ON customer.id = partner.commercial_partner_id"
                    " LEFT JOIN res_country_state customer_state"
                    " ON customer_state.id = customer.state_id"
                )
            )
        if "component_id" in base_keys:
            # the moves of the products listing the groups' components
            filters.append(
                SQL(
                    """sml.product_id IN (
                        SELECT pp.id FROM product_product pp
                          JOIN product_template_complaint_component_rel rel
                            ON rel.template_id = pp.product_tmpl_id
                         WHERE rel.component_id IN (
                            SELECT component_id FROM %s))""",
                    source,
                )
            )
        for key in ("lot_id", "product_id", "partner_id"):
            if key in base_keys:
                filters.append(
                    SQL(
                        "%s IN (SELECT %s FROM %s)",
                        moved_columns[key],
                        SQL.identifier(key),
                        source,
                    )
                )
        if "country_id" in base_keys:
            filters.append(
                SQL(
                    "(COALESCE(%s, 0), %s) IN"
                    " (SELECT COALESCE(state_id, 0), country_id FROM %s)",
                    moved_columns["state_id"],
                    moved_columns["country_id"],
                    source,
                )
            )
        # a move to or from a customer, not between two of them; the customer
        # locations are read once, not joined to every move
        customer_locations = SQL(
            "ARRAY(SELECT id FROM stock_location WHERE usage = 'customer')"
        )
        to_customer = SQL("sml.location_dest_id = ANY(%s)", customer_locations)
        from_customer = SQL("sml.location_id = ANY(%s)", customer_locations)
        columns = {key: SQL.identifier("moved", key) for key in moved_keys}
        component_join = SQL()
        if "component_id" in base_keys:
            columns["component_id"] = SQL("component.component_id")
            component_join = SQL(
                "JOIN product_product product ON product.id = moved.product_id"
                " JOIN product_template_complaint_component_rel component"
                " ON component.template_id = product.product_tmpl_id"
            )
        return SQL(
            """
            SELECT %(select)s, SUM(moved.delivered) AS delivered,
                   SUM(moved.returned) AS returned
              FROM (
                SELECT %(moved_select)s,
                       SUM(CASE WHEN %(to_customer)s AND %(delivered_if)s
                                THEN sml.quantity_product_uom ELSE 0 END)
                           AS delivered,
                       SUM(CASE WHEN %(from_customer)s AND %(returned_if)s
                                THEN sml.quantity_product_uom ELSE 0 END)
                           AS returned
                  FROM stock_move_line sml
                  %(joins)s
                 WHERE sml.state = 'done' AND (%(dates)s)
                   AND (%(to_customer)s) <> (%(from_customer)s)
                   AND %(filters)s
              GROUP BY %(moved_group)s
              ) moved
              %(component_join)s
          GROUP BY %(group)s
            """,
            select=SQL(", ").join(
                SQL("%s AS %s", columns[key], SQL.identifier(key)) for key in base_keys
            ),
            moved_select=SQL(", ").join(
                SQL("%s AS %s", moved_columns[key], SQL.identifier(key))
                for key in moved_keys
            ),
            to_customer=to_customer,
            from_customer=from_customer,
            delivered_if=delivered_if or SQL("TRUE"),
            returned_if=returned_if or SQL("TRUE"),
            joins=SQL(" ").join(joins),
            dates=dates,
            filters=SQL(" AND ").join(filters),
            moved_group=SQL(", ").join(moved_columns[key] for key in moved_keys),
            component_join=component_join,
            group=SQL(", ").join(columns[key] for key in base_keys),
        )

    def _lower_bounds_sql(self, base_keys, period_start):
        """CTEs `left_since` and `bounds` (columns: the base key, `lower`): a
        lower bound of the installed base of each candidate's key, from the one
        the rule's last full run stored. Since then the base can only have
        lost the deliveries that left the period and the returns made; new
        deliveries and the returns that left the period only raise it. Both
        losses are read by the move lines' date: a few days of moves, not the
        period's.

        What the bound does not follow (a done move edited, a customer's new
        address, a product's components changed since the full run) waits for
        the next full run, as returns do for the groups nobody complained
        about since.

        :return: SQL, or None when the rule has no stored base still usable
            (none yet, or stored before the period's start)
        """
        self.env.cr.execute(
            SQL(
                "SELECT computed_at, period_start FROM quality_batch_installed_base"
                " WHERE rule_id = %s LIMIT 1",
                self.id,
            )
        )
        stored = self.env.cr.fetchone()
        if not stored or stored[0] <= period_start:
            return None
        computed_at, stored_start = stored
        # returns committed by transactions still open when the full run
        # read are dated before its start
        returns_since = computed_at - DETECTION_OVERLAP
        left_since = self._moved_units_sql(
            base_keys,
            SQL("candidates"),
            SQL(
                "(sml.date >= %(start)s AND sml.date < %(period_start)s)"
                " OR sml.date >= %(returns_since)s",
                start=stored_start,
                period_start=period_start,
                returns_since=returns_since,
            ),
            delivered_if=SQL("sml.date < %s", period_start),
            returned_if=SQL("sml.date >= %s", returns_since),
        )
        return SQL(
            """left_since AS (%(left_since)s),
            bounds AS (
                SELECT %(keys)s, s.installed - COALESCE(m.delivered, 0)
                                 - COALESCE(m.returned, 0) AS lower
                  FROM quality_batch_installed_base s
             LEFT JOIN left_since m ON %(join)s
                 WHERE s.rule_id = %(rule)s
            )""",
            left_since=left_since,
            keys=SQL(", ").join(SQL.identifier("s", key) for key in base_keys),
            join=self._base_key_join("m", "s", base_keys),
            rule=self.id,
        )
