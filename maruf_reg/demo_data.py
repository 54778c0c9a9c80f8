"""Names, organisations and programme texts for the demo forum (a MARUF-like forum)."""

from __future__ import annotations

# country code → (given names, family names), in the country's own script.
NAMES: dict[str, tuple[list[str], list[str]]] = {
    "TR": (
        [
            "Ayşe",
            "Mehmet",
            "İlkay",
            "Işıl",
            "Şükrü",
            "Gülşen",
            "Çağrı",
            "Ömer",
            "Öykü",
            "Ilgaz",
            "Zeynep",
            "Oğuz",
            "Büşra",
            "Ümit",
            "Ağah",
            "İrem",
        ],
        [
            "Öztürk",
            "Yılmaz",
            "Şahin",
            "Çelik",
            "Doğan",
            "Kılıç",
            "Aydın",
            "Erdoğdu",
            "Güneş",
            "Işıklar",
            "Ünal",
            "Özdemir",
            "Karaağaç",
            "Şimşek",
            "İnce",
        ],
    ),
    "SY": (
        ["محمد", "فاطمة", "أحمد", "ليلى", "عمر", "رنا"],
        ["الحلبي", "الخطيب", "العلي", "حداد", "الشامي"],
    ),
    "IQ": (["علي", "زينب", "حسين", "مريم"], ["الموسوي", "الجبوري", "العبيدي", "الربيعي"]),
    "EG": (["يوسف", "نور", "خالد", "سارة"], ["عبد الرحمن", "المصري", "فهمي", "سليمان"]),
    "MA": (["Youssef", "Salma", "Karim", "Imane"], ["El Amrani", "Benali", "Alaoui", "Tazi"]),
    "IR": (["مهسا", "رضا", "سارا", "امیر"], ["محمدی", "رضایی", "کریمی", "حسینی"]),
    "DE": (
        ["Jürgen", "Lena", "Maximilian", "Sophie", "Björn"],
        ["Müller", "Schäfer", "Groß", "Weiß", "Köhler"],
    ),
    "FR": (["Amélie", "François", "Hélène", "Jérôme"], ["Lefèvre", "Dubois", "Moreau", "Garçon"]),
    "ES": (
        ["Begoña", "Íñigo", "Lucía", "José Ángel"],
        ["Núñez", "García Márquez", "Peña", "Ibáñez"],
    ),
    "IT": (
        ["Giulia", "Niccolò", "Chiara", "Lorenzo"],
        ["Rossi", "Bianchi", "D'Angelo", "Esposito"],
    ),
    "NL": (["Sanne", "Joost", "Eline", "Bram"], ["de Vries", "van den Berg", "Jansen", "Bakker"]),
    "GB": (["Olivia", "James", "Amelia", "Harry"], ["Smith", "O'Connor", "Taylor", "Wright"]),
    "US": (["Emily", "Michael", "Jessica", "David"], ["Johnson", "Williams", "Brown", "Martinez"]),
    "GR": (
        ["Γιώργος", "Μαρία", "Νίκος", "Ελένη"],
        ["Παπαδόπουλος", "Κωνσταντίνου", "Γεωργίου", "Νικολάου"],
    ),
    "RU": (["Анна", "Дмитрий", "Ольга", "Сергей"], ["Иванова", "Смирнов", "Кузнецова", "Попов"]),
    "UA": (
        ["Олена", "Андрій", "Ірина", "Тарас"],
        ["Шевченко", "Коваленко", "Бондаренко", "Ткаченко"],
    ),
    "PL": (
        ["Małgorzata", "Łukasz", "Agnieszka", "Paweł"],
        ["Wiśniewski", "Kowalczyk", "Wójcik", "Dąbrowska"],
    ),
    "BA": (["Amra", "Edin", "Selma", "Mirza"], ["Hadžić", "Kovačević", "Delić", "Čaušević"]),
    "AZ": (["Aysel", "Elvin", "Günel", "Rəşad"], ["Məmmədov", "Əliyeva", "Hüseynov", "Quliyeva"]),
    "JP": (["さくら", "健太", "陽子", "翔"], ["佐藤", "鈴木", "高橋", "田中"]),
    "CN": (["小明", "丽华", "伟", "静"], ["王", "李", "张", "刘"]),
    "KR": (["민준", "서연", "지훈", "하은"], ["김", "이", "박", "최"]),
    "IN": (["अनन्या", "राहुल", "प्रिया", "अर्जुन"], ["शर्मा", "वर्मा", "गुप्ता", "सिंह"]),
    "BR": (["João", "Luíza", "Thiago", "Conceição"], ["Gonçalves", "Araújo", "Sá", "Magalhães"]),
    "SE": (["Åsa", "Björn", "Märta", "Örjan"], ["Andersson", "Lindström", "Ågren", "Sjöberg"]),
}

# How many of a hundred participants come from each country (Turkey first, then the region).
COUNTRY_WEIGHTS: dict[str, int] = {
    "TR": 60,
    "SY": 4,
    "IQ": 2,
    "EG": 2,
    "MA": 1,
    "IR": 2,
    "DE": 4,
    "FR": 2,
    "ES": 1,
    "IT": 1,
    "NL": 2,
    "GB": 2,
    "US": 2,
    "GR": 2,
    "RU": 1,
    "UA": 1,
    "PL": 1,
    "BA": 2,
    "AZ": 2,
    "JP": 1,
    "CN": 1,
    "KR": 1,
    "IN": 1,
    "BR": 1,
    "SE": 1,
}

ORGANISATIONS = [
    "Marmara Belediyeler Birliği",
    "İstanbul Büyükşehir Belediyesi",
    "Bursa Büyükşehir Belediyesi",
    "Kocaeli Büyükşehir Belediyesi",
    "Sakarya Büyükşehir Belediyesi",
    "Tekirdağ Büyükşehir Belediyesi",
    "Çanakkale Belediyesi",
    "Yalova Belediyesi",
    "UN-Habitat",
    "UCLG",
    "UCLG-MEWA",
    "Metropolis",
    "Boğaziçi Üniversitesi",
    "İstanbul Teknik Üniversitesi",
    "Orta Doğu Teknik Üniversitesi",
    "Gaziantep Büyükşehir Belediyesi",
    "Council of Europe Congress",
    "Cities Alliance",
    "Stadt Wien",
    "Ville de Strasbourg",
    "Municipality of Amsterdam",
    "بلدية عمان الكبرى",
    "Bloomberg Philanthropies",
    "World Bank",
    "UNHCR",
    "IOM",
    "Eurocities",
    "ICLEI",
    "Şehir Plancıları Odası",
    "Kent Konseyi",
    "Independent researcher",
    "",
]
POSITIONS = [
    "Mayor",
    "Belediye Başkanı",
    "Urban planner",
    "Şehir Plancısı",
    "Researcher",
    "Araştırmacı",
    "Director",
    "Müdür",
    "Project coordinator",
    "Proje Koordinatörü",
    "Architect",
    "Mimar",
    "Student",
    "Öğrenci",
    "Journalist",
    "Gazeteci",
    "Advisor",
    "Danışman",
    "",
]

# slug → (Turkish name, English name, colour)
THEMES: list[tuple[str, str, str, str]] = [
    ("migration", "Göç ve Sosyal Uyum", "Migration and Social Cohesion", "#c0392b"),
    ("resilience", "Dirençlilik", "Resilience", "#d35400"),
    ("urban-tech", "Kent Teknolojileri ve İnovasyon", "Urban Technology and Innovation", "#2980b9"),
    ("local-economy", "Yerel Ekonomik Kalkınma", "Local Economic Development", "#27ae60"),
    ("environment", "Çevre ve İklim", "Environment and Climate", "#16a085"),
    ("urbanisation", "Kentleşme", "Urbanisation", "#8e44ad"),
    ("local-diplomacy", "Yerel Diplomasi", "Local Diplomacy", "#2c3e50"),
    ("mobility", "Ulaşım ve Hareketlilik", "Transport and Mobility", "#f39c12"),
    ("culture", "Kültür ve Kentsel Miras", "Culture and Urban Heritage", "#7f5539"),
    ("inclusive-cities", "Kapsayıcı Kentler", "Inclusive Cities", "#e84393"),
    ("governance", "Yönetişim ve Katılım", "Governance and Participation", "#0984e3"),
    ("disaster", "Afet Yönetimi", "Disaster Management", "#6c5ce7"),
]

# (name, capacity)
ROOMS: list[tuple[str, int]] = [
    ("Haliç Salonu", 1200),
    ("Salon A", 400),
    ("Salon B", 300),
    ("Salon C", 200),
    ("Atölye 1", 60),
    ("Atölye 2", 60),
    ("Sinema Salonu", 250),
    ("Fuaye", 800),
]

# Session title patterns: (Turkish, English); {tr}/{en} is the theme's name.
PANEL_TITLES = [
    ("{tr}: Yerel Yönetimlerin Rolü", "{en}: The Role of Local Governments"),
    ("{tr} için Yeni Araçlar", "New Tools for {en}"),
    ("Marmara'dan Dünyaya: {tr}", "From Marmara to the World: {en}"),
    ("{tr} ve Veri", "{en} and Data"),
]
WORKSHOP_TITLES = [
    ("Atölye: {tr} Uygulamaları", "Workshop: {en} in Practice"),
    ("Atölye: {tr} için Ortak Tasarım", "Workshop: Co-designing {en}"),
]
DESCRIPTION_TR = (
    "Belediyelerden, üniversitelerden ve uluslararası kuruluşlardan konuşmacılar deneyimlerini "
    "paylaşıyor; soru-cevap bölümü ile."
)
DESCRIPTION_EN = (
    "Speakers from municipalities, universities and international organisations share what they "
    "have learnt; with questions from the floor."
)
