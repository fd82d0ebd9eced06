"""Package labels as GraphQL: the sheet (a base64 PDF) and the label stock enum."""

from __future__ import annotations

import base64

import strawberry

from domain.labels import service

LabelFormat = service.LabelFormat
strawberry.enum(LabelFormat, description="A label stock: LABEL_4X2 is 4 × 2 in, one a page.")


@strawberry.type(description="A PDF of package labels, ready for the label printer.")
class LabelSheet:
    filename: str
    content_type: str
    pages: int
    tags: list[str] = strawberry.field(description="The packages labelled, in the order asked.")
    pdf_base64: str = strawberry.field(description="The PDF, base64-encoded (RFC 4648).")

    @classmethod
    def from_domain(cls, sheet: service.LabelSheet) -> LabelSheet:
        return cls(
            filename=sheet.filename,
            content_type=sheet.content_type,
            pages=sheet.pages,
            tags=list(sheet.tags),
            pdf_base64=base64.b64encode(sheet.pdf).decode("ascii"),
        )
