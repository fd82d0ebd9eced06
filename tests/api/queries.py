"""GraphQL documents shared by the API tests (what a front end would send)."""

from domain.organisation.model import ZoneKind

LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    __typename
    ... on LoginPayload { token me { id email grants { role location { licenseNumber } } } }
    ... on UserError { message }
  }
}
"""

TRANSFER = """
mutation($input: TransferStockInput!) {
  transferStock(input: $input) {
    __typename
    ... on StockMovedPayload {
      replayed
      package { tag quantity balances { quantity zone { kind } } }
      movements { id kind quantity fromZone { kind } toZone { kind } actor { email } hash }
    }
    ... on InsufficientStock { message tag zoneName requested available }
    ... on InvalidQuantity { field reason }
    ... on ValidationError { field reason }
    ... on NotFound { entity key }
    ... on PermissionDenied { action }
    ... on UnitMismatch { expected given }
    ... on PackageNotSellable { reason }
  }
}
"""

ADJUST = """
mutation($input: AdjustStockInput!) {
  adjustStock(input: $input) {
    __typename
    ... on StockMovedPayload { replayed movements { id reason note } package { quantity } }
    ... on UserError { message }
    ... on ValidationError { field }
    ... on InvalidQuantity { field }
  }
}
"""

PACKAGES = """
query($loc: ID!, $first: Int!, $after: String, $filter: PackageFilterInput) {
  packages(locationId: $loc, first: $first, after: $after, filter: $filter) {
    edges { cursor node {
      tag status quantity
      product { name category }
      batch { producerBatchNumber expiresOn labStatus }
      balances { quantity zone { name kind } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def transfer_input(world, quantity: str, **changes) -> dict:
    """A vault → sales floor transfer of the world's package."""
    base = {
        "locationId": str(world.ca.location_id),
        "tag": world.tag,
        "fromZoneId": str(world.ca.zone(ZoneKind.VAULT)),
        "toZoneId": str(world.ca.zone(ZoneKind.SALES_FLOOR)),
        "quantity": quantity,
    }
    base.update(changes)
    return base
