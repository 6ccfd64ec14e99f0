"""Deterministic demo data: the same seed always gives the same products, stock and orders."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from console.sandbox.statuses import _FORWARD

EPOCH = datetime(2024, 7, 1, tzinfo=UTC)
STOCK_LISTS = [(1, "Main Warehouse", "main"), (2, "Store Network", "stores"),
               (3, "Marketplace", "marketplace")]
_WORDS = ("Linen", "Cotton", "Wool", "Denim", "Silk", "Canvas", "Leather", "Knit")
_KINDS = ("Shirt", "Trousers", "Jacket", "Dress", "Scarf", "Sneaker", "Bag", "Hat")


def sku(number: int) -> str:
    return f"SKU-{number:06d}"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class DemoData:
    products: list[tuple[str, str, str]] = field(default_factory=list)
    omnitron_stock: list[tuple[str, int, int, str, int]] = field(default_factory=list)
    erp_stock: list[tuple[str, int, int, str, str]] = field(default_factory=list)
    order_items: list[tuple[int, str, str, int]] = field(default_factory=list)
    erp_orders: list[tuple[str, str, list[dict[str, object]]]] = field(default_factory=list)


def generate(seed: int, products: int, orders: int) -> DemoData:
    rng = random.Random(seed)
    data = DemoData()
    for n in range(1, products + 1):
        name = f"{rng.choice(_WORDS)} {rng.choice(_KINDS)} {n}"
        productized = EPOCH + timedelta(days=rng.randint(0, 500))
        data.products.append((sku(n), name, iso(productized)))
        if rng.random() < 0.9:
            data.omnitron_stock.append((sku(n), 1, rng.randint(0, 200), "qty", rng.randint(0, 5)))
    missing = max(3, products // 50)
    for n in range(1, products + missing + 1):
        modified = EPOCH + timedelta(minutes=rng.randint(0, 700_000))
        qty = rng.randint(0, 500) if rng.random() > 0.01 else -1
        unit = "kg" if n % 17 == 0 else "qty"
        data.erp_stock.append((sku(n), rng.choice((1, 1, 1, 2, 3)), qty, unit, iso(modified)))
    item_id = 0
    for n in range(1, orders + 1):
        number = f"ORD-{n:06d}"
        items: list[dict[str, object]] = []
        for _ in range(rng.randint(1, 3)):
            item_id += 1
            current = rng.choice((400, 400, 450, 450, 500, 200))
            product = sku(rng.randint(1, products))
            data.order_items.append((item_id, number, product, current))
            if rng.random() < 0.08:
                target = rng.choice((550, 200))
            else:
                target = rng.choice(sorted(_FORWARD[current]))
            items.append(_erp_item(item_id, product, target, n))
        modified = EPOCH + timedelta(minutes=rng.randint(0, 700_000))
        data.erp_orders.append((number, iso(modified), items))
    return data


def _erp_item(item_id: int, product: str, status: int, order: int) -> dict[str, object]:
    item: dict[str, object] = {
        "id": item_id,
        "product": product,
        "status": status,
        "invoice_number": f"INV-{order:06d}",
        "invoice_date": "2024-10-01T12:30:59",
        "e_archive_url": f"https://erp.example/invoice/{order}",
    }
    if status >= 500:
        item.update(shipping_company="cargocompany", shipping_date="2024-10-01T12:35:59",
                    tracking_number=f"TRK{item_id:08d}")
    return item
