# What a portal user may declare (SPEC §10, version 2): quantities bounded by
# what was delivered to its company, its own lots only, photos/PDF/video uploads.
import base64
import math

from odoo.tools.mimetypes import guess_mimetype

# Uploads a customer may attach: what a photo, a scan or a film of the defect is.
ALLOWED_UPLOAD_TYPES = ("image/", "video/", "application/pdf")
# ISO media brands (bytes 8-12 after "ftyp") of phones' photos and films, which
# Odoo's own detection (without python-magic) does not know.
FTYP_BRANDS = {
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"mif1": "image/heif",
    b"qt  ": "video/quicktime",
    b"M4A ": "audio/mp4",
}
# An image that may carry scripts is not a photo.
REFUSED_UPLOAD_TYPES = ("image/svg+xml",)


def guess_upload_mimetype(data):
    """The type of an upload from its first bytes."""
    mimetype = guess_mimetype(data, default="application/octet-stream")
    if mimetype != "application/octet-stream":
        return mimetype
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        return FTYP_BRANDS.get(
            brand, "video/3gpp" if brand[:3] == b"3gp" else "video/mp4"
        )
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if data.startswith(b"RIFF") and data[8:12] == b"AVI ":
        return "video/x-msvideo"
    return mimetype


def delivered_quantities(env, commercial_partner, product):
    """Units of `product` delivered to the customer's company (done moves to
    a customer location, net of returns), in total and per lot, in one query.

    :return: (total, {lot id: units})
    """
    groups = (
        env["stock.move.line"]
        .sudo()
        ._read_group(
            [
                ("state", "=", "done"),
                ("product_id", "=", product.id),
                (
                    "move_id.picking_id.partner_id.commercial_partner_id",
                    "=",
                    commercial_partner.id,
                ),
                "|",
                ("location_dest_id.usage", "=", "customer"),
                ("location_id.usage", "=", "customer"),
            ],
            ["lot_id", "location_dest_id"],
            ["quantity_product_uom:sum"],
        )
    )
    by_lot, total = {}, 0.0
    for lot, destination, quantity in groups:
        signed = quantity if destination.usage == "customer" else -quantity
        total += signed
        if lot:
            by_lot[lot.id] = by_lot.get(lot.id, 0.0) + signed
    return total, by_lot


def parse_quantity(value):
    """The quantity typed, or None when it is not a finite positive number
    (float() also reads "nan", "inf" and "1e400")."""
    try:
        quantity = float(value or 0)
    except ValueError:
        return None
    if not math.isfinite(quantity) or quantity <= 0:
        return None
    return quantity


def read_uploads(env, files, company, res_model):
    """Attachment values of the uploaded files, or the error to show.

    The type is read from the content, not from the name the browser sends;
    each file is read no further than the company's size limit.

    :return: (list of ir.attachment values, error message or None)
    """
    limit = company.quality_portal_max_upload_mb * 1024 * 1024
    attachments = []
    for upload in files:
        if not upload.filename:
            continue
        data = upload.read(limit + 1)
        if len(data) > limit:
            return [], env._(
                "%(file)s is larger than %(size)s MB.",
                file=upload.filename,
                size=company.quality_portal_max_upload_mb,
            )
        mimetype = guess_upload_mimetype(data)
        if (
            not mimetype.startswith(ALLOWED_UPLOAD_TYPES)
            or mimetype in REFUSED_UPLOAD_TYPES
        ):
            return [], env._(
                "%(file)s is not a photo, a PDF or a video.", file=upload.filename
            )
        attachments.append(
            {
                "name": upload.filename,
                "datas": base64.b64encode(data),
                "mimetype": mimetype,
                "res_model": res_model,
            }
        )
    return attachments, None
