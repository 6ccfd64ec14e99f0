"""``console stock list|set``: read and change product stock in Omnitron."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from console.commands.base import CommandError, load_config, print_json, print_table


def register(commands: Any) -> None:
    parser = commands.add_parser("stock", help="list or set product stock in Omnitron")
    sub = parser.add_subparsers(dest="stock_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="product stock, page by page")
    listing.add_argument("--stock-list", type=int)
    listing.add_argument("--sku")
    listing.add_argument("--limit", type=int, default=50, help="rows to show (default 50); stderr says when more match")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=list_stock)
    setter = sub.add_parser("set", help="create or update one product's stock")
    setter.add_argument("sku")
    setter.add_argument("--stock-list", type=int, required=True)
    setter.add_argument("--stock", type=int, required=True)
    setter.add_argument("--unit-type", choices=["qty", "kg"])
    setter.set_defaults(handler=set_stock)


def list_stock(args: argparse.Namespace) -> int:
    """At most ``--limit`` rows; when more match, stderr says how many and how to see them."""
    from console.services import ServiceError, stock

    try:
        found = stock.first_rows(load_config(args), args.limit, stock_list=args.stock_list,
                                 sku=args.sku)
    except ServiceError as exc:
        raise CommandError(exc.message, status=1) from None
    if args.json:
        print_json(found.rows)
    else:
        print_table(["SKU", "LIST", "STOCK", "UNIT", "UNREPORTED SOLD"],
                    [[str(r.get("product_sku")), str(r.get("stock_list")), str(r.get("stock")),
                      str(r.get("unit_type")), str(r.get("sold_quantity_unreported"))]
                     for r in found.rows])
    if found.count > len(found.rows):
        print(f"showing {len(found.rows)} of {found.count} rows; --limit {found.count} shows "
              "them all", file=sys.stderr)
    return 0


def set_stock(args: argparse.Namespace) -> int:
    from console.services import ServiceError, stock

    change: dict[str, Any] = {"stock": args.stock}
    if args.unit_type:
        change["unit_type"] = args.unit_type
    if not 0 <= args.stock <= stock.MAX_STOCK:
        raise CommandError(f"--stock must be between 0 and {stock.MAX_STOCK}, found {args.stock}")
    try:
        saved = stock.save(load_config(args), args.sku, args.stock_list, change)
    except ServiceError as exc:
        raise CommandError(exc.message, status=1) from None
    print(f"{saved['product_sku']} in stock list {saved['stock_list']}: stock {saved['stock']} "
          f"{saved['unit_type']}")
    return 0
