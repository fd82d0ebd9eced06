"""Refusals are declared once (domain/errors.py) and reach GraphQL by one derivation: a field
added to a domain error shows up in its GraphQL type, amounts stay Decimal, and every
mutation result is a real union a type checker can read."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import typing
from decimal import Decimal

import strawberry

import api
from api import errors as api_errors
from domain import errors as domain_errors

REFUSALS = [
    cls
    for cls in vars(domain_errors).values()
    if inspect.isclass(cls)
    and issubclass(cls, domain_errors.DomainError)
    and cls is not domain_errors.DomainError
]


def _example(cls: type) -> object:
    """An instance of a domain dataclass with a plausible value in every field."""
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        if f.name == "message":
            continue
        values[f.name] = _value(hints[f.name])
    return cls(**values)


def _value(hint: typing.Any) -> object:
    if typing.get_origin(hint) is list:
        return [_value(typing.get_args(hint)[0])]
    if typing.get_origin(hint) in (typing.Union, __import__("types").UnionType):
        return _value(next(a for a in typing.get_args(hint) if a is not type(None)))
    if dataclasses.is_dataclass(hint):
        return _example(hint)
    return {str: "x", int: 7, Decimal: Decimal("1.500"), bool: True}[hint]


def test_every_refusal_the_domain_declares_has_its_own_graphql_type_with_its_facts():
    assert len(REFUSALS) >= 20
    for cls in REFUSALS:
        refusal = _example(cls)
        shown = api_errors.to_graphql(refusal)  # type: ignore[arg-type]
        assert type(shown).__name__ == cls.__name__
        assert shown.message == refusal.message  # type: ignore[attr-defined]
        facts = {f.name for f in dataclasses.fields(cls)} - {"message"}
        if cls is domain_errors.PermissionDenied:
            facts -= {"detail"}  # said in the message; not a field clients see
        for name in facts:
            assert hasattr(shown, name), (cls.__name__, name)


def test_a_purchase_limit_refusal_keeps_its_amounts_as_decimals_end_to_end():
    bucket = domain_errors.LimitBucket(
        bucket="flower_g",
        label="Flower",
        unit="g",
        limit=Decimal("28.500"),
        already_purchased=Decimal("28.000"),
        this_sale=Decimal("1.000"),
        total=Decimal("29.000"),
        over_by=Decimal("0.500"),
    )
    shown = api_errors.to_graphql(domain_errors.PurchaseLimitExceeded("CA", [bucket]))

    [row] = shown.buckets  # type: ignore[attr-defined]
    assert type(row).__name__ == "LimitBucket"
    assert (row.limit, row.over_by) == (Decimal("28.500"), Decimal("0.500"))
    assert isinstance(row.limit, Decimal)
    assert str(row.limit) == "28.500"


def test_ids_in_refusals_are_graphql_ids():
    shown = api_errors.to_graphql(
        domain_errors.InsufficientStock("T", 12, "Floor", Decimal(2), Decimal(1))
    )
    assert shown.zone_id == strawberry.ID("12")  # type: ignore[attr-defined]
    short = api_errors.to_graphql(
        domain_errors.ReservationShortage(
            [domain_errors.MissingStock("product 3", 3, None, Decimal(2), Decimal(0))]
        )
    )
    assert short.missing[0].product_id == "3"  # type: ignore[attr-defined]


def test_every_mutation_result_is_an_annotated_union_not_any():
    results = {}
    for module_info in pkgutil.walk_packages(api.__path__, "api."):
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if name.endswith("Result") and typing.get_origin(value) is typing.Annotated:
                results[name] = value
    assert len(results) >= 25
    for name, value in results.items():
        union, marker = typing.get_args(value)
        assert isinstance(marker, strawberry.types.union.StrawberryUnion), name
        members = typing.get_args(union)
        assert len(members) >= 2, name
        assert all(inspect.isclass(m) for m in members), name
        assert all(issubclass(m, api_errors.UserError) for m in members[1:]), name
