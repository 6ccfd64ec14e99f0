"""``console stock list|set``: read and change product stock in Omnitron."""

from __future__ import annotations

import argparse
from typing import Any

from console.commands.base import CommandError, print_json, print_table
from console.commands.omnitron_access import explain, open_client

MAX_STOCK = 2147483647


def register(commands: Any) -> None:
    parser = commands.add_parser("stock", help="list or set product stock in Omnitron")
    sub = parser.add_subparsers(dest="stock_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="product stock, page by page")
    listing.add_argument("--stock-list", type=int)
    listing.add_argument("--sku")
    listing.add_argument("--limit", type=int, default=50, help="rows to show (default 50)")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=list_stock)
    setter = sub.add_parser("set", help="create or update one product's stock")
    setter.add_argument("sku")
    setter.add_argument("--stock-list", type=int, required=True)
    setter.add_argument("--stock", type=int, required=True)
    setter.add_argument("--unit-type", choices=["qty", "kg"])
    setter.set_defaults(handler=set_stock)


def list_stock(args: argparse.Namespace) -> int:
    from console.omnitron import OmnitronError

    rows = []
    with open_client(args) as client:
        try:
            for row in client.iter_product_stocks(stock_list=args.stock_list, sku=args.sku,
                                                  page_size=min(max(args.limit, 1), 500)):
                rows.append(row)
                if len(rows) >= args.limit:
                    break
        except OmnitronError as exc:
            raise explain(exc) from None
    if args.json:
        print_json(rows)
        return 0
    print_table(["SKU", "LIST", "STOCK", "UNIT", "UNREPORTED SOLD"],
                [[str(r.get("product_sku")), str(r.get("stock_list")), str(r.get("stock")),
                  str(r.get("unit_type")), str(r.get("sold_quantity_unreported"))] for r in rows])
    return 0


def set_stock(args: argparse.Namespace) -> int:
    from console.omnitron import OmnitronError, OmnitronValidationError

    if not 0 <= args.stock <= MAX_STOCK:
        raise CommandError(f"--stock must be between 0 and {MAX_STOCK}, found {args.stock}")
    row: dict[str, Any] = {"product_sku": args.sku, "stock_list": args.stock_list,
                           "stock": args.stock}
    if args.unit_type:
        row["unit_type"] = args.unit_type
    with open_client(args) as client:
        try:
            saved = client.upsert_stock(row)
        except OmnitronValidationError as exc:
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.field_errors.items())
            raise CommandError(f"Omnitron rejected the stock: {problems}", status=1) from None
        except OmnitronError as exc:
            raise explain(exc) from None
    print(f"{saved['product_sku']} in stock list {saved['stock_list']}: stock {saved['stock']} "
          f"{saved['unit_type']}")
    return 0
