"""The parser on copied articles in the style of outlets that are NOT among the seeds.

Each snippet imitates how text copied from that outlet's article page looks (dateline form,
byline/date lines, editor lines, "Baca juga" links, captions, follow calls, syndication notices,
pagination, trailing initials). Every test checks the extracted fields and that every body
sentence survives verbatim while no boilerplate line does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest

from corpus_tools.article import Article
from corpus_tools.outlets import OutletError, load_outlets
from corpus_tools.parse import parse_article, split_dateline

WIB = timezone(timedelta(hours=7))
WITA = timezone(timedelta(hours=8))


def parse(text: str) -> Article:
    return parse_article(text, article_id="t1", path="t1.txt", sha256="0" * 64)


@dataclass
class Case:
    name: str
    raw: str
    outlet: str
    domain: str | None
    dateline: str | None
    body: list[str]  # the body paragraphs, in order, exactly as they must appear
    gone: list[str]  # boilerplate fragments that must not be in the text
    title: str | None = None
    published_at: datetime | None = None
    credits: list[tuple[str, str]] = field(default_factory=list)
    captions: list[tuple[str, str | None]] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)


CASES = [
    Case(
        name="kompas",
        raw="""Korea Utara Luncurkan Rudal Balistik ke Laut Jepang
Kompas.com - 14/08/2023, 10:30 WIB
Lihat Foto
Pemimpin Korea Utara Kim Jong Un saat meninjau pabrik amunisi. (AFP/KCNA VIA KNS)
Penulis: Aditya Jaya Iswara
Editor: Aditya Jaya Iswara

SEOUL, KOMPAS.com — Korea Utara meluncurkan sebuah rudal balistik ke arah Laut Jepang pada Senin (14/8/2023), menurut militer Korea Selatan.

Baca juga: Kim Jong Un Perintahkan Produksi Rudal Besar-besaran

Kepala Staf Gabungan Korea Selatan mengatakan rudal itu ditembakkan dari wilayah Pyongyang.

"Militer kami memperkuat pengawasan dan siaga penuh," kata juru bicara kepala staf gabungan.

Dapatkan update berita pilihan dan breaking news setiap hari dari Kompas.com. Mari bergabung di Grup Telegram "Kompas.com News Update", caranya klik link https://t.me/kompascomupdate, kemudian join. Anda harus install aplikasi Telegram terlebih dulu di ponsel.
Simak breaking news dan berita pilihan kami langsung di ponselmu. Pilih saluran andalanmu akses berita Kompas.com WhatsApp Channel : https://www.whatsapp.com/channel/0029VaFPbedBPzjZrk13HO3D. Pastikan kamu sudah install aplikasi WhatsApp ya.
""",
        outlet="Kompas", domain="kompas.com", dateline="SEOUL",
        title="Korea Utara Luncurkan Rudal Balistik ke Laut Jepang",
        published_at=datetime(2023, 8, 14, 10, 30, tzinfo=WIB),
        body=[
            "Korea Utara meluncurkan sebuah rudal balistik ke arah Laut Jepang pada Senin (14/8/2023), menurut militer Korea Selatan.",
            "Kepala Staf Gabungan Korea Selatan mengatakan rudal itu ditembakkan dari wilayah Pyongyang.",
            '"Militer kami memperkuat pengawasan dan siaga penuh," kata juru bicara kepala staf gabungan.',
        ],
        gone=["Lihat Foto", "Baca juga", "Telegram", "WhatsApp", "Penulis", "KOMPAS.com"],
        credits=[("Aditya Jaya Iswara", "writer")],
        captions=[("Pemimpin Korea Utara Kim Jong Un saat meninjau pabrik amunisi.", "AFP/KCNA VIA KNS")],
    ),
    Case(
        name="detik",
        raw="""Kim Jong Un Perintahkan Produksi Rudal Besar-besaran
Tim detikcom - detikNews
Senin, 14 Agu 2023 10:30 WIB
Foto: Kim Jong Un (AP/Ahn Young-joon)
Jakarta - Pemimpin Korea Utara Kim Jong Un memerintahkan peningkatan produksi rudal secara besar-besaran.
ADVERTISEMENT
SCROLL TO CONTINUE WITH CONTENT
Perintah itu disampaikan saat Kim mengunjungi pabrik senjata, seperti dilaporkan kantor berita KCNA.
Baca juga:
Korut Kembali Uji Coba Rudal Jelajah
Kim juga meminta pabrik menambah kapasitas produksi peluncur roket.
(idh/idh)
Simak Video "Kim Jong Un Tinjau Pabrik Rudal"
[Gambas:Video 20detik]
""",
        outlet="Detik", domain="detik.com", dateline="Jakarta",
        title="Kim Jong Un Perintahkan Produksi Rudal Besar-besaran",
        published_at=datetime(2023, 8, 14, 10, 30, tzinfo=WIB),
        body=[
            "Pemimpin Korea Utara Kim Jong Un memerintahkan peningkatan produksi rudal secara besar-besaran.",
            "Perintah itu disampaikan saat Kim mengunjungi pabrik senjata, seperti dilaporkan kantor berita KCNA.",
            "Kim juga meminta pabrik menambah kapasitas produksi peluncur roket.",
        ],
        gone=["ADVERTISEMENT", "SCROLL", "Baca juga", "Korut Kembali Uji Coba", "Simak Video", "Gambas", "(idh", "detikNews"],
        credits=[("Tim detikcom", "author"), ("idh", "initials")],
        captions=[("Kim Jong Un", "AP/Ahn Young-joon")],
    ),
    Case(
        name="antara",
        raw="""Korut tembakkan rudal balistik ke perairan timur
Senin, 14 Agustus 2023 10:30 WIB
Pemimpin Korea Utara Kim Jong Un memantau uji coba rudal. (ANTARA FOTO/REUTERS/KCNA/pri.)
Seoul (ANTARA) - Korea Utara menembakkan rudal balistik ke perairan lepas pantai timurnya pada Senin, kata militer Korea Selatan.
Peluncuran itu terjadi beberapa hari sebelum latihan militer gabungan Korea Selatan dan Amerika Serikat.
Baca juga: Korsel dan AS mulai latihan gabungan
Sumber: Yonhap-OANA
Pewarta: Yoanita Hastryka Djohan
Editor: Atman Ahdiat
COPYRIGHT © ANTARA 2023
""",
        outlet="Antara", domain="antaranews.com", dateline="Seoul",
        title="Korut tembakkan rudal balistik ke perairan timur",
        published_at=datetime(2023, 8, 14, 10, 30, tzinfo=WIB),
        body=[
            "Korea Utara menembakkan rudal balistik ke perairan lepas pantai timurnya pada Senin, kata militer Korea Selatan.",
            "Peluncuran itu terjadi beberapa hari sebelum latihan militer gabungan Korea Selatan dan Amerika Serikat.",
        ],
        gone=["(ANTARA)", "Baca juga", "Sumber", "Pewarta", "Editor", "COPYRIGHT", "ANTARA FOTO"],
        credits=[("Yoanita Hastryka Djohan", "reporter"), ("Atman Ahdiat", "editor")],
        captions=[("Pemimpin Korea Utara Kim Jong Un memantau uji coba rudal.", "ANTARA FOTO/REUTERS/KCNA/pri")],
    ),
    Case(
        name="antara-news-english-dateline",
        raw="""Washington (ANTARA News) - Amerika Serikat mengecam uji coba rudal terbaru Korea Utara.

Juru bicara Departemen Luar Negeri menyebut peluncuran itu melanggar resolusi Dewan Keamanan PBB. (ant/dil)
""",
        outlet="Antara", domain="antaranews.com", dateline="Washington",
        body=[
            "Amerika Serikat mengecam uji coba rudal terbaru Korea Utara.",
            "Juru bicara Departemen Luar Negeri menyebut peluncuran itu melanggar resolusi Dewan Keamanan PBB.",
        ],
        gone=["(ant/dil)", "ANTARA News"],
        credits=[("ant", "initials"), ("dil", "initials")],
    ),
    Case(
        name="tempo",
        raw="""Reporter: Daniel A. Fajri
Editor: Febriyan
Kamis, 8 Mei 2025 09:07 WIB

TEMPO.CO, Jakarta - Menteri Luar Negeri menyatakan Indonesia memantau perkembangan di Semenanjung Korea.

Pilihan Editor: Kim Jong Un Serukan Produksi Artileri

Menurut dia, pemerintah mendorong semua pihak menahan diri.

Ikuti berita terkini dari Tempo di Google News, klik di sini.
""",
        outlet="Tempo", domain="tempo.co", dateline="Jakarta",
        published_at=datetime(2025, 5, 8, 9, 7, tzinfo=WIB),
        body=[
            "Menteri Luar Negeri menyatakan Indonesia memantau perkembangan di Semenanjung Korea.",
            "Menurut dia, pemerintah mendorong semua pihak menahan diri.",
        ],
        gone=["Pilihan Editor", "Google News", "TEMPO.CO", "Reporter"],
        credits=[("Daniel A. Fajri", "reporter"), ("Febriyan", "editor")],
    ),
    Case(
        name="tribunnews",
        raw="""Laporan Wartawan Tribunnews.com, Fahmi Ramadhan

TRIBUNNEWS.COM, JAKARTA - Ketua Komisi I DPR meminta pemerintah mewaspadai eskalasi di Semenanjung Korea.

Baca: Kim Jong Un Perintahkan Produksi Rudal

Ketua KPK Firli Bahuri saat konferensi pers di Gedung KPK, Jakarta, Senin (14/8/2023). TRIBUNNEWS/IRWAN RISMAWAN

"Kita harus siap dengan segala kemungkinan," ujarnya di Kompleks Parlemen, Senayan, Jakarta, Senin (14/8/2023).

Halaman 1 2 3 Selanjutnya

Artikel ini telah tayang di Tribunnews.com dengan judul Komisi I Minta Pemerintah Waspadai Korea Utara
""",
        outlet="Tribunnews", domain="tribunnews.com", dateline="JAKARTA",
        body=[
            "Ketua Komisi I DPR meminta pemerintah mewaspadai eskalasi di Semenanjung Korea.",
            '"Kita harus siap dengan segala kemungkinan," ujarnya di Kompleks Parlemen, Senayan, Jakarta, Senin (14/8/2023).',
        ],
        gone=["Laporan Wartawan", "Baca:", "Halaman 1", "Artikel ini", "RISMAWAN"],
        credits=[("Fahmi Ramadhan", "reporter")],
        captions=[
            ("Ketua KPK Firli Bahuri saat konferensi pers di Gedung KPK, Jakarta, Senin (14/8/2023).", "TRIBUNNEWS/IRWAN RISMAWAN")
        ],
    ),
    Case(
        name="okezone",
        raw="""Fahmi Firdaus, Jurnalis · Senin 14 Agustus 2023 10:30 WIB
JAKARTA - Pemerintah Korea Utara kembali menggelar parade militer di Pyongyang.
Parade tersebut menampilkan rudal balistik antarbenua terbaru.
BACA JUGA:
Korut Pamer Rudal Baru
Pengamat menilai parade itu pesan bagi Washington.
Follow Berita Okezone di Google News
""",
        outlet="Okezone", domain="okezone.com", dateline="JAKARTA",
        published_at=datetime(2023, 8, 14, 10, 30, tzinfo=WIB),
        body=[
            "Pemerintah Korea Utara kembali menggelar parade militer di Pyongyang.",
            "Parade tersebut menampilkan rudal balistik antarbenua terbaru.",
            "Pengamat menilai parade itu pesan bagi Washington.",
        ],
        gone=["BACA JUGA", "Korut Pamer Rudal Baru", "Follow", "Jurnalis"],
        credits=[("Fahmi Firdaus", "reporter")],
    ),
    Case(
        name="liputan6",
        raw="""Liputan6.com, Jakarta - Harga minyak dunia naik setelah ketegangan di Semenanjung Korea meningkat.

Kenaikan harga terjadi pada perdagangan Senin sore.

Reporter: Siti Ayu Rachma
Sumber: Merdeka.com
""",
        outlet="Liputan6", domain="liputan6.com", dateline="Jakarta",
        body=[
            "Harga minyak dunia naik setelah ketegangan di Semenanjung Korea meningkat.",
            "Kenaikan harga terjadi pada perdagangan Senin sore.",
        ],
        gone=["Reporter", "Sumber", "Liputan6.com"],
        credits=[("Siti Ayu Rachma", "reporter")],
    ),
    Case(
        name="cnn-indonesia",
        raw="""CNN Indonesia
Senin, 14 Agu 2023 10:30 WIB
Jakarta, CNN Indonesia -- Korea Utara memamerkan rudal balistik baru dalam parade militer.
Lihat Juga :
Korut Klaim Sukses Uji Rudal Hipersonik
Parade digelar untuk memperingati ulang tahun berdirinya tentara rakyat.
[Gambas:Video CNN]
(rzr/rds)
""",
        outlet="CNN Indonesia", domain="cnnindonesia.com", dateline="Jakarta",
        published_at=datetime(2023, 8, 14, 10, 30, tzinfo=WIB),
        body=[
            "Korea Utara memamerkan rudal balistik baru dalam parade militer.",
            "Parade digelar untuk memperingati ulang tahun berdirinya tentara rakyat.",
        ],
        gone=["Lihat Juga", "Hipersonik", "Gambas", "(rzr", "CNN Indonesia"],
        credits=[("rzr", "initials"), ("rds", "initials")],
    ),
    Case(
        name="kontan",
        raw="""Reporter: Dina Mirayanti Hutauruk | Editor: Tendi Mahadi
KONTAN.CO.ID - JAKARTA. Harga emas naik tajam seiring memanasnya situasi di Semenanjung Korea.
Investor beralih ke aset aman.
Cek Berita dan Artikel yang lain di Google News
""",
        outlet="Kontan", domain="kontan.co.id", dateline="JAKARTA",
        body=[
            "Harga emas naik tajam seiring memanasnya situasi di Semenanjung Korea.",
            "Investor beralih ke aset aman.",
        ],
        gone=["Google News", "KONTAN", "Reporter"],
        credits=[("Dina Mirayanti Hutauruk", "reporter"), ("Tendi Mahadi", "editor")],
    ),
    Case(
        name="jpnn",
        raw="""jpnn.com, JAKARTA - Wakil Ketua MPR meminta Indonesia berperan aktif meredakan ketegangan di Semenanjung Korea.

Dia menilai diplomasi harus dikedepankan. (ant/dil/jpnn)

Redaktur : Djainab Natalia Saroh
Reporter : Dean Pahrevi
""",
        outlet="JPNN", domain="jpnn.com", dateline="JAKARTA",
        body=[
            "Wakil Ketua MPR meminta Indonesia berperan aktif meredakan ketegangan di Semenanjung Korea.",
            "Dia menilai diplomasi harus dikedepankan.",
        ],
        gone=["(ant/dil/jpnn)", "Redaktur", "Reporter"],
        credits=[
            ("Djainab Natalia Saroh", "editor"), ("Dean Pahrevi", "reporter"),
            ("ant", "initials"), ("dil", "initials"), ("jpnn", "initials"),
        ],
    ),
    Case(
        name="inews",
        raw="""JAKARTA, iNews.id - Pemerintah mengimbau WNI di Korea Selatan tetap tenang.

Imbauan itu disampaikan Kementerian Luar Negeri pada Senin.

Editor: Maria Christina

Follow Berita iNews di Google News
""",
        outlet="iNews", domain="inews.id", dateline="JAKARTA",
        body=[
            "Pemerintah mengimbau WNI di Korea Selatan tetap tenang.",
            "Imbauan itu disampaikan Kementerian Luar Negeri pada Senin.",
        ],
        gone=["Editor", "Follow"],
        credits=[("Maria Christina", "editor")],
    ),
    Case(
        name="sindonews",
        raw="""Senin, 14 Agustus 2023 - 10:30 WIB
JAKARTA - Korea Utara disebut tengah menyiapkan uji coba nuklir ketujuh.
Baca Juga: Kim Jong Un Tinjau Pabrik Rudal
Dugaan itu muncul dari citra satelit terbaru.
(cip)
""",
        outlet="unknown", domain=None, dateline="JAKARTA",
        published_at=datetime(2023, 8, 14, 10, 30, tzinfo=WIB),
        body=[
            "Korea Utara disebut tengah menyiapkan uji coba nuklir ketujuh.",
            "Dugaan itu muncul dari citra satelit terbaru.",
        ],
        gone=["Baca Juga", "(cip)"],
        credits=[("cip", "initials")],
    ),
    Case(
        name="suara",
        raw="""Suara.com - Warganet ramai membahas video parade militer Korea Utara.

Baca Juga :
Viral Parade Militer Korut

Video itu telah ditonton jutaan kali.

Kontributor : Damayanti Kahyangan
""",
        outlet="Suara", domain="suara.com", dateline=None,
        body=["Warganet ramai membahas video parade militer Korea Utara.", "Video itu telah ditonton jutaan kali."],
        gone=["Baca Juga", "Viral Parade", "Kontributor"],
        credits=[("Damayanti Kahyangan", "reporter")],
    ),
    Case(
        name="viva-section",
        raw="""VIVA Dunia – Korea Utara kembali menembakkan rudal jarak pendek.

Peluncuran dilakukan dari wilayah Provinsi Hwanghae Selatan.
""",
        outlet="Viva", domain="viva.co.id", dateline=None,
        body=["Korea Utara kembali menembakkan rudal jarak pendek.", "Peluncuran dilakukan dari wilayah Provinsi Hwanghae Selatan."],
        gone=["VIVA"],
    ),
    Case(
        name="merdeka",
        raw="""Merdeka.com - Korea Selatan meningkatkan kesiagaan militer di perbatasan.

Langkah itu diambil setelah peluncuran rudal terbaru. [ded]
""",
        outlet="Merdeka", domain="merdeka.com", dateline=None,
        body=["Korea Selatan meningkatkan kesiagaan militer di perbatasan.", "Langkah itu diambil setelah peluncuran rudal terbaru."],
        gone=["[ded]"],
        credits=[("ded", "initials")],
    ),
    Case(
        name="kumparan",
        raw="""Kim Jong Un Perintahkan Produksi Rudal Massal
kumparanNEWS
Senin, 14 Agustus 2023 10:30 WIB
Ilustrasi rudal Korea Utara. Foto: Shutterstock
Pemimpin Korea Utara Kim Jong Un memerintahkan produksi rudal secara massal.
Perintah itu disampaikan dalam kunjungan ke pabrik amunisi.
""",
        outlet="Kumparan", domain="kumparan.com", dateline=None,
        title="Kim Jong Un Perintahkan Produksi Rudal Massal",
        published_at=datetime(2023, 8, 14, 10, 30, tzinfo=WIB),
        body=[
            "Pemimpin Korea Utara Kim Jong Un memerintahkan produksi rudal secara massal.",
            "Perintah itu disampaikan dalam kunjungan ke pabrik amunisi.",
        ],
        gone=["kumparanNEWS", "Shutterstock"],
        captions=[("Ilustrasi rudal Korea Utara.", "Shutterstock")],
    ),
    Case(
        name="tirto",
        raw="""tirto.id - Pemerintah Korea Selatan menggelar rapat darurat dewan keamanan nasional.

Rapat itu membahas respons atas uji coba rudal.

Penulis: Irfan Amin
Editor: Maya Saputri
""",
        outlet="Tirto", domain="tirto.id", dateline=None,
        body=["Pemerintah Korea Selatan menggelar rapat darurat dewan keamanan nasional.", "Rapat itu membahas respons atas uji coba rudal."],
        gone=["Penulis", "Editor", "tirto.id"],
        credits=[("Irfan Amin", "writer"), ("Maya Saputri", "editor")],
    ),
    Case(
        name="jawapos",
        raw="""JawaPos.com – Jepang memprotes peluncuran rudal Korea Utara yang jatuh di zona ekonomi eksklusifnya.

Protes disampaikan melalui jalur diplomatik di Beijing.

Editor : Dinarsa Kurniawan
Reporter : Hilmi Setiawan
""",
        outlet="Jawa Pos", domain="jawapos.com", dateline=None,
        body=[
            "Jepang memprotes peluncuran rudal Korea Utara yang jatuh di zona ekonomi eksklusifnya.",
            "Protes disampaikan melalui jalur diplomatik di Beijing.",
        ],
        gone=["Editor", "Reporter"],
        credits=[("Dinarsa Kurniawan", "editor"), ("Hilmi Setiawan", "reporter")],
    ),
    Case(
        name="media-indonesia",
        raw="""Penulis: Despian Nurhidayat | Editor: Heryadi | Senin, 14 Ags 2023, 10:30 WIB

MEDIAINDONESIA.COM - Dewan Keamanan PBB akan menggelar rapat membahas uji coba rudal Korea Utara.

Rapat dijadwalkan pekan ini atas permintaan Amerika Serikat. (Z-2)
""",
        outlet="Media Indonesia", domain="mediaindonesia.com", dateline=None,
        published_at=datetime(2023, 8, 14, 10, 30, tzinfo=WIB),
        body=[
            "Dewan Keamanan PBB akan menggelar rapat membahas uji coba rudal Korea Utara.",
            "Rapat dijadwalkan pekan ini atas permintaan Amerika Serikat.",
        ],
        gone=["(Z-2)", "Penulis"],
        credits=[("Despian Nurhidayat", "writer"), ("Heryadi", "editor"), ("Z-2", "initials")],
    ),
    Case(
        name="bisnis",
        raw="""Bisnis.com, JAKARTA — Bursa saham Asia dibuka melemah merespons uji coba rudal Korea Utara.

Indeks Kospi turun 0,8 persen pada pembukaan perdagangan.

Simak berita lainnya seputar topik artikel ini, di sini:
Cek Berita dan Artikel yang lain di Google News dan WA Channel
""",
        outlet="Bisnis", domain="bisnis.com", dateline="JAKARTA",
        body=["Bursa saham Asia dibuka melemah merespons uji coba rudal Korea Utara.", "Indeks Kospi turun 0,8 persen pada pembukaan perdagangan."],
        gone=["Simak berita", "Google News"],
    ),
    Case(
        name="unknown-domain-outlet",
        raw="""XYZNEWS.COM, BANDUNG - Ribuan warga memadati alun-alun kota untuk menyaksikan pawai budaya.

Pawai diikuti oleh puluhan sanggar seni.
""",
        outlet="XYZNEWS", domain="xyznews.com", dateline="BANDUNG",
        body=["Ribuan warga memadati alun-alun kota untuk menyaksikan pawai budaya.", "Pawai diikuti oleh puluhan sanggar seni."],
        gone=["XYZNEWS"],
    ),
    Case(
        name="wita-outlet-zone",
        raw="""Sabtu, 2 Sep 2023 08:15
TRIBUN-TIMUR.COM, MAKASSAR - Ribuan warga mengikuti jalan sehat di Pantai Losari.

Kegiatan berlangsung meriah sejak pagi.
""",
        outlet="Tribun Timur", domain="tribun-timur.com", dateline="MAKASSAR",
        published_at=datetime(2023, 9, 2, 8, 15, tzinfo=WITA),
        body=["Ribuan warga mengikuti jalan sehat di Pantai Losari.", "Kegiatan berlangsung meriah sejak pagi."],
        gone=["TRIBUN"],
    ),
    Case(
        name="generic-portal-chrome",
        raw="""Internasional
Korea Utara Uji Coba Rudal Hipersonik
Senin, 14 Agustus 2023 | 10:30 WIB
Oleh: Redaksi
Pyongyang - Korea Utara kembali menguji rudal hipersonik. Baca juga: Korsel Siaga Penuh
Uji coba itu diawasi langsung Kim Jong Un.
Tags: Korea Utara, Rudal, Kim Jong Un
Bagikan:
Facebook Twitter WhatsApp
Dibaca 1.234 kali
""",
        outlet="unknown", domain=None, dateline="Pyongyang",
        title="Korea Utara Uji Coba Rudal Hipersonik",
        published_at=datetime(2023, 8, 14, 10, 30, tzinfo=WIB),
        body=["Korea Utara kembali menguji rudal hipersonik.", "Uji coba itu diawasi langsung Kim Jong Un."],
        gone=["Internasional", "Baca juga", "Tags", "Bagikan", "Facebook", "Dibaca"],
        credits=[("Redaksi", "author")],
    ),
    Case(
        name="wire-agency-dateline-and-copyright",
        raw="""Kim Jong Un (kanan) menyaksikan uji coba rudal. Foto: KCNA/Reuters
SEOUL (Reuters) - Korea Utara meluncurkan rudal.
Peluncuran terdeteksi pukul 07.00 waktu setempat.
Copyright © 2023 Reuters. All rights reserved.
""",
        outlet="Reuters", domain=None, dateline="SEOUL",
        body=["Korea Utara meluncurkan rudal.", "Peluncuran terdeteksi pukul 07.00 waktu setempat."],
        gone=["Copyright", "Foto"],
        captions=[("Kim Jong Un (kanan) menyaksikan uji coba rudal.", "KCNA/Reuters")],
    ),
    Case(
        name="republika-rep-red",
        raw="""Kim Jong-un Perintahkan Produksi Rudal
Rep: Lintar Satria / Red: Ani Nursalikah
REPUBLIKA.CO.ID, SEOUL -- Pemimpin Korea Utara Kim Jong-un memerintahkan peningkatan produksi rudal.
KCNA melaporkan perintah itu pada Senin (14/8/2023).
BACA JUGA: Korsel Siaga Penuh, Klik di Sini
Sumber : Yonhap
""",
        outlet="Republika", domain="republika.co.id", dateline="SEOUL",
        title="Kim Jong-un Perintahkan Produksi Rudal",
        body=["Pemimpin Korea Utara Kim Jong-un memerintahkan peningkatan produksi rudal.", "KCNA melaporkan perintah itu pada Senin (14/8/2023)."],
        gone=["Rep:", "BACA JUGA", "Sumber"],
        credits=[("Lintar Satria", "reporter"), ("Ani Nursalikah", "editor")],
    ),
    Case(
        name="several-writers-one-line",
        raw="""Penulis: Andi Saputra, Budi Hartono dan Citra Lestari | Editor: Dewi Anggraini
Harga beras di pasar induk naik untuk pekan ketiga berturut-turut.
""",
        outlet="unknown", domain=None, dateline=None,
        body=["Harga beras di pasar induk naik untuk pekan ketiga berturut-turut."],
        gone=["Penulis"],
        credits=[("Andi Saputra", "writer"), ("Budi Hartono", "writer"), ("Citra Lestari", "writer"), ("Dewi Anggraini", "editor")],
    ),
    Case(
        name="liputan6-oleh-pada-byline",
        raw="""Kim Jong Un Tinjau Pabrik
Oleh Nanda Perdana Putra pada 14 Agu 2023, 10:30 WIB
Diperbarui 14 Agu 2023, 11:00 WIB
Liputan6.com, Jakarta - Kim meninjau pabrik.
Ia puas.
""",
        outlet="Liputan6", domain="liputan6.com", dateline="Jakarta", title="Kim Jong Un Tinjau Pabrik",
        published_at=datetime(2023, 8, 14, 10, 30, tzinfo=WIB),
        body=["Kim meninjau pabrik.", "Ia puas."], gone=["Oleh", "Diperbarui"],
        credits=[("Nanda Perdana Putra", "author")],
    ),
    Case(
        name="detik-named-byline",
        raw="""Kim Jong Un Tinjau Pabrik Amunisi
Rakhmad Hidayatulloh Permana - detikNews
Senin, 14 Agu 2023 10:30 WIB
Jakarta - Kim meninjau pabrik.
Ia puas.
""",
        outlet="Detik", domain="detik.com", dateline="Jakarta", title="Kim Jong Un Tinjau Pabrik Amunisi",
        published_at=datetime(2023, 8, 14, 10, 30, tzinfo=WIB),
        body=["Kim meninjau pabrik.", "Ia puas."], gone=["detikNews", "Rakhmad"],
        credits=[("Rakhmad Hidayatulloh Permana", "author")],
    ),
    Case(
        name="two-credits-without-separator",
        raw="""Reporter: Daniel A. Fajri Editor: Febriyan
TEMPO.CO, Jakarta - Kim meninjau pabrik.
""",
        outlet="Tempo", domain="tempo.co", dateline="Jakarta",
        body=["Kim meninjau pabrik."], gone=["Reporter"],
        credits=[("Daniel A. Fajri", "reporter"), ("Febriyan", "editor")],
    ),
    Case(
        name="kicker-title-subtitle",
        raw="""Ekonomi
Harga BBM Naik Mulai Pekan Depan
Pemerintah menyesuaikan harga Pertalite dan Solar mengikuti harga minyak dunia yang terus meningkat
Jumat, 1 Sep 2023 08:00 WIB
JAKARTA - Pemerintah resmi menaikkan harga bahan bakar minyak.
Kenaikan berlaku mulai Senin pekan depan.
""",
        outlet="unknown", domain=None, dateline="JAKARTA", title="Harga BBM Naik Mulai Pekan Depan",
        published_at=datetime(2023, 9, 1, 8, 0, tzinfo=WIB),
        body=["Pemerintah resmi menaikkan harga bahan bakar minyak.", "Kenaikan berlaku mulai Senin pekan depan."],
        gone=["Ekonomi", "Pertalite"],
    ),
    Case(
        name="detik-whole-page-copy",
        raw="""detikNews
Berita
Kim Jong Un Perintahkan Produksi Rudal Besar-besaran
Novi Christiastuti - detikNews
Selasa, 15 Agu 2023 08:43 WIB
BAGIKAN
Komentar
Pemimpin Korea Utara Kim Jong Un (dok. KCNA via REUTERS)
Pyongyang - Pemimpin Korea Utara (Korut), Kim Jong Un, memerintahkan peningkatan produksi rudal secara besar-besaran.
Kantor berita Korean Central News Agency (KCNA), seperti dilansir AFP, Selasa (15/8/2023), melaporkan perintah itu disampaikan saat Kim mengunjungi pabrik senjata.
Baca juga:
Kim Jong Un Minta Militer Korut Siap Perang
ADVERTISEMENT
SCROLL TO CONTINUE WITH CONTENT
"Kita harus memproduksi lebih banyak," ucap Kim seperti dikutip KCNA.
Halaman 2 dari 2
(nvc/ita)
rudal korea utara kim jong un
""",
        outlet="Detik", domain="detik.com", dateline="Pyongyang",
        title="Kim Jong Un Perintahkan Produksi Rudal Besar-besaran",
        published_at=datetime(2023, 8, 15, 8, 43, tzinfo=WIB),
        body=[
            "Pemimpin Korea Utara (Korut), Kim Jong Un, memerintahkan peningkatan produksi rudal secara besar-besaran.",
            "Kantor berita Korean Central News Agency (KCNA), seperti dilansir AFP, Selasa (15/8/2023), melaporkan "
            "perintah itu disampaikan saat Kim mengunjungi pabrik senjata.",
            '"Kita harus memproduksi lebih banyak," ucap Kim seperti dikutip KCNA.',
        ],
        gone=["detikNews", "BAGIKAN", "Komentar", "Baca juga", "Siap Perang", "ADVERTISEMENT", "Halaman", "(nvc", "rudal korea"],
        credits=[("Novi Christiastuti", "author"), ("nvc", "initials"), ("ita", "initials")],
        captions=[("Pemimpin Korea Utara Kim Jong Un", "dok. KCNA via REUTERS")],
    ),
    Case(
        name="kompas-whole-page-copy",
        raw="""Global
Korea Utara Tembakkan Rudal Balistik ke Laut Jepang, Korsel Siaga
Kompas.com - 15/08/2023, 09:12 WIB
Lihat Foto
Foto yang dirilis pemerintah Korea Utara menunjukkan uji coba rudal balistik antarbenua Hwasong-18 di lokasi yang dirahasiakan. (KCNA VIA KNS/AFP)
Penulis Aditya Jaya Iswara
| Editor Aditya Jaya Iswara
SEOUL, KOMPAS.com - Korea Utara menembakkan rudal balistik ke arah Laut Jepang pada Selasa (15/8/2023) pagi, kata militer Korea Selatan.
Kepala Staf Gabungan (JCS) Korea Selatan tidak memberikan rincian lebih lanjut, termasuk jarak tempuh rudal.
Baca juga: Kim Jong Un Pecat Jenderal Top, Minta Militer Bersiap Perang
Peluncuran itu terjadi menjelang latihan militer gabungan tahunan Korea Selatan dan Amerika Serikat yang dijadwalkan dimulai pekan depan.
Jepang juga mengonfirmasi peluncuran tersebut.
"Kami memprotes keras," kata Kepala Sekretaris Kabinet Jepang.
Baca juga: Korea Utara Pamer Drone Baru saat Parade Militer
Sumber: Reuters, Yonhap
Dapatkan update berita pilihan dan breaking news setiap hari dari Kompas.com. Mari bergabung di Grup Telegram "Kompas.com News Update", caranya klik link https://t.me/kompascomupdate, kemudian join. Anda harus install aplikasi Telegram terlebih dulu di ponsel.
Tag
Korea Utara
Rudal Balistik
Kim Jong Un
""",
        outlet="Kompas", domain="kompas.com", dateline="SEOUL",
        title="Korea Utara Tembakkan Rudal Balistik ke Laut Jepang, Korsel Siaga",
        published_at=datetime(2023, 8, 15, 9, 12, tzinfo=WIB),
        body=[
            "Korea Utara menembakkan rudal balistik ke arah Laut Jepang pada Selasa (15/8/2023) pagi, kata militer Korea Selatan.",
            "Kepala Staf Gabungan (JCS) Korea Selatan tidak memberikan rincian lebih lanjut, termasuk jarak tempuh rudal.",
            "Peluncuran itu terjadi menjelang latihan militer gabungan tahunan Korea Selatan dan Amerika Serikat yang "
            "dijadwalkan dimulai pekan depan.",
            "Jepang juga mengonfirmasi peluncuran tersebut.",
            '"Kami memprotes keras," kata Kepala Sekretaris Kabinet Jepang.',
        ],
        gone=["Global", "Lihat Foto", "Penulis", "Baca juga", "Sumber", "Telegram", "Tag", "Rudal Balistik\n"],
        credits=[("Aditya Jaya Iswara", "writer")],
        captions=[(
            "Foto yang dirilis pemerintah Korea Utara menunjukkan uji coba rudal balistik antarbenua Hwasong-18 di "
            "lokasi yang dirahasiakan.", "KCNA VIA KNS/AFP",
        )],
    ),
    Case(
        name="antara-whole-page-copy",
        raw="""Korut tembakkan dua rudal balistik ke Laut Timur
Selasa, 15 Agustus 2023 08:45 WIB
Arsip - Foto yang dirilis Kantor Berita Pusat Korea (KCNA) pada 13 Juli 2023 ini menunjukkan uji coba rudal balistik antarbenua (ICBM) Hwasong-18 di lokasi yang dirahasiakan di Korea Utara, Rabu (12/7/2023). ANTARA FOTO/KCNA via REUTERS/aww.
Seoul (ANTARA) - Korea Utara menembakkan dua rudal balistik jarak pendek ke arah Laut Timur pada Selasa pagi, kata Kepala Staf Gabungan Korea Selatan (JCS).
JCS mengatakan pihaknya mendeteksi peluncuran dari wilayah Pyongyang sekitar pukul 06.30 waktu setempat.
Baca juga: Korsel dan AS mulai latihan militer gabungan Ulchi Freedom Shield
"Militer kami telah memperkuat pengawasan dan kewaspadaan," kata JCS dalam pernyataan.
Sumber: Yonhap-OANA
Pewarta: Kuntum Khaira Riswan
Editor: Atman Ahdiat
Copyright © ANTARA 2023
Dilarang keras mengambil konten, melakukan crawling atau pengindeksan otomatis untuk AI di situs web ini tanpa izin tertulis dari Kantor Berita ANTARA.
""",
        outlet="Antara", domain="antaranews.com", dateline="Seoul", title="Korut tembakkan dua rudal balistik ke Laut Timur",
        published_at=datetime(2023, 8, 15, 8, 45, tzinfo=WIB),
        body=[
            "Korea Utara menembakkan dua rudal balistik jarak pendek ke arah Laut Timur pada Selasa pagi, kata Kepala Staf "
            "Gabungan Korea Selatan (JCS).",
            "JCS mengatakan pihaknya mendeteksi peluncuran dari wilayah Pyongyang sekitar pukul 06.30 waktu setempat.",
            '"Militer kami telah memperkuat pengawasan dan kewaspadaan," kata JCS dalam pernyataan.',
        ],
        gone=["Arsip", "Baca juga", "Sumber", "Pewarta", "Copyright", "Dilarang"],
        credits=[("Kuntum Khaira Riswan", "reporter"), ("Atman Ahdiat", "editor")],
        captions=[(
            "Arsip - Foto yang dirilis Kantor Berita Pusat Korea (KCNA) pada 13 Juli 2023 ini menunjukkan uji coba rudal "
            "balistik antarbenua (ICBM) Hwasong-18 di lokasi yang dirahasiakan di Korea Utara, Rabu (12/7/2023).",
            "ANTARA FOTO/KCNA via REUTERS/aww",
        )],
    ),
    Case(
        name="cnn-whole-page-copy",
        raw="""Internasional
Korut Tembak Rudal Balistik Jelang Latihan Militer Korsel-AS
CNN Indonesia
Selasa, 15 Agu 2023 09:10 WIB
Bagikan :
Ilustrasi. Korea Utara kembali menembakkan rudal balistik ke Laut Jepang. (AFP/STR)
Jakarta, CNN Indonesia --
Korea Utara (Korut) kembali menembakkan rudal balistik ke perairan timur Semenanjung Korea pada Selasa (15/8).
Kepala Staf Gabungan Korea Selatan (JCS) menyebut rudal itu ditembakkan dari wilayah Pyongyang.
Lihat Juga :
Kim Jong Un Pecat Panglima Militer Korut
Peluncuran ini merupakan yang kedua dalam sebulan terakhir.
(blq/bac)
[Gambas:Video CNN]
""",
        outlet="CNN Indonesia", domain="cnnindonesia.com", dateline="Jakarta",
        title="Korut Tembak Rudal Balistik Jelang Latihan Militer Korsel-AS",
        published_at=datetime(2023, 8, 15, 9, 10, tzinfo=WIB),
        body=[
            "Korea Utara (Korut) kembali menembakkan rudal balistik ke perairan timur Semenanjung Korea pada Selasa (15/8).",
            "Kepala Staf Gabungan Korea Selatan (JCS) menyebut rudal itu ditembakkan dari wilayah Pyongyang.",
            "Peluncuran ini merupakan yang kedua dalam sebulan terakhir.",
        ],
        gone=["Internasional", "Bagikan", "Lihat Juga", "Pecat Panglima", "(blq", "Gambas"],
        credits=[("blq", "initials"), ("bac", "initials")],
        captions=[("Ilustrasi. Korea Utara kembali menembakkan rudal balistik ke Laut Jepang.", "AFP/STR")],
    ),
    Case(
        name="tribun-whole-page-copy",
        raw="""Laporan Wartawan Tribunnews.com, Ashri Fadilla
TRIBUNNEWS.COM, JAKARTA - Kementerian Luar Negeri (Kemlu) RI memantau perkembangan situasi di Semenanjung Korea setelah peluncuran rudal balistik Korea Utara.
Juru Bicara Kemlu mengatakan seluruh WNI di Korea Selatan dalam keadaan aman.
Baca juga: Korut Tembakkan Rudal, WNI di Korsel Diminta Tetap Tenang
"Kami terus berkoordinasi dengan KBRI Seoul," kata dia kepada wartawan, Selasa (15/8/2023).
Juru Bicara Kemlu saat konferensi pers di Jakarta, Selasa (15/8/2023). Tribunnews.com/Jeprima
Kemlu juga membuka hotline bagi WNI yang membutuhkan bantuan.
Artikel ini telah tayang di Tribunnews.com dengan judul Kemlu Pastikan WNI di Korsel Aman Usai Korut Luncurkan Rudal, https://www.tribunnews.com/internasional/2023/08/15/kemlu
Penulis: Ashri Fadilla
Editor: Wahyu Aji
""",
        outlet="Tribunnews", domain="tribunnews.com", dateline="JAKARTA",
        body=[
            "Kementerian Luar Negeri (Kemlu) RI memantau perkembangan situasi di Semenanjung Korea setelah peluncuran rudal "
            "balistik Korea Utara.",
            "Juru Bicara Kemlu mengatakan seluruh WNI di Korea Selatan dalam keadaan aman.",
            '"Kami terus berkoordinasi dengan KBRI Seoul," kata dia kepada wartawan, Selasa (15/8/2023).',
            "Kemlu juga membuka hotline bagi WNI yang membutuhkan bantuan.",
        ],
        gone=["Laporan Wartawan", "Baca juga", "Artikel ini", "Penulis", "Jeprima"],
        credits=[("Ashri Fadilla", "reporter"), ("Wahyu Aji", "editor")],
        captions=[("Juru Bicara Kemlu saat konferensi pers di Jakarta, Selasa (15/8/2023).", "Tribunnews.com/Jeprima")],
    ),
    Case(
        name="liputan6-whole-page-copy",
        raw="""Korea Utara Luncurkan Rudal Balistik Lagi, Jepang Protes Keras
Oleh Benedikta Desideria pada 15 Agu 2023, 09:30 WIB
Diperbarui 15 Agu 2023, 10:05 WIB
Liputan6.com, Tokyo - Pemerintah Jepang memprotes keras peluncuran rudal balistik Korea Utara yang jatuh di luar zona ekonomi eksklusif Jepang.
Perdana Menteri Jepang menyebut peluncuran itu ancaman bagi perdamaian kawasan.
Simak juga video pilihan berikut ini:
""",
        outlet="Liputan6", domain="liputan6.com", dateline="Tokyo",
        title="Korea Utara Luncurkan Rudal Balistik Lagi, Jepang Protes Keras",
        published_at=datetime(2023, 8, 15, 9, 30, tzinfo=WIB),
        body=[
            "Pemerintah Jepang memprotes keras peluncuran rudal balistik Korea Utara yang jatuh di luar zona ekonomi "
            "eksklusif Jepang.",
            "Perdana Menteri Jepang menyebut peluncuran itu ancaman bagi perdamaian kawasan.",
        ],
        gone=["Oleh", "Diperbarui", "Simak juga"],
        credits=[("Benedikta Desideria", "author")],
    ),
    Case(
        name="tempo-whole-page-copy",
        raw="""Internasional
Korea Utara Tembakkan Rudal Jelang Latihan Gabungan AS-Korea Selatan
Reporter
Tempo.co
Editor
Dewi Rina Cahyani
Selasa, 15 Agustus 2023 10:00 WIB
Ilustrasi rudal Korea Utara. REUTERS/Kim Hong-Ji
TEMPO.CO, Jakarta - Korea Utara menembakkan rudal balistik pada Selasa, 15 Agustus 2023, beberapa hari sebelum latihan militer gabungan Amerika Serikat dan Korea Selatan.
Pejabat militer Korea Selatan mengatakan rudal tersebut jatuh di luar zona ekonomi eksklusif Jepang.
Pilihan Editor: Kim Jong Un Pecat Kepala Staf Militer Korea Utara
REUTERS
Ikuti berita terkini dari Tempo di Google News, klik di sini.
""",
        outlet='Tempo', domain='tempo.co', dateline='Jakarta', title='Korea Utara Tembakkan Rudal Jelang Latihan Gabungan AS-Korea Selatan',
        published_at=datetime(2023, 8, 15, 10, 0, tzinfo=WIB),
        body=['Korea Utara menembakkan rudal balistik pada Selasa, 15 Agustus 2023, beberapa hari sebelum latihan militer gabungan Amerika Serikat dan Korea Selatan.', 'Pejabat militer Korea Selatan mengatakan rudal tersebut jatuh di luar zona ekonomi eksklusif Jepang.'],
        gone=['Reporter', 'Editor', 'Pilihan Editor', 'REUTERS', 'Google News', 'Internasional'],
        credits=[('Dewi Rina Cahyani', 'editor')],
        captions=[('Ilustrasi rudal Korea Utara.', 'REUTERS/Kim Hong-Ji')],
    ),
    Case(
        name="okezone-whole-page-copy",
        raw="""Korut Luncurkan Rudal Balistik, Jepang Siaga
Rahman Asmardika, Jurnalis · Selasa 15 Agustus 2023 10:15 WIB
Ilustrasi. (Foto: Reuters)
TOKYO - Pemerintah Jepang menyatakan siaga setelah Korea Utara meluncurkan rudal balistik pada Selasa (15/8/2023) pagi.
Kementerian Pertahanan Jepang mengatakan rudal itu jatuh di luar zona ekonomi eksklusif Jepang.
BACA JUGA:
Korsel Siaga, Korut Tembakkan Rudal ke Laut Timur
Follow Berita Okezone di Google News
(Rahman Asmardika)
""",
        outlet='Okezone', domain='okezone.com', dateline='TOKYO', title='Korut Luncurkan Rudal Balistik, Jepang Siaga',
        published_at=datetime(2023, 8, 15, 10, 15, tzinfo=WIB),
        body=['Pemerintah Jepang menyatakan siaga setelah Korea Utara meluncurkan rudal balistik pada Selasa (15/8/2023) pagi.', 'Kementerian Pertahanan Jepang mengatakan rudal itu jatuh di luar zona ekonomi eksklusif Jepang.'],
        gone=['Jurnalis', 'BACA JUGA', 'Korsel Siaga', 'Follow', '(Rahman'],
        credits=[('Rahman Asmardika', 'reporter')],
        captions=[('Ilustrasi.', 'Reuters')],
    ),
    Case(
        name="kumparan-whole-page-copy",
        raw="""kumparanNEWS
Verified Green
15 Agustus 2023 10:20 WIB
Korea Utara Tembakkan Rudal Balistik Lagi
Ilustrasi rudal Korea Utara. Foto: KCNA via REUTERS
Korea Utara kembali menembakkan rudal balistik ke arah Laut Timur pada Selasa (15/8). Hal itu disampaikan Kepala Staf Gabungan Korea Selatan.
"Korea Utara menembakkan rudal balistik tak dikenal ke arah Laut Timur," kata JCS seperti dikutip dari Yonhap.
Peluncuran ini dilakukan menjelang latihan militer gabungan Korea Selatan-AS.
""",
        outlet='Kumparan', domain='kumparan.com', dateline=None, title='Korea Utara Tembakkan Rudal Balistik Lagi',
        published_at=datetime(2023, 8, 15, 10, 20, tzinfo=WIB),
        body=['Korea Utara kembali menembakkan rudal balistik ke arah Laut Timur pada Selasa (15/8). Hal itu disampaikan Kepala Staf Gabungan Korea Selatan.', '"Korea Utara menembakkan rudal balistik tak dikenal ke arah Laut Timur," kata JCS seperti dikutip dari Yonhap.', 'Peluncuran ini dilakukan menjelang latihan militer gabungan Korea Selatan-AS.'],
        gone=['kumparanNEWS', 'Verified', 'Foto:'],
        credits=[],
        captions=[('Ilustrasi rudal Korea Utara.', 'KCNA via REUTERS')],
    ),
    Case(
        name="sindonews-whole-page-copy",
        raw="""Korut Tembakkan Rudal Balistik ke Laut Jepang
Andika Hendra Mustaqim
Selasa, 15 Agustus 2023 - 10:25 WIB
Korea Utara tembakkan rudal balistik ke Laut Jepang. Foto/Reuters
PYONGYANG - Korea Utara (Korut) menembakkan rudal balistik ke Laut Jepang pada Selasa pagi.
Baca Juga: Kim Jong Un Pecat Panglima Militer
Militer Korea Selatan mengatakan pihaknya sedang menganalisis data peluncuran.
(ahm)
""",
        outlet='unknown', domain=None, dateline='PYONGYANG', title='Korut Tembakkan Rudal Balistik ke Laut Jepang',
        published_at=datetime(2023, 8, 15, 10, 25, tzinfo=WIB),
        body=['Korea Utara (Korut) menembakkan rudal balistik ke Laut Jepang pada Selasa pagi.', 'Militer Korea Selatan mengatakan pihaknya sedang menganalisis data peluncuran.'],
        gone=['Andika', 'Foto/', 'Baca Juga', '(ahm)'],
        credits=[('ahm', 'initials')],
        captions=[('Korea Utara tembakkan rudal balistik ke Laut Jepang.', 'Reuters')],
    ),
    Case(
        name="republika-whole-page-copy",
        raw="""Internasional
Kim Jong-un Perintahkan Produksi Rudal Ditingkatkan Drastis
Senin 14 Aug 2023 19:45 WIB
Red: Ani Nursalikah
Pemimpin Korea Utara Kim Jong-un. Kim Jong-un memerintahkan peningkatan produksi rudal secara drastis.
Foto: EPA-EFE/KCNA
REPUBLIKA.CO.ID, SEOUL -- Pemimpin Korea Utara, Kim Jong-un, memerintahkan peningkatan produksi rudal dan senjata lainnya secara drastis.
Kantor Berita Pusat Korea (KCNA) mengatakan, Kim mengunjungi pabrik yang memproduksi rudal taktis pada 11-12 Agustus 2023.
Baca Juga
Korut Ancam Balas Latihan Militer AS-Korsel
Kim telah berfokus pada perluasan persenjataan nuklir dan misilnya sejak diplomasi dengan Donald Trump runtuh pada 2019.
Sumber : AP
""",
        outlet='Republika', domain='republika.co.id', dateline='SEOUL', title='Kim Jong-un Perintahkan Produksi Rudal Ditingkatkan Drastis',
        published_at=datetime(2023, 8, 14, 19, 45, tzinfo=WIB),
        body=['Pemimpin Korea Utara, Kim Jong-un, memerintahkan peningkatan produksi rudal dan senjata lainnya secara drastis.', 'Kantor Berita Pusat Korea (KCNA) mengatakan, Kim mengunjungi pabrik yang memproduksi rudal taktis pada 11-12 Agustus 2023.', 'Kim telah berfokus pada perluasan persenjataan nuklir dan misilnya sejak diplomasi dengan Donald Trump runtuh pada 2019.'],
        gone=['Internasional', 'Red:', 'Foto:', 'Baca Juga', 'Ancam Balas', 'Sumber'],
        credits=[('Ani Nursalikah', 'editor')],
        captions=[('Pemimpin Korea Utara Kim Jong-un. Kim Jong-un memerintahkan peningkatan produksi rudal secara drastis.', 'EPA-EFE/KCNA')],
    ),
    Case(
        name="bisnis-whole-page-copy",
        raw="""Bursa Asia Melemah Usai Korut Tembakkan Rudal
Annisa Kurniasari Saumi - Bisnis.com
15 Agustus 2023 | 09:45 WIB
Bisnis.com, JAKARTA — Bursa saham Asia dibuka melemah pada perdagangan Selasa (15/8/2023) setelah Korea Utara menembakkan rudal balistik.
Indeks Kospi Korea Selatan turun 0,8 persen, sementara Nikkei 225 Jepang turun 0,5 persen.
Simak berita lainnya seputar topik artikel ini, di sini:
Korea Utara
Bursa Asia
Editor : Hafiyyan
Cek Berita dan Artikel yang lain di Google News dan WA Channel
""",
        outlet='Bisnis', domain='bisnis.com', dateline='JAKARTA', title='Bursa Asia Melemah Usai Korut Tembakkan Rudal',
        published_at=datetime(2023, 8, 15, 9, 45, tzinfo=WIB),
        body=['Bursa saham Asia dibuka melemah pada perdagangan Selasa (15/8/2023) setelah Korea Utara menembakkan rudal balistik.', 'Indeks Kospi Korea Selatan turun 0,8 persen, sementara Nikkei 225 Jepang turun 0,5 persen.'],
        gone=['Annisa', 'Simak berita', 'Bursa Asia\n', 'Editor', 'Google News'],
        credits=[('Annisa Kurniasari Saumi', 'author'), ('Hafiyyan', 'editor')],
        captions=[],
    ),
    Case(
        name="merdeka-whole-page-copy",
        raw="""Korea Utara Kembali Tembakkan Rudal, Ini Respons Kemlu RI
Reporter : Ahda Bayhaqi
Editor : Anisyah Al Faqir
Selasa, 15 Agustus 2023 10:30
Merdeka.com - Kementerian Luar Negeri RI mengimbau WNI di Korea Selatan dan Jepang tetap tenang.
"WNI diminta terus memantau informasi resmi," kata juru bicara Kemlu.
Baca juga:
Korut Tembakkan Rudal Balistik
Korsel Siaga Penuh
Kemlu memastikan belum ada laporan WNI terdampak. [ded]
""",
        outlet='Merdeka', domain='merdeka.com', dateline=None, title='Korea Utara Kembali Tembakkan Rudal, Ini Respons Kemlu RI',
        published_at=datetime(2023, 8, 15, 10, 30, tzinfo=WIB),
        body=['Kementerian Luar Negeri RI mengimbau WNI di Korea Selatan dan Jepang tetap tenang.', '"WNI diminta terus memantau informasi resmi," kata juru bicara Kemlu.', 'Kemlu memastikan belum ada laporan WNI terdampak.'],
        gone=['Reporter', 'Editor', 'Baca juga', 'Korsel Siaga Penuh', '[ded]'],
        credits=[('Ahda Bayhaqi', 'reporter'), ('Anisyah Al Faqir', 'editor'), ('ded', 'initials')],
        captions=[],
    ),
    Case(
        name="subheadings-list-and-quote",
        raw="""Jakarta, CNBC Indonesia - Pemerintah menyiapkan tiga langkah menghadapi gejolak harga pangan.

Langkah Pemerintah

1. Operasi pasar di seluruh provinsi.
2. Penambahan cadangan beras nasional.

“Kami pastikan stok aman sampai akhir tahun.”

Harga beras diperkirakan stabil hingga Desember.
""",
        outlet="CNBC Indonesia", domain="cnbcindonesia.com", dateline="Jakarta",
        body=[
            "Pemerintah menyiapkan tiga langkah menghadapi gejolak harga pangan.",
            "Langkah Pemerintah",
            "1. Operasi pasar di seluruh provinsi.",
            "2. Penambahan cadangan beras nasional.",
            "“Kami pastikan stok aman sampai akhir tahun.”",
            "Harga beras diperkirakan stabil hingga Desember.",
        ],
        gone=[],
        headings=["Langkah Pemerintah"],
    ),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_outlet_snippet(case: Case):
    a = parse(case.raw)
    assert (a.source.outlet, a.source.domain) == (case.outlet, case.domain)
    assert a.dateline == case.dateline
    assert a.title == case.title
    assert a.published_at == case.published_at
    if case.published_at is not None:
        assert a.published_at.utcoffset() == case.published_at.utcoffset()
    assert a.text == "\n\n".join(case.body), "body paragraphs differ"
    for frag in case.gone:
        assert frag not in a.text, f"boilerplate {frag!r} left in text"
    assert sorted((c.name, c.role) for c in a.credits) == sorted(case.credits)
    assert [(c.text, c.credit) for c in a.captions] == case.captions
    assert [a.text[b.start : b.end] for b in a.blocks if b.kind == "heading"] == case.headings


def test_block_kinds_list_and_quote():
    a = parse(CASES[-1].raw)
    kinds = [b.kind for b in a.blocks]
    assert kinds == ["paragraph", "heading", "list_item", "list_item", "quote", "paragraph"]


# ----------------------------------------------------------------------------- datelines


def _dateline_cases():
    table = load_outlets()
    for entry in table.entries:
        for form in entry.datelines:
            yield pytest.param(entry.name, form, id=f"{entry.name}:{form}")


@pytest.mark.parametrize("name, form", list(_dateline_cases()))
def test_every_dateline_form_in_the_table_names_its_outlet(name, form):
    body = "Warga memadati alun-alun kota pada Senin pagi."
    a = parse(f"{form} {body}")
    assert a.source.outlet == name
    assert a.text == body


@pytest.mark.parametrize(
    "line, city, outlet",
    [
        ("REPUBLIKA.CO.ID, SEOUL -- Kim", "SEOUL", "Republika"),
        ("HOLOPIS.COM, JAKARTA – Kim", "JAKARTA", "Holopis"),
        ("Finnews.id – Kim", None, "Finnews"),
        ("Pyongyang: Kim", "Pyongyang", None),
        ("SEOUL, KOMPAS.com — Kim", "SEOUL", "Kompas"),
        ("Washington (ANTARA News) - Kim", "Washington", "Antara"),
        ("Jakarta, CNN Indonesia -- Kim", "Jakarta", "CNN Indonesia"),
        ("JAKARTA - Kim", "JAKARTA", None),
        ("Jakarta, CNBC Indonesia - Kim", "Jakarta", "CNBC Indonesia"),
        ("KONTAN.CO.ID - JAKARTA. Kim", "JAKARTA", "Kontan"),
        ("Jakarta, Nusantaraku - Kim", "Jakarta", "Nusantaraku"),
        ("Bandung (Pikiran Daerah) - Kim", "Bandung", "Pikiran Daerah"),
    ],
)
def test_split_dateline_forms(line, city, outlet):
    d = split_dateline(line)
    assert d is not None and d.city == city and d.rest == "Kim"
    assert (d.outlet.name if d.outlet else None) == outlet


@pytest.mark.parametrize(
    "line",
    [
        "Presiden Jokowi - yang baru tiba - langsung rapat.",
        "Pemimpin Korea Utara, Kim Jong-un, memerintahkan peningkatan produksi.",
        "Sejumlah warga - termasuk anak-anak - ikut antre.",
        "Catatan: data ini sementara.",
        "Kamis, 8 Mei 2025 - Pemerintah mengumumkan kebijakan baru.",
    ],
)
def test_body_sentences_are_not_datelines(line):
    assert split_dateline(line) is None


def test_a_dateline_on_its_own_line():
    a = parse("REPUBLIKA.CO.ID, JAKARTA --\nPresiden meresmikan bendungan baru.\n\nWarga menyambut gembira.")
    assert (a.source.outlet, a.dateline) == ("Republika", "JAKARTA")
    assert a.text == "Presiden meresmikan bendungan baru.\n\nWarga menyambut gembira."


# ----------------------------------------------------------------------------- conservatism


def test_body_mentioning_boilerplate_words_is_kept():
    body = [
        "JAKARTA - Fotografer senior itu memamerkan karyanya di Galeri Nasional.",
        "Ia mengatakan, baca juga buku sejarah sebelum datang ke pameran.",
        "Menurut dia, foto: bukti sejarah yang tidak bisa dibantah, katanya.",
        "Warga bisa mengikuti kabar pameran melalui akun Instagram galeri.",
        "Editor majalah itu, Budi Santoso, hadir dalam pembukaan.",
        "Pameran berlangsung hingga 20 Agustus 2023 pukul 21.00 WIB.",
    ]
    a = parse("\n\n".join(body))
    assert a.text == "\n\n".join([body[0].removeprefix("JAKARTA - "), *body[1:]])
    assert a.published_at is None
    assert a.credits == [] and a.captions == []


def test_no_outlet_gives_unknown_and_no_domain():
    a = parse("Pemerintah daerah membuka pendaftaran beasiswa mulai pekan depan.")
    assert (a.source.outlet, a.source.domain) == ("unknown", None)
    assert a.title is None and a.dateline is None


def test_single_heading_line_is_not_taken_as_title_without_header_signs():
    a = parse("Harga Cabai Naik\n\nHarga cabai rawit di pasar tradisional naik dua kali lipat.")
    assert a.title is None
    assert [b.kind for b in a.blocks] == ["heading", "paragraph"]


def test_follow_call_split_over_two_lines_with_nbsp():
    raw = "Warga antre minyak goreng.\n\nJangan lupa ikuti\u00a0update\u00a0berita lainnya dan\u00a0follow\u00a0 akun\nGoogle News Metrotvnews.com"
    a = parse(raw)
    assert a.text == "Warga antre minyak goreng."
    assert a.source.outlet == "Metrotvnews"


def test_related_section_headlines_dropped_until_next_sentence():
    raw = (
        "JAKARTA - Harga emas naik.\n\nBerita Terkait\nEmas Antam Naik Lagi\nHarga Perak Stabil\n"
        "Analis memperkirakan kenaikan berlanjut."
    )
    a = parse(raw)
    assert a.text == "Harga emas naik.\n\nAnalis memperkirakan kenaikan berlanjut."


# ----------------------------------------------------------------------------- outlet table


def test_bundled_table_covers_required_outlets():
    table = load_outlets()
    names = {e.name for e in table.entries}
    required = {
        "Republika", "Finnews", "Holopis", "Bloomberg Technoz", "Metrotvnews", "Kompas", "Detik", "Antara",
        "Tempo", "Tribunnews", "Okezone", "Liputan6", "CNN Indonesia", "Kontan", "JPNN", "iNews", "Sindonews",
        "Suara", "Viva", "Merdeka", "Kumparan", "Tirto", "Jawa Pos", "Media Indonesia", "Bisnis",
    }  # fmt: skip
    assert required <= names
    assert table.lookup("www.KOMPAS.com").name == "Kompas"
    assert table.lookup("XYZNEWS.COM").domain == "xyznews.com"
    assert table.lookup("berita-daerah.co.id").name == "berita-daerah"
    assert table.lookup("Jakarta") is None
    assert table.lookup("nasional.kompas.com").name == "Kompas"  # section host of a known outlet
    assert table.lookup("jateng.tribunnews.com").domain == "tribunnews.com"
    assert table.lookup("x.republika.co.id").name == "Republika"
    assert table.lookup("a.b.co.id").domain == "a.b.co.id"


def test_adding_an_outlet_is_one_entry(tmp_path):
    f = tmp_path / "outlets.yaml"
    f.write_text(
        "outlets:\n  - name: Kabar Papua\n    domain: kabarpapua.co\n    zone: WIT\n    aliases: [KABARPAPUA.CO]\n",
        encoding="utf-8",
    )
    table = load_outlets(f)
    a = parse_article(
        "Kabar Papua\nSenin, 14 Agustus 2023 10:30\nJAYAPURA, KABARPAPUA.CO - Warga merayakan panen raya.",
        article_id="t1", path="t1.txt", sha256="0" * 64, outlets=table,
    )  # fmt: skip
    assert (a.source.outlet, a.source.domain, a.dateline) == ("Kabar Papua", "kabarpapua.co", "JAYAPURA")
    assert a.published_at.utcoffset() == timedelta(hours=9)


@pytest.mark.parametrize(
    "content, message",
    [
        ("outlets:\n  - domain: x.com\n", "outlets.0.name"),
        ("outlets:\n  - name: A\n    zone: CET\n", "outlets.0.zone"),
        ("outlets:\n  - name: A\n    aliases: [Same]\n  - name: B\n    aliases: [same]\n", "alias 'same' already names A"),
        ("outlets: [\n", "not valid YAML"),
    ],
)
def test_bad_outlet_table_errors_name_file_and_entry(tmp_path, content, message):
    f = tmp_path / "outlets.yaml"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(OutletError) as e:
        load_outlets(f)
    assert str(f) in str(e.value) and message in str(e.value)


def test_sentence_before_a_later_dateline_is_kept_and_never_the_title():
    a = parse(
        "Harga BBM Naik Mulai Pekan Depan\n"
        "Pemerintah menyesuaikan harga Pertalite dan Solar mengikuti harga minyak dunia yang terus naik sejak awal tahun.\n"
        "JAKARTA - Pemerintah resmi menaikkan harga bahan bakar minyak.\n"
        "Kenaikan berlaku mulai Senin pekan depan."
    )
    assert (a.title, a.dateline) == ("Harga BBM Naik Mulai Pekan Depan", "JAKARTA")
    assert a.text.split("\n\n") == [
        "Pemerintah menyesuaikan harga Pertalite dan Solar mengikuti harga minyak dunia yang terus naik sejak awal tahun.",
        "Pemerintah resmi menaikkan harga bahan bakar minyak.",
        "Kenaikan berlaku mulai Senin pekan depan.",
    ]
    b = parse("Pemerintah resmi menaikkan harga bahan bakar minyak.\nJAKARTA - Kenaikan berlaku mulai Senin.")
    assert b.title is None
    assert b.text == "Pemerintah resmi menaikkan harga bahan bakar minyak.\n\nKenaikan berlaku mulai Senin."


@pytest.mark.parametrize(
    "raw, text, credits, outlet",
    [
        ("jpnn.com, JAKARTA - Kim meninjau pabrik.\nRedaktur & Reporter : Djainab Natalia Saroh",
         "Kim meninjau pabrik.", [("Djainab Natalia Saroh", "editor")], "JPNN"),
        ("REPUBLIKA.CO.ID, JAKARTA -- Kim meninjau pabrik.\nRep: Lintar Satria/ Red: Ani Nursalikah",
         "Kim meninjau pabrik.", [("Lintar Satria", "reporter"), ("Ani Nursalikah", "editor")], "Republika"),
        ("Dewan Keamanan PBB menggelar rapat. (AFP/Z-2)",
         "Dewan Keamanan PBB menggelar rapat.", [("AFP", "initials"), ("Z-2", "initials")], "unknown"),
        ("Dewan Keamanan PBB menggelar rapat.\n(AFP/Z-2)",
         "Dewan Keamanan PBB menggelar rapat.", [("AFP", "initials"), ("Z-2", "initials")], "unknown"),
        ("JAKARTA - Kim meninjau pabrik.\nDapatkan berita up to date dengan semua berita terkini dari Okezone hanya "
         "dengan satu akun di ORION, daftar sekarang dengan klik disini dan nantikan kejutan menarik lainnya",
         "Kim meninjau pabrik.", [], "Okezone"),
        ("Warga antre sembako di Jakarta Utara, Senin (14/8/2023). (ANTARA/Aprillio Akbar)\n"
         "JAKARTA - Antrean mengular sejak pagi.", "Antrean mengular sejak pagi.", [], "unknown"),
    ],
)  # fmt: skip
def test_credit_and_chrome_variants(raw, text, credits, outlet):
    a = parse(raw)
    assert a.text == text
    assert [(c.name, c.role) for c in a.credits] == credits
    assert a.source.outlet == outlet


@pytest.mark.parametrize(
    "noise",
    [
        "Logo Kompas", "Advertisement", "SCROLL TO CONTINUE WITH CONTENT", "No more pages", "Halaman 1 2 3",
        "Halaman Selanjutnya", "1 2 3 Selanjutnya", "Berita Terkait", "Share", "Facebook Twitter WhatsApp Telegram",
        "Bagikan artikel", "BACA JUGA: Kim ke Rusia", "Baca Juga : Kim ke Rusia", "Lihat juga: Kim ke Rusia",
        "Simak juga: Kim ke Rusia", "Baca selengkapnya di sini", "Editor: Budi Santoso", "Penulis: Budi Santoso",
        "Rep: Lintar Satria / Red: Ani Nursalikah", "Reporter: Siti | Editor: Budi", "Kamis, 8 Mei 2025 | 09:07 WIB",
        "08/05/2025, 09:07 WIB", "Fajar Nugraha • 8 May 2025 09:07", "(bbn)", "(ant/dil/jpnn)", "(Budi Santoso)",
        "Foto: Daily NK", "(AFP/STR)", "Kim Jong-un di Pyongyang. (AFP/STR)", "Kim Jong-un. ANTARA FOTO/Sigid Kurniawan/nz",
        "Ikuti berita terkini di Google News", "Gabung di WhatsApp Channel kami", "Join Telegram kami untuk update",
        "Artikel ini telah tayang di Kompas.com dengan judul \"Kim ke Rusia\"", "Tags: Kim Jong Un, Rusia",
        "Copyright © 2025 Kompas", "https://www.kompas.com/global/read/2025/05/08/kim", "[Gambas:Video CNN]",
    ],
)  # fmt: skip
def test_each_boilerplate_form_from_the_issue_is_removed(noise):
    body = ["Pemimpin Korea Utara meninjau pabrik amunisi di dekat Pyongyang.", "Dia meminta produksi ditingkatkan."]
    a = parse(f"{body[0]}\n\n{noise}\n\n{body[1]}")
    assert a.text == "\n\n".join(body), noise


def test_dates_inside_the_body_are_content_and_updates_are_not_publication():
    a = parse(
        "JAKARTA - Kronologi kejadian sebagai berikut.\n\n14 Agustus 2023\n\nWarga melapor ke polisi.\n\n"
        "Diperbarui 15 Agustus 2023"
    )
    assert a.text == "Kronologi kejadian sebagai berikut.\n\n14 Agustus 2023\n\nWarga melapor ke polisi."
    assert a.published_at is None
    b = parse("JAKARTA - Kronologi kejadian sebagai berikut.\n\nKamis, 8 Mei 2025 | 09:07 WIB")
    assert b.text == "Kronologi kejadian sebagai berikut."
    assert b.published_at == datetime(2025, 5, 8, 9, 7, tzinfo=WIB)


@pytest.mark.parametrize(
    "line",
    ["Dia berkata soal foto: Itu palsu.", "Warga melihat fotonya. Foto: Itu palsu.", "Menurut dia, foto: Bukti sejarah"],
)
def test_prose_mentioning_foto_is_not_a_caption(line):
    a = parse(f"{line}\n\nWarga percaya.")
    assert a.text == f"{line}\n\nWarga percaya." and a.captions == []


@pytest.mark.parametrize("marker", ["(Selesai)", "(bersambung)", "(adv)", "(*)"])
def test_end_markers_are_not_credits(marker):
    a = parse(f"JAKARTA - Warga antre sembako sejak pagi.\n\n{marker}")
    assert a.text == "Warga antre sembako sejak pagi." and a.credits == []
    b = parse(f"JAKARTA - Warga antre sembako sejak pagi. {marker.lower()}")
    assert b.credits == [] and b.text.startswith("Warga antre sembako sejak pagi.")
