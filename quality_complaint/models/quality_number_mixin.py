# Numbers are finite and plausible (SPEC §10, version 2): one check of every
# number that a create or write of the inheriting models gives.
import math

from odoo import api, models
from odoo.exceptions import ValidationError

NUMBER_TYPES = ("float", "monetary", "integer")


class QualityNumberMixin(models.AbstractModel):
    """Refuse NaN and ±infinity for every Float, Monetary and Integer field
    of the inheriting model (JSON-RPC accepts ``NaN`` and ``Infinity``, and
    PostgreSQL stores NaN), and values beyond a field's ``number_max``
    (its absolute value), e.g. ``fields.Float(number_max=1e6)``.

    Each model keeps its own rules of meaning (greater than zero, ratio up
    to 100 %...) as constraints; this is the check that a number is a number.
    """

    _name = "quality.number.mixin"
    _description = "Quality Finite Numbers"

    def _valid_field_parameter(self, field, name):
        return name == "number_max" or super()._valid_field_parameter(field, name)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_numbers(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_numbers(vals)
        return super().write(vals)

    @api.model
    def _check_numbers(self, vals):
        problems = []
        for fname, value in vals.items():
            field = self._fields.get(fname)
            if field is None or field.type not in NUMBER_TYPES:
                continue
            if value is None or isinstance(value, bool):
                continue
            try:
                number = float(value)
            except (TypeError, ValueError):
                continue  # the ORM refuses what is not a number
            limit = getattr(field, "number_max", None)
            if math.isfinite(number) and (limit is None or abs(number) <= limit):
                continue
            label = field._description_string(self.env)
            if not math.isfinite(number):
                problems.append(
                    self.env._(
                        "%(field)s must be a finite number (got %(value)s)",
                        field=label,
                        value=value,
                    )
                )
            else:
                # formatted apart: babel's extraction cannot read an f-string
                limit_text = format(limit, ",.0f")
                problems.append(
                    self.env._(
                        "%(field)s cannot exceed %(limit)s (got %(value)s)",
                        field=label,
                        limit=limit_text,
                        value=value,
                    )
                )
        if problems:
            raise ValidationError(
                self.env._(
                    "%(model)s: %(problems)s.",
                    model=self.env["ir.model"]._get(self._name).name,
                    problems="; ".join(problems),
                )
            )
