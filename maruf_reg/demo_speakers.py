"""The demo forum's public face: its description, and speakers' biographies and portraits.

Portraits are drawn here (a head and shoulders on a coloured ground), so that the demo shows the
public pages as a real forum would, without shipping photographs of anybody.
"""

from __future__ import annotations

import io
import random
from typing import Any

from maruf_reg.models import Forum

DESCRIPTION_TR = (
    "Marmara Kentsel Forumu, kentlerin geleceğini birlikte düşünmek için yerel yönetimleri, "
    "akademiyi, sivil toplumu ve özel sektörü bir araya getirir. Üç gün boyunca göç ve sosyal "
    "uyum, iklim ve dirençlilik, ulaşım, kültür ve kentsel tasarım üzerine paneller, atölyeler, "
    "bir film gösterimi ve bir fotoğraf sergisi."
)
DESCRIPTION_EN = (
    "The Marmara Urban Forum brings local governments, universities, civil society and business "
    "together to think about the future of cities. Three days of panels, workshops, a film "
    "screening and a photograph exhibition on migration and social cohesion, climate and "
    "resilience, mobility, culture and urban design."
)
_BIO_EN = [
    "{name} works on {topic} at {organisation} and has advised cities across the region.",
    "{name} leads projects on {topic} at {organisation}; before that, ten years in local government.",
    "At {organisation}, {name} studies {topic} and teaches a seminar on city-making.",
]
_BIO_TR = [
    "{name}, {organisation} bünyesinde {topic} üzerine çalışıyor ve bölgedeki kentlere danışmanlık yapıyor.",
    "{name}, {organisation} kurumunda {topic} projelerini yürütüyor; öncesinde on yıl yerel yönetimde çalıştı.",
]
_TOPICS = [
    ("migration and social cohesion", "göç ve sosyal uyum"),
    ("climate adaptation", "iklim uyumu"),
    ("public transport", "toplu ulaşım"),
    ("housing", "konut"),
    ("participatory planning", "katılımcı planlama"),
]
_GROUNDS = ["#c9dcf0", "#f3d9c4", "#d6ead1", "#e6d5ef", "#f5e6b8", "#cfe5e8"]
_SKIN = ["#8d5524", "#c68642", "#e0ac69", "#f1c27d", "#ffdbac"]
_CLOTHES = ["#2e4057", "#5b3a29", "#1f5f5b", "#6b2d5c", "#333333", "#0b5394"]


def describe_forum(forum: Forum) -> None:
    forum.description_tr = DESCRIPTION_TR
    forum.description_en = DESCRIPTION_EN


def portrait(rng: random.Random) -> bytes:
    """A small drawn portrait (JPEG), as `prepare_photo` would have stored an upload."""
    from PIL import Image, ImageDraw  # the demo's portraits only (web workers never draw them)

    image = Image.new("RGB", (360, 360), rng.choice(_GROUNDS))
    draw = ImageDraw.Draw(image)
    clothes, skin = rng.choice(_CLOTHES), rng.choice(_SKIN)
    draw.ellipse((60, 230, 300, 470), fill=clothes)
    draw.ellipse((115, 70, 245, 220), fill=skin)
    hair = rng.choice(["#1b1b1b", "#4a2c16", "#7a5230", "#b7b7b7"])
    draw.pieslice((108, 55, 252, 200), 180, 360, fill=hair)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def speaker_profile(row: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A speaker's row with a biography in both languages and, for most, a portrait."""
    name = f"{row['given_name']} {row['family_name']}".strip()
    topic_en, topic_tr = rng.choice(_TOPICS)
    values = {"name": name, "organisation": row["organisation"]}
    row["bio_en"] = rng.choice(_BIO_EN).format(topic=topic_en, **values)
    row["bio_tr"] = rng.choice(_BIO_TR).format(topic=topic_tr, **values)
    drawn = rng.random() < 0.8
    row["photo"], row["photo_type"] = (portrait(rng), "image/jpeg") if drawn else (None, None)
    return row
