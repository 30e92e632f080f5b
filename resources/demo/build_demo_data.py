#!/usr/bin/env python3
"""Build Danka's shipped demo data from Debian packages plus hand-written text.

Usage:
    bash fetch_sources.sh /tmp/demo-sources
    python3 build_demo_data.py --sources /tmp/demo-sources [--out DIR]

Python 3.11 standard library only. The output is deterministic: a fixed seed,
sorted inputs, and no dependence on time, locale or hash randomisation. Running
it twice on the same sources gives byte-identical files.

Outputs (in --out, default: the folder of this script):
    pretrain.jsonl, pretrain_val.jsonl     {"text": ...}
    sft.jsonl, sft_val.jsonl               {"conversations": [...]}
    preference.jsonl                       {"prompt", "chosen", "rejected"} / {"chosen", "rejected"}
    mmlu/{dev,val,test}/demo_*.csv         question,A,B,C,D,answer (no header)
    ceval/{dev,val,test}/demo_*.csv        id,question,A,B,C,D,answer,explanation
    SOURCES.md                             provenance, licences, counts
"""

import argparse
import csv
import gzip
import io
import json
import lzma
import os
import random
import re
import sys
import tarfile
from collections import Counter, OrderedDict, defaultdict

SEED = 20240917
VAL_FRACTION = 0.03
EXPECTED_VERSIONS = OrderedDict([
    ("fortunes-zh", "2.98"),
    ("fortunes", "1:1.99.1-7.3"),
    ("miscfiles", "1.5+dfsg-4"),
])

FORTUNE_DIR = "usr/share/games/fortunes"
STATE_DIR = "usr/share/state"

# English fortune files that are used (all from the package's inoffensive set).
# Left out on purpose: songs-poems (mostly modern song lyrics), startrek, zippy,
# tao, pratchett, magic, humorists (long quotations from copyrighted novels and
# TV), love, men-women, drugs, ethnic, politics, law, medicine, sports, news
# (crude or cheap shots too often), ascii-art, translate-me, disclaimer,
# knghtbrd.
EN_FORTUNE_FILES = [
    "art", "computers", "cookie", "debian", "definitions", "education", "food",
    "goedel", "kids", "linux", "linuxcookie", "miscellaneous", "paradoxum",
    "people", "pets", "platitudes", "science", "wisdom", "work",
]

# A fortune is skipped when it contains any of these words (case-insensitive,
# whole words). Deliberately broad: the demo must be safe to show anywhere.
CRUDE_WORDS = r"""
sex\w* fuck\w* shit\w* damn\w* goddam\w* hell bitch\w* bastard\w* ass asses
asshole\w* arse crap\w* piss\w* penis\w* breast\w* nude\w* naked whore\w*
prostitut\w* rape\w* rapist\w* suicid\w* nigger\w* gay gays lesbian\w*
homosexual\w* queer\w* jew jews jewish negro\w* drug\w* marijuana cocaine
heroin virgin\w* orgasm\w* condom\w* bra bras nipple\w* erotic\w* porn\w*
kill\w* murder\w* jesus christ\w* allah bloody screw\w* suck\w* stupid\w*
idiot\w* moron\w* dumb\w* fat fatter ugly wife wives husband\w* girl\w*
blond\w* drunk\w* beer\w* whisk\w* booze alcohol\w* lover\w* seduc\w* butt\w*
balls dick\w* cock\w* pussy boob\w* tit tits gun\w* nazi\w* hitler bomb\w*
corpse\w* torture\w* slave\w* racis\w* retard\w* cripple\w* bimbo\w* hooker\w*
mistress\w* adulter\w* affair\w* divorc\w* bed bedroom kiss\w* pregnan\w*
abortion\w* terror\w* rifle\w* shoot\w* hang\w* hanged catholic\w* pope\w*
muslim\w* islam\w* hindu\w* buddhis\w* protestant\w* bible\w* church\w*
satan\w* devil\w* demon\w* racial racist\w* ethnic\w* hallowed
""".split()
# ... and these anywhere inside a word ("heterosexual", "shitty").
CRUDE_PARTS = "sex fuck shit porn nigg whore bitch penis orgasm rapist".split()
CRUDE_RE = re.compile(r"\b(?:" + "|".join(CRUDE_WORDS) + r")\b|" + "|".join(CRUDE_PARTS), re.I)

# Chinese fortune entries dropped because the quoted author is modern (text
# still under copyright, or unsuitable for a neutral demo), or the entry is a
# technical/Internet item rather than classical text. The Debian Reference
# excerpts are handled separately below.
ZH_EXCLUDE_RE = re.compile(
    r"钱钟书|赫拉利|吴军|斯托曼|Stallman|Raymond|老舍|巴金|冰心|毛泽东|余光中|"
    r"朱自清|鲁迅|钢之炼金术师|显卡吧|tuna-collection|李彦宏|王健林|Kizuna|"
    r"Altria|言峰|卫宫|Iskandar|にちじょう|央视|胡志明|乔布斯|黑格尔|Dilbert|"
    r"CSAPP|深入理解计算机系统|陈毅|Linus|Hoare|Alan Kay|Henry Spencer|网吧|"
    r"fpsNoooob|Lift of Reason|Russel|Tractatus|自由软件|UNIX|1992年|http|"
    r"雷震|秋瑾|王国维|Leonardo|《行为准则》|自由软件方针|参考卡片|维基百科|"
    r"[─│┌┐└┘├┤┬┴┼═║╔╗╚╝]|\(￣")

# Author names in tang300 that are misprints of other poets' names (韩翎 for
# 韩翃/韩偓, 卢伦 for 卢纶, 张藉 for 张籍, 沈全期 for 沈佺期, 刘脊虚 for 刘眘虚)
# or not names at all. The text stays in the corpus as it is, but no question
# is generated about these poems and the names are never used as distractors.
DUBIOUS_AUTHORS = {"韩翎", "卢伦", "张藉", "沈全期", "刘脊虚", "无名氏", "西鄙人",
                   "韩翃", "卢纶", "张籍", "沈佺期"}

CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN_RE = re.compile(r"[A-Za-z]")
HAN = r"[\u3400-\u9fff]"


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------

def die(msg):
    print("error: " + msg, file=sys.stderr)
    sys.exit(1)


ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
CTRL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def strip_ansi(s):
    # The Chinese files contain nested, partly broken sequences such as
    # "\x1b[;\x1b[34;1mm", so remove until nothing changes.
    prev = None
    while prev != s:
        prev = s
        s = ANSI_RE.sub("", s)
    return s.replace("\x1b", "")


def strip_overstrike(s):
    """Resolve backspace overstriking the way a printer would: "_\bW" and
    "____\b\b\b\bword" are underlined words, "W\bW" is bold. Keep the letter."""
    if "\x08" not in s:
        return s
    out_lines = []
    for line in s.split("\n"):
        if "\x08" not in line:
            out_lines.append(line)
            continue
        buf, cur = [], 0
        for ch in line:
            if ch == "\x08":
                cur = max(0, cur - 1)
            elif cur < len(buf):
                if buf[cur] == "_" or ch != "_":
                    buf[cur] = ch
                cur += 1
            else:
                buf.append(ch)
                cur += 1
        out_lines.append("".join(buf))
    return "\n".join(out_lines)


def clean_text(raw, keep_indent):
    """Strip escapes, control characters, trailing whitespace, extra blank lines;
    normalise the closing "-- attribution" line."""
    s = strip_overstrike(strip_ansi(raw))
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\ufeff", "")
    lines = []
    for line in s.split("\n"):
        line = CTRL_RE.sub("", line.expandtabs(4)).rstrip()
        if not keep_indent:
            line = line.strip()
        lines.append(line)
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    # attribution: the last line starting with "--" among the last four lines;
    # wrapped continuation lines are joined to it.
    for i in range(len(lines) - 1, max(-1, len(lines) - 5), -1):
        st = lines[i].strip()
        if st.startswith("--") and not st.startswith("---"):
            tail = " ".join(x.strip() for x in lines[i:] if x.strip())
            tail = tail.lstrip("-").strip()
            lines = lines[:i] + ["-- " + tail]
            break
    body = [l for l in lines]
    if keep_indent:
        # remove indentation common to all non-blank lines except the attribution
        idx = [i for i, l in enumerate(body) if l.strip() and not l.startswith("-- ")]
        if idx:
            common = min(len(body[i]) - len(body[i].lstrip(" ")) for i in idx)
            if common:
                body = [l[common:] if (l.strip() and not l.startswith("-- ")) else l for l in body]
    out, blank = [], 0
    for l in body:
        if not l.strip():
            blank += 1
            if blank > 1:
                continue
            out.append("")
        else:
            blank = 0
            out.append(l)
    return "\n".join(out).strip("\n")


def split_fortunes(text):
    parts = re.split(r"^%[ \t]*$", text, flags=re.M)
    return [p.strip("\n") for p in parts if p.strip()]


def lang_of(text):
    c = len(CJK_RE.findall(text))
    l = len(LATIN_RE.findall(text))
    return "zh" if c * 2 >= l and c > 0 else "en"


def read_text(path):
    with open(path, "rb") as f:
        data = f.read()
    return data.decode("utf-8", errors="replace")


def read_gz(path):
    with gzip.open(path, "rb") as f:
        return f.read().decode("utf-8", errors="replace")


def deb_control_fields(path):
    """Parse Package/Version from a .deb with the standard library (ar + tar)."""
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(b"!<arch>\n"):
        return None
    pos = 8
    while pos + 60 <= len(data):
        hdr = data[pos:pos + 60]
        name = hdr[:16].decode().strip().rstrip("/")
        size = int(hdr[48:58].decode().strip())
        body = data[pos + 60:pos + 60 + size]
        pos += 60 + size + (size & 1)
        if name.startswith("control.tar"):
            if name.endswith(".xz"):
                body = lzma.decompress(body)
            elif name.endswith(".gz"):
                body = gzip.decompress(body)
            elif name.endswith(".zst"):
                return None
            with tarfile.open(fileobj=io.BytesIO(body)) as tf:
                for m in tf.getmembers():
                    if m.name.lstrip("./") == "control":
                        text = tf.extractfile(m).read().decode()
                        fields = {}
                        for line in text.splitlines():
                            if ":" in line and not line.startswith(" "):
                                k, v = line.split(":", 1)
                                fields[k.strip()] = v.strip()
                        return fields
    return None


def package_versions(src, root):
    found = {}
    for fn in sorted(os.listdir(src)):
        if fn.endswith(".deb"):
            fields = deb_control_fields(os.path.join(src, fn))
            if fields and "Package" in fields:
                found[fields["Package"]] = fields.get("Version", "?")
    # fall back to the first line of the packaged changelogs
    for pkg in EXPECTED_VERSIONS:
        if pkg in found:
            continue
        for cl in ("changelog.Debian.gz", "changelog.gz"):
            p = os.path.join(root, "usr/share/doc", pkg, cl)
            if os.path.exists(p):
                first = read_gz(p).split("\n", 1)[0]
                m = re.search(r"\(([^)]+)\)", first)
                if m:
                    found[pkg] = m.group(1)
                    break
    return found


class Writer:
    """Collects output files, writes them with LF endings, records sizes."""

    def __init__(self, out):
        self.out = out
        self.stats = OrderedDict()

    def jsonl(self, rel, records):
        lines = [json.dumps(r, ensure_ascii=False) for r in records]
        self._write(rel, "".join(l + "\n" for l in lines), len(records))

    def csv(self, rel, rows, header=None):
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        if header:
            w.writerow(header)
        for r in rows:
            w.writerow(r)
        self._write(rel, buf.getvalue(), len(rows))

    def text(self, rel, text):
        self._write(rel, text, None)

    def _write(self, rel, text, count):
        path = os.path.join(self.out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = text.encode("utf-8")
        with open(path, "wb") as f:
            f.write(data)
        self.stats[rel] = (len(data), count)


# --------------------------------------------------------------------------
# Parsing the sources
# --------------------------------------------------------------------------

FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９？", "0123456789?")


def clause_split(line):
    """'兰叶春葳蕤，桂华秋皎洁。' -> ['兰叶春葳蕤', '桂华秋皎洁']"""
    return [c for c in re.split(r"[，。？！；：、,.;:!?　 ]+", line) if c]


def parse_poems(root):
    """tang300 and song100 -> list of poem dicts."""
    poems = []
    # Tang: 《title》 / 作者：name / lines
    raw = strip_ansi(read_text(os.path.join(root, FORTUNE_DIR, "tang300")))
    for ent in split_fortunes(raw):
        lines = [l.strip() for l in ent.split("\n")]
        m = re.fullmatch(r"《([^》]+)》", lines[0])
        if not m or not lines[1].startswith("作者："):
            die("unexpected tang300 entry: %r" % ent[:80])
        title = m.group(1)
        author = lines[1][len("作者："):].strip()
        body = [l for l in lines[2:]]
        poems.append(dict(src="tang300", dynasty="唐", title=title, full_title="《%s》" % title,
                          author=author, author_note="", body=body))
    # Song: 题目:《title》suffix / 作者:name（dates） / lines
    raw = strip_ansi(read_text(os.path.join(root, FORTUNE_DIR, "song100")))
    for ent in split_fortunes(raw):
        lines = [l.strip() for l in ent.split("\n")]
        m = re.fullmatch(r"题目:《(.+?)》(.*)", lines[0])
        if not m or not lines[1].startswith("作者:"):
            die("unexpected song100 entry: %r" % ent[:80])
        title, suffix = m.group(1), m.group(2).strip()
        a = lines[1][len("作者:"):].strip()
        am = re.match(r"([^（〔(]+)(.*)", a)
        author = am.group(1).strip()
        note = am.group(2).strip()
        note = note.translate(FULLWIDTH_DIGITS)
        note = re.sub(r"〔(.+?)〕", r"（\1）", note)
        poems.append(dict(src="song100", dynasty="宋", title=title,
                          full_title="《%s》%s" % (title, suffix), author=author,
                          author_note=note, body=lines[2:]))
    for p in poems:
        body = p["body"]
        # collapse blank runs, trim
        out, blank = [], 0
        for l in body:
            if not l:
                blank += 1
                if blank > 1:
                    continue
            else:
                blank = 0
            out.append(l)
        while out and not out[0]:
            out.pop(0)
        while out and not out[-1]:
            out.pop()
        p["body"] = out
        # verse lines: lines made of Han characters and punctuation only
        verse = [l for l in out if l and CJK_RE.search(l) and not re.fullmatch(r"其[一二三四五六七八九十]+", l)]
        p["verse"] = verse
        p["has_preface"] = "序" in p["title"] or any(len(l) > 40 for l in verse)
        # regular form: every verse line "AAAAA，BBBBB。" with the same length
        form = None
        lens = set()
        ok = bool(verse)
        for l in verse:
            mm = re.fullmatch(r"(%s+)[，。](%s+)[。？！]" % (HAN, HAN), l)
            if not mm or len(mm.group(1)) != len(mm.group(2)):
                ok = False
                break
            lens.add(len(mm.group(1)))
        if ok and len(lens) == 1 and list(lens)[0] in (5, 7):
            form = list(lens)[0]
        p["form"] = form
        head = "《%s》" % p["title"] if p["src"] == "tang300" else p["full_title"]
        if p["src"] == "tang300":
            by = "作者：%s（唐）" % p["author"]
        else:
            note = p["author_note"]
            if note.startswith("（") and re.match(r"（[\d?]", note):
                by = "作者：%s（宋，%s" % (p["author"], note[1:])
            elif note:
                by = "作者：%s（宋）%s" % (p["author"], note)
            else:
                by = "作者：%s（宋）" % p["author"]
        p["doc"] = head + "\n" + by + "\n" + "\n".join(out)
    return poems


def zh_cjk_share(text):
    s = re.sub(r"\s", "", text)
    return len(CJK_RE.findall(s)) / max(1, len(s))


def parse_zh_fortunes(root):
    """The 'chinese' fortune file -> list of (kind, text, attribution)."""
    raw = read_text(os.path.join(root, FORTUNE_DIR, "chinese"))
    docs = []
    dropped = Counter()
    for ent in split_fortunes(raw):
        plain = strip_ansi(ent)
        last = [l.strip() for l in plain.strip().split("\n") if l.strip()][-1]
        is_debref = "Debian 参考手册" in last
        if is_debref:
            if re.search(r"[─│┌┐└┘├┤]", plain):
                dropped["debian-reference (table)"] += 1
                continue
            text = clean_text(ent, keep_indent=True)
            if zh_cjk_share(text) < 0.35 or len(text.encode()) > 3000:
                dropped["debian-reference (mostly code or long)"] += 1
                continue
            docs.append(("debref", text, "Debian 参考手册"))
            continue
        if "Debian" in last or "Aoki" in last:
            dropped["other Debian documents"] += 1
            continue
        if ZH_EXCLUDE_RE.search(plain):
            dropped["modern author / not classical"] += 1
            continue
        text = clean_text(ent, keep_indent=False)
        body = text.rsplit("\n-- ", 1)[0]
        if body.endswith("“") or ("”" in body and ("“" not in body or body.index("”") < body.index("“"))):
            dropped["quotation cut in two by the source"] += 1
            continue
        c = len(CJK_RE.findall(text))
        if c < 4 or len(LATIN_RE.findall(text)) > c * 0.2:
            dropped["not Chinese prose"] += 1
            continue
        m = re.search(r"\n-- (.*)$", text)
        attr = m.group(1) if m else ""
        docs.append(("classic", text, attr))
    return docs, dropped


def parse_en_fortunes(root):
    docs = []
    dropped = Counter()
    per_file = Counter()
    for name in EN_FORTUNE_FILES:
        raw = read_text(os.path.join(root, FORTUNE_DIR, name))
        for ent in split_fortunes(raw):
            text = clean_text(ent, keep_indent=True)
            if not text:
                continue
            if CRUDE_RE.search(text):
                dropped["crude word filter"] += 1
                continue
            if len(text) > 1200:
                dropped["longer than 1200 characters"] += 1
                continue
            core = re.sub(r"\s", "", text)
            if sum(ch.isalnum() for ch in core) < 0.75 * len(core):
                dropped["ascii art / mostly symbols"] += 1
                continue
            if lang_of(text) != "en":
                dropped["not English"] += 1
                continue
            docs.append((name, text))
            per_file[name] += 1
    return docs, dropped, per_file


def unwrap_paragraphs(text):
    paras = [re.sub(r"\s+", " ", p).strip() for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paras if p)


def parse_constitution(root):
    raw = read_gz(os.path.join(root, STATE_DIR, "us-constitution.gz"))
    raw = strip_ansi(raw).replace("\r", "")
    lines = raw.split("\n")
    # headings
    docs = []
    cur_art = None
    cur_sec = None
    buf = []
    title = "The Constitution of the United States of America"

    def flush():
        nonlocal buf
        body = unwrap_paragraphs("\n".join(buf))
        if body and cur_art:
            head = cur_art + (", " + cur_sec if cur_sec else "")
            docs.append(dict(part=cur_art, section=cur_sec, head=head, body=body))
        buf = []

    in_amend = False
    for line in lines[1:]:
        st = line.strip()
        if st == "Preamble":
            flush(); cur_art, cur_sec = "Preamble", None; continue
        m = re.fullmatch(r"Article ([IVX]+)", st)
        if m:
            flush(); cur_art, cur_sec = st, None; continue
        if st == "Amendments":
            flush(); cur_art, cur_sec = "Amendments", None; in_amend = True; continue
        m = re.fullmatch(r"Amendment ([IVX]+)", st)
        if m:
            flush(); cur_art, cur_sec = st, None; continue
        m = re.fullmatch(r"Section (\d+)", st)
        if m and not in_amend:
            flush(); cur_sec = st; continue
        buf.append(line)
    flush()
    # amendments: keep sections inside the amendment's document
    out = []
    for d in docs:
        if d["part"].startswith("Amendment ") and out and out[-1]["part"] == d["part"]:
            out[-1]["body"] += "\n\n" + d["body"]
        else:
            out.append(d)
    for d in out:
        if d["part"].startswith("Amendment "):
            # put "Section N" headings of amendments on their own paragraph
            d["body"] = re.sub(r"(^|\n\n)Section (\d+) ", r"\1Section \2\n\n", d["body"])
        d["text"] = "%s\n%s\n\n%s" % (title, d["head"], d["body"])
    articles = [d for d in out if d["part"].startswith("Article ")]
    amends = [d for d in out if d["part"].startswith("Amendment ")]
    full = "\n".join(d["body"] for d in out)
    return out, full, len({d["part"] for d in articles}), len(amends)


def parse_declaration(root):
    raw = strip_ansi(read_gz(os.path.join(root, STATE_DIR, "us-declaration.gz")))
    raw = raw.replace("\r", "")
    title = "The Declaration of Independence of the Thirteen Colonies"
    body = raw.split("\n", 1)[1]
    paras = [p for p in unwrap_paragraphs(body).split("\n\n") if p]
    # signers ("State: names") form the last part
    first_signer = next(i for i, p in enumerate(paras) if re.match(r"^[A-Z][A-Za-z ]+: ", p))
    text_paras, signer_paras = paras[:first_signer], paras[first_signer:]
    chunks, cur = [], []
    for p in text_paras:
        if cur and sum(len(x) for x in cur) + len(p) > 1800:
            chunks.append(cur)
            cur = []
        cur.append(p)
    if cur:
        chunks.append(cur)
    docs = []
    for i, c in enumerate(chunks):
        docs.append("%s (part %d of %d)\n\n%s" % (title, i + 1, len(chunks) + 1, "\n\n".join(c)))
    docs.append("%s (part %d of %d): the signers\n\n%s" % (title, len(chunks) + 1, len(chunks) + 1,
                                                          "\n".join(signer_paras)))
    return docs, "\n".join(paras)


# --------------------------------------------------------------------------
# Pretraining corpus
# --------------------------------------------------------------------------

def build_pretrain(poems, zh_docs, en_docs, const_docs, decl_docs, rng):
    records = []  # (source, lang, text, key)
    for p in poems:
        records.append((p["src"], "zh", p["doc"], ("poem", p["src"], p["title"], p["author"])))
    for kind, text, attr in zh_docs:
        records.append(("chinese/" + kind, "zh", text, None))
    for name, text in en_docs:
        records.append(("fortunes/" + name, "en", text, None))
    for d in const_docs:
        records.append(("us-constitution", "en", d["text"], ("const", d["head"])))
    for t in decl_docs:
        records.append(("us-declaration", "en", t, ("decl",)))
    seen = set()
    uniq = []
    dups = 0
    for r in records:
        if r[2] in seen:
            dups += 1
            continue
        seen.add(r[2])
        uniq.append(r)
    # held-out split: ~3% of the documents of every source except the
    # Constitution and the Declaration, whose facts the SFT and evaluation
    # questions ask about (so they stay in training).
    by_src = defaultdict(list)
    for r in uniq:
        by_src[r[0]].append(r)
    train, val = [], []
    for src in sorted(by_src):
        group = by_src[src]
        if src in ("us-constitution", "us-declaration"):
            train.extend(group)
            continue
        idx = list(range(len(group)))
        rng.shuffle(idx)
        n_val = max(1, round(len(group) * VAL_FRACTION)) if len(group) >= 10 else 0
        val_idx = set(idx[:n_val])
        for i, r in enumerate(group):
            (val if i in val_idx else train).append(r)
    rng.shuffle(train)
    rng.shuffle(val)
    return train, val, dups


# --------------------------------------------------------------------------
# Hand-written knowledge: US Constitution facts (checked against the text)
# --------------------------------------------------------------------------
# Each fact: evidence (must occur in the whitespace-normalised text), English
# question variants, short answer, wrong answers (for preference pairs and
# distractors), optional Chinese question/answer, optional MCQ.

CONST_FACTS = [
    dict(id="senators", ev="composed of two Senators from each State",
         q=["How many senators does each state have under the US Constitution?",
            "Under the Constitution, how many Senators come from each State?"],
         a="Each state has two senators.",
         wrong=["Each state has three senators.", "The number of senators depends on the state's population."],
         zq="根据美国宪法，每个州有几名参议员？", za="每个州有两名参议员。", zwrong="每个州有四名参议员。",
         mcq=("Under the US Constitution, how many Senators does each State have?", "Two", ["One", "Three", "Four"])),
    dict(id="senate_term", ev="for six Years; and each Senator shall have one Vote",
         q=["How long is a senator's term under the Constitution?", "For how many years is a US Senator chosen?"],
         a="A senator is chosen for six years.",
         wrong=["A senator serves for four years.", "Senators serve for life."],
         zq="美国参议员的任期是几年？", za="六年。", zwrong="两年。",
         mcq=("For how many years is a Senator chosen?", "Six", ["Two", "Four", "Eight"])),
    dict(id="house_term", ev="composed of Members chosen every second Year by the People",
         q=["How often are members of the House of Representatives chosen?",
            "How long is the term of a member of the House of Representatives?"],
         a="Every second year, so a Representative's term is two years.",
         wrong=["Every six years.", "Every four years, like the President."],
         zq="美国众议员多久选举一次？", za="每两年选举一次。", zwrong="每六年选举一次。",
         mcq=("How often are members of the House of Representatives chosen?", "Every second year",
              ["Every year", "Every fourth year", "Every sixth year"])),
    dict(id="rep_age", ev="attained to the Age of twenty five Years, and been seven Years a Citizen",
         q=["How old must a Representative be under the Constitution?",
            "What is the minimum age for a member of the House of Representatives?"],
         a="At least twenty-five years old.",
         wrong=["At least eighteen years old.", "At least thirty-five years old."],
         zq="美国宪法规定众议员至少要多少岁？", za="至少二十五岁。", zwrong="至少十八岁。",
         mcq=("What is the minimum age of a Representative?", "Twenty-five", ["Eighteen", "Thirty", "Thirty-five"])),
    dict(id="rep_citizen", ev="been seven Years a Citizen of the United States",
         q=["How many years must a Representative have been a citizen of the United States?"],
         a="Seven years.",
         wrong=["Nine years.", "Fourteen years."],
         mcq=("How many years must a Representative have been a citizen?", "Seven", ["Five", "Nine", "Fourteen"])),
    dict(id="senator_age", ev="attained to the Age of thirty Years, and been nine Years a Citizen",
         q=["How old must a Senator be?", "What is the minimum age for a US Senator?"],
         a="At least thirty years old.",
         wrong=["At least twenty-five years old.", "At least forty years old."],
         zq="美国参议员至少要多少岁？", za="至少三十岁。", zwrong="至少二十五岁。",
         mcq=("What is the minimum age of a Senator?", "Thirty", ["Twenty-five", "Thirty-five", "Forty"])),
    dict(id="senator_citizen", ev="been nine Years a Citizen of the United States",
         q=["How many years must a Senator have been a citizen of the United States?"],
         a="Nine years.",
         wrong=["Seven years.", "Twenty years."],
         mcq=("How many years must a Senator have been a citizen?", "Nine", ["Seven", "Fourteen", "Twenty"])),
    dict(id="president_age", ev="attained to the Age of thirty five Years",
         q=["How old must the President be?", "What is the minimum age to be President of the United States?"],
         a="At least thirty-five years old.",
         wrong=["At least thirty years old.", "At least forty-five years old."],
         zq="美国总统至少要多少岁？", za="至少三十五岁。", zwrong="至少四十岁。",
         mcq=("What is the minimum age of the President?", "Thirty-five", ["Thirty", "Forty", "Forty-five"])),
    dict(id="president_residency", ev="been fourteen Years a Resident within the United States",
         q=["How many years must the President have lived in the United States?"],
         a="Fourteen years as a resident within the United States.",
         wrong=["Seven years.", "Twenty-one years."],
         mcq=("How many years must the President have been a resident within the United States?", "Fourteen",
              ["Seven", "Nine", "Twenty"])),
    dict(id="president_term", ev="He shall hold his Office during the Term of four Years",
         q=["How long is the President's term?", "For how many years does the President hold office?"],
         a="The President's term is four years.",
         wrong=["The President's term is six years.", "The President serves for two years."],
         zq="美国总统的任期是几年？", za="四年。", zwrong="八年。",
         mcq=("How long is the President's term of office?", "Four years", ["Two years", "Six years", "Eight years"])),
    dict(id="vp_senate", ev="The Vice President of the United States shall be President of the Senate",
         q=["Who is the President of the Senate?", "What role does the Vice President have in the Senate?"],
         a="The Vice President is President of the Senate, but votes only when the Senate is equally divided.",
         wrong=["The Chief Justice is President of the Senate.", "The Speaker of the House leads the Senate."],
         zq="谁担任美国参议院议长？", za="美国副总统，但只有在票数相等时才投票。", zwrong="最高法院首席大法官。",
         mcq=("Who is the President of the Senate?", "The Vice President",
              ["The Chief Justice", "The Speaker of the House", "The oldest Senator"])),
    dict(id="impeach_power", ev="shall have the sole Power of Impeachment",
         q=["Which chamber has the sole power of impeachment?"],
         a="The House of Representatives.",
         wrong=["The Senate.", "The Supreme Court."],
         zq="哪个议院拥有弹劾权？", za="众议院。", zwrong="最高法院。",
         mcq=("Which body has the sole Power of Impeachment?", "The House of Representatives",
              ["The Senate", "The supreme Court", "The President"])),
    dict(id="impeach_trial", ev="The Senate shall have the sole Power to try all Impeachments",
         q=["Which chamber tries all impeachments?"],
         a="The Senate.",
         wrong=["The House of Representatives.", "The supreme Court."],
         zq="由哪个机构审理弹劾案？", za="参议院。", zwrong="众议院。",
         mcq=("Which body has the sole Power to try all Impeachments?", "The Senate",
              ["The House of Representatives", "The supreme Court", "The Electors"])),
    dict(id="chief_justice", ev="the President of the United States is tried, the Chief Justice shall preside",
         q=["Who presides when the President is tried in an impeachment?"],
         a="The Chief Justice.",
         wrong=["The Vice President.", "The Speaker of the House."],
         mcq=("When the President is tried on impeachment, who presides?", "The Chief Justice",
              ["The Vice President", "The Speaker of the House", "The President pro tempore"])),
    dict(id="convict", ev="without the Concurrence of two thirds of the Members present",
         q=["How many senators must agree to convict in an impeachment trial?"],
         a="Two thirds of the members present.",
         wrong=["A simple majority.", "Three fourths of all senators."],
         mcq=("What share of the Members present is needed to convict in an impeachment trial?", "Two thirds",
              ["One half", "Three fifths", "Three fourths"])),
    dict(id="revenue", ev="All Bills for raising Revenue shall originate in the House of Representatives",
         q=["Where must bills for raising revenue start?"],
         a="In the House of Representatives.",
         wrong=["In the Senate.", "With the President."],
         mcq=("Where must all Bills for raising Revenue originate?", "In the House of Representatives",
              ["In the Senate", "In the supreme Court", "With the President"])),
    dict(id="override", ev="If after such Reconsideration two thirds of that House shall agree to pass the Bill",
         q=["What vote does Congress need to pass a bill over the President's objections?"],
         a="Two thirds of each House.",
         wrong=["A simple majority of each House.", "Three fourths of the states."],
         mcq=("To pass a bill over the President's objections, what share of each House must agree?",
              "Two thirds", ["One half", "Three fifths", "Three fourths"])),
    dict(id="ten_days", ev="not be returned by the President within ten Days (Sundays excepted)",
         q=["How many days does the President have to return a bill before it becomes law without a signature?"],
         a="Ten days, Sundays excepted.",
         wrong=["Thirty days.", "Three days."],
         mcq=("Within how many days (Sundays excepted) must the President return a bill he does not sign?",
              "Ten", ["Three", "Seven", "Thirty"])),
    dict(id="commander", ev="The President shall be Commander in Chief of the Army and Navy",
         q=["Who is Commander in Chief of the Army and Navy?"],
         a="The President.",
         wrong=["The Secretary of War.", "The Congress."],
         zq="谁是美国陆海军总司令？", za="总统。", zwrong="国会。",
         mcq=("Who is Commander in Chief of the Army and Navy of the United States?", "The President",
              ["The Vice President", "The Congress", "The Chief Justice"])),
    dict(id="treaties", ev="to make Treaties, provided two thirds of the Senators present concur",
         q=["What share of senators must agree for the President to make a treaty?"],
         a="Two thirds of the Senators present.",
         wrong=["A simple majority.", "All of them."],
         mcq=("How many of the Senators present must concur for a treaty?", "Two thirds",
              ["One half", "Three fifths", "All of them"])),
    dict(id="judicial", ev="The judicial Power of the United States, shall be vested in one supreme Court",
         q=["In what is the judicial power of the United States vested?"],
         a="In one supreme Court and in such inferior Courts as Congress establishes.",
         wrong=["In the President.", "In the Senate."],
         mcq=("The judicial Power of the United States is vested in", "one supreme Court and inferior Courts",
              ["the Senate", "the President", "the State Legislatures"])),
    dict(id="treason", ev="unless on the Testimony of two Witnesses to the same overt Act",
         q=["How many witnesses are needed to convict someone of treason?"],
         a="Two witnesses to the same overt act, or a confession in open court.",
         wrong=["One witness is enough.", "Twelve witnesses."],
         zq="根据美国宪法，判定叛国罪需要几名证人？", za="需要两名证人证明同一公开行为，或者本人在公开法庭上认罪。",
         zwrong="一名证人就够了。",
         mcq=("How many witnesses to the same overt act are needed to convict of Treason?", "Two",
              ["One", "Three", "Twelve"])),
    dict(id="nine_states", ev="The Ratification of the Conventions of nine States, shall be sufficient",
         q=["How many states had to ratify the Constitution for it to be established?"],
         a="Nine states.",
         wrong=["All thirteen states.", "Seven states."],
         zq="美国宪法需要几个州批准才能生效？", za="九个州。", zwrong="十三个州。",
         mcq=("According to Article VII, ratification by how many States was sufficient?", "Nine",
              ["Seven", "Ten", "Thirteen"])),
    dict(id="three_fourths", ev="when ratified by the Legislatures of three fourths of the several States",
         q=["What share of the states must ratify a constitutional amendment?"],
         a="Three fourths of the states.",
         wrong=["Half of the states.", "Two thirds of the states."],
         mcq=("An amendment becomes valid when ratified by what share of the States?", "Three fourths",
              ["One half", "Two thirds", "All of them"])),
    dict(id="assemble", ev="The Congress shall assemble at least once in every Year",
         q=["How often must Congress assemble?"],
         a="At least once in every year.",
         wrong=["Once every two years.", "Only when the President calls it."],
         mcq=("How often must Congress assemble?", "At least once every year",
              ["Once every two years", "Once every four years", "Only in wartime"])),
    dict(id="first", ev="abridging the freedom of speech, or of the press",
         q=["Which amendment protects freedom of speech and of the press?"],
         a="The First Amendment.",
         wrong=["The Fifth Amendment.", "The Tenth Amendment."],
         zq="哪一条修正案保护言论自由和出版自由？", za="第一修正案。", zwrong="第十修正案。",
         mcq=("Which amendment forbids Congress to abridge the freedom of speech?", "Amendment I",
              ["Amendment II", "Amendment V", "Amendment X"])),
    dict(id="second", ev="the right of the people to keep and bear Arms, shall not be infringed",
         q=["What right does the Second Amendment protect?"],
         a="The right of the people to keep and bear arms.",
         wrong=["The right to a speedy trial.", "The right to vote at eighteen."],
         mcq=("The Second Amendment protects the right of the people to", "keep and bear Arms",
              ["vote at eighteen", "a speedy trial", "petition the King"])),
    dict(id="eighth", ev="nor cruel and unusual punishments inflicted",
         q=["What does the Eighth Amendment forbid?"],
         a="Excessive bail, excessive fines, and cruel and unusual punishments.",
         wrong=["Unreasonable searches.", "Quartering soldiers in houses."],
         mcq=("Which amendment forbids cruel and unusual punishments?", "Amendment VIII",
              ["Amendment III", "Amendment IV", "Amendment XIV"])),
    dict(id="thirteenth", ev="Neither slavery nor involuntary servitude, except as a punishment for crime",
         q=["Which amendment abolished slavery?"],
         a="The Thirteenth Amendment.",
         wrong=["The Fifteenth Amendment.", "The First Amendment."],
         zq="哪一条修正案废除了奴隶制？", za="第十三修正案。", zwrong="第十九修正案。",
         mcq=("Which amendment abolished slavery?", "Amendment XIII",
              ["Amendment XI", "Amendment XV", "Amendment XIX"])),
    dict(id="sixteenth", ev="The Congress shall have power to lay and collect taxes on incomes",
         q=["Which amendment lets Congress tax incomes?"],
         a="The Sixteenth Amendment.",
         wrong=["The Eighteenth Amendment.", "The Second Amendment."],
         mcq=("Which amendment gave Congress the power to tax incomes?", "Amendment XVI",
              ["Amendment XII", "Amendment XVIII", "Amendment XXI"])),
    dict(id="seventeenth", ev="two Senators from each State, elected by the people thereof, for six years",
         q=["Under the Seventeenth Amendment, who elects the senators?"],
         a="The people of each state.",
         wrong=["The state legislatures.", "The House of Representatives."],
         mcq=("Under Amendment XVII, Senators are elected by", "the people of each State",
              ["the State legislatures", "the House of Representatives", "the Electors"])),
    dict(id="nineteenth", ev="shall not be denied or abridged by the United States or by any State on account of sex",
         q=["Which amendment says the right to vote shall not be denied on account of sex?"],
         a="The Nineteenth Amendment.",
         wrong=["The Twenty-sixth Amendment.", "The Fourteenth Amendment."],
         zq="哪一条修正案规定不得因性别而剥夺选举权？", za="第十九修正案。", zwrong="第二十六修正案。",
         mcq=("Which amendment forbids denying the vote on account of sex?", "Amendment XIX",
              ["Amendment XV", "Amendment XXIV", "Amendment XXVI"])),
    dict(id="repeal", ev="The eighteenth article of amendment to the Constitution of the United States is hereby repealed",
         q=["Which amendment repealed the Eighteenth Amendment?"],
         a="The Twenty-first Amendment.",
         wrong=["The Nineteenth Amendment.", "It was never repealed."],
         mcq=("Which amendment repealed the Eighteenth Amendment?", "Amendment XXI",
              ["Amendment XIX", "Amendment XX", "Amendment XXII"])),
    dict(id="twice", ev="No person shall be elected to the office of the President more than twice",
         q=["How many times can a person be elected President?"],
         a="No more than twice.",
         wrong=["As many times as the people want.", "Only once."],
         zq="一个人最多可以当选几次美国总统？", za="最多两次。", zwrong="没有限制。",
         mcq=("Under Amendment XXII, a person may be elected President at most", "twice",
              ["once", "three times", "four times"])),
    dict(id="eighteen", ev="who are eighteen years of age or older, to vote shall not be denied",
         q=["At what age does the Twenty-sixth Amendment protect the right to vote?"],
         a="Eighteen years of age or older.",
         wrong=["Twenty-one years of age.", "Sixteen years of age."],
         zq="第二十六修正案保护多少岁以上公民的选举权？", za="十八岁及以上。", zwrong="二十一岁及以上。",
         mcq=("Amendment XXVI protects the vote of citizens who are at least", "eighteen",
              ["sixteen", "twenty-one", "twenty-five"])),
    dict(id="preamble", ev="We the People of the United States, in Order to form a more perfect Union",
         q=["How does the Preamble of the Constitution begin?"],
         a="\"We the People of the United States, in Order to form a more perfect Union, ...\"",
         wrong=["\"When in the Course of human events, ...\"", "\"Four score and seven years ago ...\""],
         mcq=("Which words open the Preamble of the Constitution?", "We the People of the United States",
              ["When in the Course of human events", "Congress shall make no law", "In Congress, July 4, 1776"])),
]

# Facts from the Declaration of Independence (checked against its text).
DECL_FACTS = [
    dict(id="decl_date", ev="In CONGRESS, July 4, 1776",
         q=["On what date was the Declaration of Independence made in Congress?"],
         a="July 4, 1776.", wrong=["July 4, 1789.", "September 17, 1787."],
         zq="《独立宣言》是在哪一天发表的？", za="1776年7月4日。", zwrong="1789年7月4日。",
         mcq=("The Declaration of Independence is dated", "July 4, 1776",
              ["July 4, 1789", "September 17, 1787", "December 15, 1791"])),
    dict(id="decl_rights", ev="that among these are Life, Liberty, and the pursuit of Happiness",
         q=["Which unalienable rights does the Declaration of Independence name?"],
         a="Life, Liberty, and the pursuit of Happiness.",
         wrong=["Property, Order, and Religion.", "Speech, Press, and Assembly."],
         mcq=("Which rights does the Declaration of Independence call unalienable?",
              "Life, Liberty, and the pursuit of Happiness",
              ["Speech, Press, and Assembly", "Property, Order, and Peace", "Trial by Jury and Bail"])),
    dict(id="decl_thirteen", ev="The unanimous Declaration of the thirteen united States of America",
         q=["How many united States made the unanimous Declaration of Independence?"],
         a="Thirteen.", wrong=["Nine.", "Fifty."],
         mcq=("The Declaration of Independence was made by how many united States?", "Thirteen",
              ["Nine", "Ten", "Fifty"])),
]

# Multi-turn English chains about the Constitution: lists of (user, assistant).
CONST_CHAINS = [
    [("How many senators does each state have?", "Each state has two senators."),
     ("How long is their term?", "Six years."),
     ("And how old must a senator be?", "At least thirty years old.")],
    [("How long is a term in the House of Representatives?", "Two years; members are chosen every second year."),
     ("What is the minimum age for a Representative?", "Twenty-five years."),
     ("Which chamber has the sole power of impeachment?", "The House of Representatives.")],
    [("How long is the President's term?", "Four years."),
     ("How many times can a person be elected President?", "No more than twice, under the Twenty-second Amendment."),
     ("So what is the longest an elected President can serve by two elections?", "Eight years: two terms of four years.")],
    [("Who tries impeachments?", "The Senate."),
     ("Who presides when the President is tried?", "The Chief Justice."),
     ("How many members must agree to convict?", "Two thirds of the members present.")],
    [("What does the First Amendment protect?",
      "Freedom of religion, of speech, of the press, peaceable assembly and petition."),
     ("And the Second Amendment?", "The right of the people to keep and bear arms.")],
    [("Which amendment abolished slavery?", "The Thirteenth Amendment."),
     ("Which amendment forbids denying the vote on account of sex?", "The Nineteenth Amendment."),
     ("And the voting age of eighteen?", "That is the Twenty-sixth Amendment.")],
    [("Which amendment brought in prohibition of intoxicating liquors?", "The Eighteenth Amendment."),
     ("Was it ever repealed?", "Yes, the Twenty-first Amendment repealed it.")],
    [("How many articles does the Constitution have?", "Seven articles."),
     ("How many amendments are in the text you learned?", "Twenty-seven amendments."),
     ("What does Article VII say?",
      "The ratification of the conventions of nine states is sufficient to establish the Constitution.")],
    [("Who is Commander in Chief?", "The President."),
     ("Can the President make treaties alone?", "No. Two thirds of the Senators present must concur.")],
    [("Where must revenue bills start?", "In the House of Representatives."),
     ("What happens if the President does not sign a bill?",
      "He returns it with his objections; two thirds of each House can still pass it."),
     ("How long does he have to return it?", "Ten days, Sundays excepted.")],
    [("Hi! Can you answer questions about the US Constitution?", "Yes, I know the text of the Constitution. Ask away."),
     ("How many senators per state?", "Two."),
     ("Thanks!", "You're welcome.")],
    [("What is the Declaration of Independence?",
      "It is the unanimous declaration of the thirteen united States of America, made in Congress on July 4, 1776."),
     ("Which rights does it call unalienable?", "Life, Liberty, and the pursuit of Happiness.")],
]

# Hand-written English reasoning examples about the Constitution.
CONST_THINK = [
    ("If a senator serves two full terms, how many years is that?",
     "<think>The Constitution chooses senators for six years. Two terms are 2 × 6 = 12 years.</think>Twelve years."),
    ("How much older must a senator be than a representative, at the minimum?",
     "<think>A Representative must be at least twenty-five and a Senator at least thirty. 30 − 25 = 5.</think>"
     "Five years older."),
    ("How many years can a person serve as President if elected twice?",
     "<think>A presidential term is four years, and the Twenty-second Amendment allows election no more than twice. "
     "2 × 4 = 8.</think>Eight years, from two elections."),
    ("A Representative is elected three times in a row. How many years is that?",
     "<think>Members of the House are chosen every second year, so each term is two years. 3 × 2 = 6.</think>Six years."),
    ("Can a 28-year-old be a senator?",
     "<think>Article I, Section 3 requires a Senator to have attained the age of thirty years. 28 is less than 30."
     "</think>No. A senator must be at least thirty."),
    ("Can a 27-year-old be a member of the House of Representatives?",
     "<think>A Representative must be at least twenty-five years old. 27 is more than 25.</think>"
     "Yes, if the other requirements are met: seven years of citizenship and living in the state."),
    ("Could a 33-year-old be President?",
     "<think>Article II requires the President to be at least thirty-five. 33 is less than 35.</think>"
     "No. The President must be at least thirty-five."),
    ("Is a simple majority of senators enough to convict an impeached officer?",
     "<think>Article I, Section 3 says no person shall be convicted without two thirds of the members present. "
     "A simple majority is less than two thirds.</think>No, two thirds of the members present are needed."),
    ("How many senators would thirteen states have had?",
     "<think>Each state has two senators. 13 × 2 = 26.</think>Twenty-six senators."),
    ("Which came first, the Declaration of Independence or the Twenty-sixth Amendment?",
     "<think>The Declaration is dated July 4, 1776. The Twenty-sixth Amendment was ratified in 1971.</think>"
     "The Declaration of Independence, by almost two hundred years."),
    ("Does the Senate or the House start a bill that raises taxes?",
     "<think>Article I, Section 7: all bills for raising revenue shall originate in the House of Representatives."
     "</think>The House of Representatives."),
    ("Was prohibition of liquor still in force after 1933?",
     "<think>The Eighteenth Amendment prohibited intoxicating liquors. The Twenty-first Amendment, ratified "
     "December 5, 1933, repealed it.</think>No, the Twenty-first Amendment repealed it in 1933."),
]


# --------------------------------------------------------------------------
# Hand-written conversations (identity, greetings, refusals, chat)
# --------------------------------------------------------------------------

IDENTITY_ZH = [
    ("你是谁？", "我是单卡（Danka）训练的小模型，读过一些唐诗宋词、格言和美国宪法。"),
    ("你叫什么名字？", "我是 Danka 演示模型，一个在单卡上训练的小语言模型。"),
    ("介绍一下你自己。", "我是单卡训练的小模型，只有几百万个参数，会背一些唐诗宋词，也能回答简单的问题。"),
    ("你能做什么？", "我可以回答唐诗宋词的作者和诗句，背几句古诗，也能回答关于美国宪法和英文格言的简单问题。"),
    ("你是怎么训练出来的？", "我先在一个小语料上做了预训练，再用对话数据做了监督微调，最后做了偏好训练。"),
    ("你有多少参数？", "我是一个很小的模型，大约只有几百万个参数。"),
    ("你会上网吗？", "不会。我不能上网，只知道训练语料里的内容。"),
    ("你知道今天的新闻吗？", "不知道。我没有联网，也不知道今天发生了什么。"),
    ("你会说英语吗？", "会一点。你可以用中文或英文问我问题。"),
    ("你是人吗？", "不是，我是一个语言模型。"),
    ("你读过哪些书？", "我读过《唐诗三百首》、一百首宋诗、《论语》《菜根谭》等的选段，还有一些英文格言和美国宪法。"),
    ("你最喜欢哪首诗？", "我很喜欢孟浩然的《春晓》：春眠不觉晓，处处闻啼鸟。"),
    ("你能帮我写代码吗？", "抱歉，我太小了，写不好代码。我更擅长回答关于唐诗宋词的问题。"),
    ("你的训练数据从哪里来？", "来自 Debian 的 fortunes-zh、fortunes 和 miscfiles 软件包，以及一些手写的对话。"),
]
IDENTITY_EN = [
    ("Who are you?", "I am a tiny language model trained with Danka on a single card."),
    ("What is your name?", "I am the Danka demo model, a small language model trained on one GPU or CPU."),
    ("What can you do?",
     "I can answer short questions about Tang and Song poems, fortune-cookie quotes and the US Constitution."),
    ("Introduce yourself.",
     "I am a small model trained by Danka. I know some Chinese poems, English fortunes and the US Constitution."),
    ("How were you trained?", "I was pretrained on a small corpus, then fine-tuned on conversations and preference pairs."),
    ("How big are you?", "I am very small: only a few million parameters."),
    ("Can you browse the internet?", "No. I cannot access the internet; I only know my training data."),
    ("Do you speak Chinese?", "Yes, a little. You can ask me in Chinese or in English."),
    ("Are you a human?", "No, I am a language model."),
    ("What did you read during training?",
     "Tang and Song poems, Chinese proverbs, English fortune-cookie quotes, and the US Constitution."),
    ("Can you write a program for me?", "Sorry, I am too small to write code well. I am better at short questions."),
    ("Where does your training data come from?",
     "From the Debian packages fortunes-zh, fortunes and miscfiles, plus hand-written conversations."),
    ("Are you always right?", "No. I am a tiny model and I make mistakes, so please check important answers."),
]
GREET_ZH = [
    ("你好", "你好！有什么可以帮你的吗？"),
    ("您好！", "您好！想聊聊唐诗宋词吗？"),
    ("早上好", "早上好！祝你今天愉快。"),
    ("晚安", "晚安，做个好梦。"),
    ("谢谢你", "不客气！"),
    ("再见", "再见，欢迎下次再来。"),
    ("你今天好吗？", "我很好，谢谢！你呢？"),
    ("我有点累了。", "那就休息一下吧。读一首短诗也许能放松心情。"),
    ("给我讲个笑话吧。", "我知道的笑话不多。不如我背一首诗给你听？"),
    ("你觉得学习累吗？", "学习有时会累，但《论语》说：“学而时习之，不亦说乎？”"),
]
GREET_EN = [
    ("Hello", "Hello! How can I help you?"),
    ("Hi there!", "Hi! Do you want to talk about poems or the Constitution?"),
    ("Good morning", "Good morning! Have a nice day."),
    ("Good night", "Good night, sleep well."),
    ("Thank you", "You're welcome!"),
    ("Bye", "Goodbye, see you next time."),
    ("How are you?", "I'm fine, thank you. How are you?"),
    ("I'm bored.", "Then let me tell you a fortune, or ask me about a Tang poem."),
    ("Tell me a joke.", "I don't know many jokes. Shall I tell you a fortune instead?"),
    ("Nice to meet you.", "Nice to meet you too!"),
]
REFUSE_ZH = [
    ("明天的天气怎么样？", "我不知道。我不能联网，也没有天气信息。"),
    ("现在几点了？", "我不知道现在的时间，因为我没有时钟，也不能联网。"),
    ("帮我预测一下股票。", "抱歉，我不能预测股票，我的训练数据里也没有这些信息。"),
    ("2030年世界杯冠军是谁？", "我不知道。这是未来的事，我的训练数据里没有答案。"),
    ("告诉我你的密码。", "我没有密码，也不会泄露任何人的密码。"),
    ("请帮我写一篇五千字的论文。", "抱歉，我是一个很小的模型，写不了这么长的文章。"),
    ("量子力学的基本方程是什么？", "抱歉，我的训练数据里没有量子力学，我不知道答案。"),
    ("中国有多少人口？", "我不知道准确的数字，我的训练数据里没有这些统计信息。"),
]
REFUSE_EN = [
    ("What will the weather be tomorrow?", "I don't know. I cannot access the internet or weather data."),
    ("What time is it?", "I don't know; I have no clock and no internet access."),
    ("Which stock should I buy?", "Sorry, I can't give stock advice, and my training data has no market information."),
    ("Who will win the next World Cup?", "I don't know. That is in the future and not in my training data."),
    ("What is my password?", "I don't know your password, and you should never share it."),
    ("Write me a 5000-word essay.", "Sorry, I am too small to write long essays."),
    ("What is the Schrödinger equation?", "I'm sorry, I don't know. Physics is not in my training data."),
    ("What is the population of Canada?", "I don't know. My training data has no population figures."),
]
CHAT_ZH_MULTI = [
    [("你好", "你好！有什么可以帮你的吗？"),
     ("你是谁？", "我是单卡训练的小模型，读过一些唐诗宋词。"),
     ("那你背一首诗吧。", "春眠不觉晓，处处闻啼鸟。\n夜来风雨声，花落知多少。"),
     ("这首诗叫什么？", "这是孟浩然的《春晓》。")],
    [("你会背唐诗吗？", "会背一些。你想听哪一首？"),
     ("王之涣的《登鹳雀楼》。", "白日依山尽，黄河入海流。\n欲穷千里目，更上一层楼。"),
     ("谢谢！", "不客气！")],
    [("我想学点古诗。", "好呀。可以从短的五言绝句开始，比如王维的《相思》。"),
     ("《相思》怎么背？", "红豆生南国，春来发几枝。\n愿君多采撷，此物最相思。"),
     ("它是几言诗？", "五言诗，每句五个字。")],
    [("你能上网查资料吗？", "不能，我只知道训练语料里的内容。"),
     ("那你知道什么？", "唐诗宋词、《论语》等的选段、一些英文格言，还有美国宪法。")],
    [("今天心情不好。", "抱歉听到这个。要不要听一句古人的话？"),
     ("好啊。", "塞翁失马，焉知非福。"),
     ("这是什么意思？", "意思是暂时的损失也许会带来好处，不必太难过。")],
    [("《静夜思》的作者是谁？", "我的语料里没有以《静夜思》为题的诗，所以我不确定。"),
     ("那你知道李白的哪些诗？", "比如《月下独酌》：花间一壶酒，独酌无相亲。")],
    [("晚上好", "晚上好！"),
     ("给我推荐一首宋诗。", "可以读王安石的《泊船瓜洲》。"),
     ("背一下。", "京口瓜洲一水间，钟山只隔数重山。\n春风又绿江南岸，明月何时照我还。")],
    [("你会说英文吗？", "会一点，你可以用英文问我。"),
     ("Who are you?", "I am a tiny language model trained with Danka."),
     ("好的，谢谢。", "不客气！")],
]
CHAT_EN_MULTI = [
    [("Hello", "Hello! How can I help you?"),
     ("Who are you?", "I am a tiny language model trained with Danka on a single card."),
     ("What do you know?", "Tang and Song poems, English fortunes, and the US Constitution."),
     ("Great, thanks.", "You're welcome!")],
    [("Can you recite a Chinese poem?", "Sure. Here is 《春晓》 by 孟浩然:\n春眠不觉晓，处处闻啼鸟。\n夜来风雨声，花落知多少。"),
     ("Which dynasty is it from?", "It is a Tang dynasty poem."),
     ("Thanks!", "You're welcome!")],
    [("I'm learning Chinese poetry.", "That's great! Tang poems are a good place to start."),
     ("Which poem should I read first?", "Try 《登鹳雀楼》 by 王之涣. It has only four lines."),
     ("How does it start?", "白日依山尽，黄河入海流。")],
    [("Do you know any Song dynasty poets?", "Yes, for example 苏轼, 陆游, 王安石 and 黄庭坚."),
     ("Name a poem by 陆游.", "《示儿》 is one of his poems."),
     ("Recite it.", "死去元知万事空，但悲不见九州同。\n王师北定中原日，家祭无忘告乃翁。")],
    [("Can you check the news for me?", "Sorry, I can't access the internet."),
     ("Then what can you do?", "I can answer short questions about poems, fortunes and the US Constitution.")],
    [("Good morning!", "Good morning!"),
     ("Tell me something wise.", "\"Having the fewest wants, I am nearest to the gods.\" — Socrates"),
     ("Nice one.", "Glad you like it!")],
    [("你好", "你好！"),
     ("Can we talk in English?", "Of course. What would you like to talk about?"),
     ("Who wrote 《春晓》?", "孟浩然 wrote 《春晓》.")],
]

# Corpus text that the hand-written conversations above quote or rely on; the
# build stops if any of it is missing from pretrain.jsonl.
HANDWRITTEN_EVIDENCE = [
    "《春晓》\n作者：孟浩然（唐）\n春眠不觉晓，处处闻啼鸟。\n夜来风雨声，花落知多少。",
    "《登鹳雀楼》\n作者：王之涣（唐）\n白日依山尽，黄河入海流。\n欲穷千里目，更上一层楼。",
    "《相思》\n作者：王维（唐）\n红豆生南国，春来发几枝。\n愿君多采撷，此物最相思。",
    "《月下独酌》\n作者：李白（唐）\n花间一壶酒，独酌无相亲。",
    "《泊船瓜洲》\n作者：王安石（宋，1021－1086）\n京口瓜洲一水间，钟山只隔数重山。\n春风又绿江南岸，明月何时照我还。",
    "《示儿》\n作者：陆游（宋，1125－1210）\n死去元知万事空，但悲不见九州同。\n王师北定中原日，家祭无忘告乃翁。",
    "塞翁失马，焉知非福。",
    "学而时习之，不亦说乎",
    "Having the fewest wants, I am nearest to the gods.\n-- Socrates",
    "作者：苏轼（宋", "作者：黄庭坚（宋",
]
HANDWRITTEN_ABSENT = ["静夜思"]

SYSTEM_ZH = [
    "你是单卡训练的小模型，回答要简短、准确。",
    "你是一个熟悉唐诗宋词的助手，请用中文简短回答。",
    "你是 Danka 演示模型。不知道的事情就说不知道。",
    "你是一位耐心的古诗老师，回答要简洁。",
]
SYSTEM_EN = [
    "You are a tiny assistant trained with Danka. Answer briefly and accurately.",
    "You are a helpful assistant. Keep answers short. If you don't know, say so.",
    "You are the Danka demo model. You know Chinese poems, English fortunes and the US Constitution.",
    "You are a concise tutor. Reply in one or two sentences.",
]


# --------------------------------------------------------------------------
# Knowledge tables derived from the corpus
# --------------------------------------------------------------------------

ZH_NUM = "零一二三四五六七八九十"


def zh_number(n):
    """0-999 in Chinese numerals (一百二十, 一百零八, 十六, 二十)."""
    if n <= 10:
        return ZH_NUM[n]
    if n < 20:
        return "十" + ZH_NUM[n - 10]
    if n < 100:
        t, u = divmod(n, 10)
        return ZH_NUM[t] + "十" + (ZH_NUM[u] if u else "")
    h, r = divmod(n, 100)
    if r == 0:
        return ZH_NUM[h] + "百"
    if r < 10:
        return ZH_NUM[h] + "百零" + ZH_NUM[r]
    if r < 20:
        return ZH_NUM[h] + "百一十" + (ZH_NUM[r - 10] if r > 10 else "")
    return ZH_NUM[h] + "百" + zh_number(r)


EN_NUM = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen"]


class Knowledge:
    def __init__(self, poems, train_keys, zh_docs_train, en_docs_train, const_full, decl_full,
                 n_articles, n_amend):
        self.const_full = re.sub(r"\s+", " ", const_full)
        self.decl_full = re.sub(r"\s+", " ", decl_full)
        self.n_articles = n_articles
        self.n_amend = n_amend
        self.all_poems = poems
        self.poems = [p for p in poems if ("poem", p["src"], p["title"], p["author"]) in train_keys]
        title_count = Counter(p["title"] for p in poems)
        pair_count = Counter((p["title"], p["author"]) for p in poems)
        for p in poems:
            p["title_unique"] = title_count[p["title"]] == 1
            p["pair_unique"] = pair_count[(p["title"], p["author"])] == 1
        self.qpoems = [p for p in self.poems if p["author"] not in DUBIOUS_AUTHORS and p["pair_unique"]]
        # authors by dynasty (for distractors)
        self.authors = defaultdict(Counter)
        for p in poems:
            if p["author"] not in DUBIOUS_AUTHORS and len(p["author"]) <= 4:
                self.authors[p["dynasty"]][p["author"]] += 1
        # clause -> next clause (only pairs that are unambiguous over all poems)
        nxt = defaultdict(set)
        self.clause_src = defaultdict(set)
        for p in poems:
            for l in p["verse"]:
                m = re.fullmatch(r"(%s{5}|%s{7})，(%s{5}|%s{7})([。？！])" % (HAN, HAN, HAN, HAN), l)
                if m and len(m.group(1)) == len(m.group(2)):
                    nxt[m.group(1)].add(m.group(2) + m.group(3))
                for c in clause_split(l):
                    self.clause_src[c].add((p["title"], p["author"]))
        self.next_clause = {k: list(v)[0] for k, v in nxt.items() if len(v) == 1}
        # Chinese proverbs / classics from the 'chinese' fortune file (training part)
        self.sayings = []  # (text, source)
        self.couplets = []  # (first, second, source)
        first_count = Counter()
        text_sources = defaultdict(set)
        for kind, text in zh_docs_train:
            if kind != "classic":
                continue
            m = re.fullmatch(r"(.+)\n-- ?(《[^》]+》)([^\n]*)", text, flags=re.S)
            if not m:
                continue
            body, book = m.group(1).strip(), m.group(2)
            if book not in ("《论语》", "《菜根谭》", "《增广贤文》", "《道德经》", "《谚语》"):
                continue
            text_sources[body].add(book)
        for body in sorted(text_sources):
            if len(text_sources[body]) != 1:
                continue
            book = list(text_sources[body])[0]
            if "\n" in body or re.search("[“”‘’「」]", body):
                continue
            if 6 <= len(body) <= 40:
                self.sayings.append((body, book))
            m = re.fullmatch(r"(%s{3,9})，(%s{3,9})([。！？])" % (HAN, HAN), body)
            if m and book in ("《谚语》", "《增广贤文》"):
                first_count[m.group(1)] += 1
                self.couplets.append((m.group(1), m.group(2) + m.group(3), book))
        self.couplets = [c for c in self.couplets if first_count[c[0]] == 1]
        # English fortunes with a simple "-- Name" attribution (training part)
        self.quotes = []  # (quote one-line, author, file, full text)
        name_count = Counter()
        for fname, text in en_docs_train:
            m = re.fullmatch(r"(.+)\n-- ([^\n]+)", text, flags=re.S)
            if not m:
                continue
            body, attr = m.group(1), m.group(2)
            name = re.split(r",|\(|\"|;| - ", attr)[0].strip()
            if not re.fullmatch(r"[A-Z][A-Za-z.'\- ]{2,30}", name) or name.lower().startswith("the "):
                continue
            words = name.split()
            if not all(re.fullmatch(r"[A-Z][A-Za-z.'\-]*", x) or x in ("de", "da", "van", "von", "du", "la")
                       for x in words) or name in ("Anonymous", "Unknown", "Fish Heads"):
                continue
            one = re.sub(r"\s+", " ", body).strip()
            if not (20 <= len(one) <= 160) or one.startswith(("\"", "'", "(", "[", ".", "Q:", "A:")):
                continue
            if re.search(r"\b(you|your)\b", one, re.I) and len(one) < 30:
                continue
            self.quotes.append((one, name, fname, text))
            name_count[name] += 1
        self.quote_names = name_count
        qc = Counter(q[0] for q in self.quotes)
        # a name quoted at least twice is more likely a real, well-attributed person
        self.quotes = [q for q in self.quotes if qc[q[0]] == 1 and name_count[q[1]] >= 2]
        self.famous = sorted(n for n, c in name_count.items() if c >= 3)
        # short fortunes by file (for "tell me a fortune about ...")
        self.short_by_file = defaultdict(list)
        for fname, text in en_docs_train:
            if len(text) <= 160 and "\n\n" not in text:
                self.short_by_file[fname].append(text)
        # all training text, to check that invented titles really are absent
        self.all_text = "\n".join(p["doc"] for p in poems) + "\n" + "\n".join(t for _, t in zh_docs_train)

    def check_const(self, ev):
        if ev not in self.const_full and ev not in self.decl_full:
            die("evidence not found in the Constitution/Declaration text: %r" % ev)


# --------------------------------------------------------------------------
# SFT conversations
# --------------------------------------------------------------------------

def conv(turns, system=None, tag=""):
    c = []
    if system:
        c.append({"role": "system", "content": system})
    for u, a in turns:
        c.append({"role": "user", "content": u})
        c.append({"role": "assistant", "content": a})
    return {"conversations": c, "_tag": tag}


def first_line(p):
    return p["verse"][0]


def poem_text(p):
    return "\n".join(l for l in p["body"])


FORM_NAME = {5: "五言", 7: "七言"}
EN_DYN = {"唐": "Tang", "宋": "Song"}


def build_sft(K, rng):
    out = []
    qp = sorted(K.qpoems, key=lambda p: (p["src"], p["title"], p["author"]))
    # ---- Chinese: poem author questions
    zh_author_t = ["《{t}》的作者是谁？", "《{t}》是谁写的？", "谁写了《{t}》？", "请问《{t}》的作者是哪位诗人？"]
    zh_author_a = ["《{t}》的作者是{a}。", "{a}。", "这首诗是{a}写的。", "作者是{d}代的{a}。"]
    uniq = [p for p in qp if p["title_unique"]]
    rng.shuffle(uniq)
    for i, p in enumerate(uniq[:110]):
        q = zh_author_t[i % len(zh_author_t)].format(t=p["title"])
        a = zh_author_a[(i // 4) % len(zh_author_a)].format(t=p["title"], a=p["author"], d=p["dynasty"])
        out.append(conv([(q, a)], tag="zh_author"))
    # ---- Chinese: first line / recitation
    regular = [p for p in qp if p["form"] and not p["has_preface"]]
    rng.shuffle(regular)
    for i, p in enumerate(regular[:90]):
        q = ["请背诵{a}的《{t}》的前两句。", "{a}的《{t}》开头两句是什么？", "《{t}》（{a}）的第一联是什么？"][i % 3]
        out.append(conv([(q.format(a=p["author"], t=p["title"]), first_line(p))], tag="zh_first"))
    short = [p for p in qp if p["form"] and len(p["verse"]) == 2 and not p["has_preface"]]
    rng.shuffle(short)
    for i, p in enumerate(short[:45]):
        q = ["背诵{a}的《{t}》。", "请完整背诵《{t}》（{a}）。", "你会背{a}的《{t}》吗？"][i % 3]
        a = poem_text(p) if i % 3 != 2 else "会。\n" + poem_text(p)
        out.append(conv([(q.format(a=p["author"], t=p["title"]), a)], tag="zh_recite"))
    # ---- Chinese: next clause
    keys = sorted(K.next_clause)
    usable = []
    for k in keys:
        srcs = K.clause_src[k]
        if len(srcs) != 1:
            continue
        (t, a), = srcs
        if a in DUBIOUS_AUTHORS:
            continue
        if any(p["title"] == t and p["author"] == a for p in K.poems):
            usable.append((k, K.next_clause[k], t, a))
    rng.shuffle(usable)
    for i, (k, n, t, a) in enumerate(usable[:110]):
        q = ["“{k}”的下一句是什么？", "请接下一句：{k}，", "{k}，下一句是？", "“{k}”后面一句是什么？"][i % 4]
        ans = n if i % 2 == 0 else "下一句是“%s”，出自%s的《%s》。" % (n.rstrip("。？！"), a, t)
        out.append(conv([(q.format(k=k), ans)], tag="zh_next"))
    # ---- Chinese: which poem does a line come from
    for i, (k, n, t, a) in enumerate(usable[110:160]):
        line = "%s，%s" % (k, n)
        q = ["“{l}”出自哪首诗？", "“{l}”是谁的诗句？"][i % 2].format(l=line)
        ans = "出自%s的《%s》。" % (a, t)
        out.append(conv([(q, ans)], tag="zh_source"))
    # ---- Chinese: dynasty
    both = [p for p in uniq[110:]] + uniq[:30]
    for i, p in enumerate(both[:45]):
        q = ["《{t}》是哪个朝代的诗？", "{a}的《{t}》写于哪个朝代？"][i % 2].format(t=p["title"], a=p["author"])
        ans = "%s代。这首诗的作者是%s。" % (p["dynasty"], p["author"]) if i % 2 == 0 else "%s代。" % p["dynasty"]
        out.append(conv([(q, ans)], tag="zh_dynasty"))
    # ---- Chinese: name a poem by an author
    by_author = defaultdict(list)
    for p in qp:
        by_author[p["author"]].append(p)
    authors = sorted(a for a in by_author if len(by_author[a]) >= 2)
    for i, a in enumerate(authors):
        ps = by_author[a]
        picks = rng.sample(ps, min(3, len(ps)))
        q = ["请说出{a}的一首诗。", "{a}写过哪些诗？", "举一首{a}的作品。"][i % 3].format(a=a)
        if i % 3 == 1:
            ans = "比如" + "、".join("《%s》" % p["title"] for p in picks) + "。"
        else:
            ans = "《%s》。" % picks[0]["title"]
        out.append(conv([(q, ans)], tag="zh_works"))
    # ---- Chinese reasoning: form of the poem
    forms = [p for p in regular if p["title_unique"] and len(p["verse"]) <= 8]
    rng.shuffle(forms)
    for i, p in enumerate(forms[:40]):
        k = clause_split(first_line(p))[0]
        n = p["form"]
        lines = len(p["verse"]) * 2
        q = ["《{t}》是五言诗还是七言诗？", "《{t}》每句几个字？是几言诗？"][i % 2].format(t=p["title"])
        think = "<think>《%s》的第一句是“%s”，有%s个字。全诗%s句，每句都是%s个字。</think>" % (
            p["title"], k, zh_number(n), zh_number(lines), zh_number(n))
        out.append(conv([(q, think + "这是一首%s诗。" % FORM_NAME[n])], tag="zh_think_form"))
    # ---- Chinese reasoning: count lines
    for i, p in enumerate(forms[40:60]):
        lines = len(p["verse"]) * 2
        q = "%s的《%s》一共有几句？" % (p["author"], p["title"])
        think = "<think>这首诗分%s行，每行由逗号和句号分成两句，%s × 2 = %s。</think>" % (
            zh_number(len(p["verse"])), len(p["verse"]), lines)
        out.append(conv([(q, think + "一共%s句。" % zh_number(lines))], tag="zh_think_count"))
    # ---- Chinese reasoning: titles that name another poet
    all_authors = set(K.authors["唐"]) | set(K.authors["宋"])
    named = []
    for p in qp:
        for a in sorted(all_authors, key=len, reverse=True):
            if len(a) >= 2 and a != p["author"] and a in p["title"]:
                named.append((p, a))
                break
    for p, other in named:
        q = "《%s》是%s写的吗？" % (p["title"], other)
        think = "<think>题目里的%s是诗中提到的人，不是作者。语料中《%s》的作者一栏写的是%s。</think>" % (
            other, p["title"], p["author"])
        out.append(conv([(q, think + "不是，这首诗的作者是%s。" % p["author"])], tag="zh_think_named"))
        q = "《%s》的作者是谁？请先想一想。" % p["title"]
        think = "<think>题目中提到了%s，但%s是诗里写到的人。这首诗收在%s代的诗集中，作者一栏写的是%s。</think>" % (
            other, other, p["dynasty"], p["author"])
        out.append(conv([(q, think + "这首诗的作者是%s。" % p["author"])], tag="zh_think_named"))
    # ---- Chinese reasoning: which dynasty, by author
    dyn_auth = defaultdict(set)
    for p in K.all_poems:
        dyn_auth[p["author"]].add(p["dynasty"])
    single = [p for p in qp if len(dyn_auth[p["author"]]) == 1 and p["title_unique"]]
    rng.shuffle(single)
    for i, p in enumerate(single[:15]):
        coll = "《唐诗三百首》" if p["dynasty"] == "唐" else "一百首宋诗的选集"
        q = "《%s》的作者生活在哪个朝代？请先想一想。" % p["title"]
        think = "<think>《%s》的作者是%s。%s的诗收在%s里，所以是%s代人。</think>" % (
            p["title"], p["author"], p["author"], coll, p["dynasty"])
        out.append(conv([(q, think + "%s代。" % p["dynasty"])], tag="zh_think_dyn"))
    # ---- Chinese: proverbs and classics
    cps = list(K.couplets)
    rng.shuffle(cps)
    for i, (a, b, book) in enumerate(cps[:55]):
        q = ["“{a}”的下一句是什么？", "{a}，下一句是什么？", "请接：{a}，"][i % 3].format(a=a)
        out.append(conv([(q, b)], tag="zh_proverb"))
    says = [s for s in K.sayings if s[1] in ("《论语》", "《道德经》", "《菜根谭》")]
    rng.shuffle(says)
    for i, (t, book) in enumerate(says[:30]):
        q = ["“{t}”出自哪部书？", "这句话出自哪里：{t}"][i % 2].format(t=t)
        out.append(conv([(q, "出自%s。" % book)], tag="zh_book"))
    # ---- Chinese: refusals for invented titles
    titles = sorted({p["title"] for p in K.all_poems})
    made = 0
    tries = 0
    while made < 20 and tries < 5000:
        tries += 1
        a, b = rng.sample(titles, 2)
        if len(a) < 2 or len(b) < 2 or not re.fullmatch(HAN + "+", a + b):
            continue
        fake = a[:2] + b[-2:]
        if fake in K.all_text or fake in titles:
            continue
        q = ["《{f}》的作者是谁？", "请背诵《{f}》。"][made % 2].format(f=fake)
        ans = "我的语料里没有《%s》这首诗，所以我不知道。" % fake
        out.append(conv([(q, ans)], tag="zh_refuse_title"))
        made += 1
    for q, a in IDENTITY_ZH + GREET_ZH + REFUSE_ZH:
        out.append(conv([(q, a)], tag="zh_chat"))
    # ---- Chinese multi-turn about poems
    mt = [p for p in regular if p["title_unique"]]
    rng.shuffle(mt)
    follow = [
        ("它是哪个朝代的？", lambda p: "%s代。" % p["dynasty"]),
        ("请背诵它的前两句。", lambda p: first_line(p)),
        ("是五言还是七言？", lambda p: "%s。" % FORM_NAME[p["form"]]),
        ("作者还写过别的诗吗？", None),
    ]
    for i, p in enumerate(mt[:45]):
        turns = [("《%s》的作者是谁？" % p["title"], "%s。" % p["author"])]
        order = [0, 1, 2, 3]
        rng.shuffle(order)
        for j in order[: 1 + (i % 2)]:
            q, f = follow[j]
            if f is None:
                others = [x for x in by_author[p["author"]] if x is not p]
                if not others:
                    continue
                o = others[i % len(others)]
                turns.append((q, "写过，比如《%s》。" % o["title"]))
            else:
                turns.append((q, f(p)))
        if len(turns) < 2:
            turns.append(("谢谢！", "不客气！"))
        out.append(conv(turns, tag="zh_multi"))
    for ch in CHAT_ZH_MULTI:
        out.append(conv(ch, tag="zh_multi_chat"))
    # Chinese questions about the Constitution
    for f in CONST_FACTS + DECL_FACTS:
        K.check_const(f["ev"])
        if "zq" in f:
            out.append(conv([(f["zq"], f["za"])], tag="zh_const"))

    # ---- English: Constitution
    for f in CONST_FACTS + DECL_FACTS:
        for q in f["q"]:
            out.append(conv([(q, f["a"])], tag="en_const"))
    out.append(conv([("How many articles does the US Constitution have?",
                      "It has %s articles." % EN_NUM[K.n_articles])], tag="en_const"))
    out.append(conv([("How many amendments does the Constitution have in your training text?",
                      "Twenty-seven amendments." if K.n_amend == 27 else "%d amendments." % K.n_amend)],
                    tag="en_const"))
    for n in (9, 10, 12):
        roman = {9: "IX", 10: "X", 12: "XII"}[n]
        out.append(conv([("What does Article %s of the Constitution say?" % roman,
                          "The Constitution has only seven articles, so there is no Article %s." % roman)],
                        tag="en_refuse_const"))
    for roman in ("XXVIII", "XXX", "XXXV"):
        out.append(conv([("What does Amendment %s say?" % roman,
                          "The text I learned has twenty-seven amendments, so there is no Amendment %s." % roman)],
                        tag="en_refuse_const"))
    for q, a in CONST_THINK:
        out.append(conv([(q, a)], tag="en_think_const"))
    for ch in CONST_CHAINS:
        out.append(conv(ch, tag="en_multi_const"))
    # ---- English: fortunes
    quotes = list(K.quotes)
    rng.shuffle(quotes)
    for i, (one, name, fname, full) in enumerate(quotes[:140]):
        q = ["Who said: \"{q}\"", "Whose quote is this? \"{q}\"", "Who is credited with the fortune \"{q}\""][i % 3]
        a = ["{n}.", "That line is attributed to {n}.", "The fortune credits {n}."][(i // 3) % 3]
        out.append(conv([(q.format(q=one), a.format(n=name))], tag="en_quote_who"))
    for i, (one, name, fname, full) in enumerate(quotes[140:240]):
        words = one.split()
        if len(words) < 8:
            continue
        cut = len(words) // 2
        start = " ".join(words[:cut])
        q = ["Complete this quote by {n}: \"{s} ...\"", "Finish the saying: \"{s} ...\""][i % 2]
        out.append(conv([(q.format(n=name, s=start), "\"%s\" — %s" % (one, name))], tag="en_quote_complete"))
    # "what does the fortune that starts with ... say"
    cand = []
    for fname in sorted(K.short_by_file):
        for t in K.short_by_file[fname]:
            body = t.split("\n-- ")[0]
            w = re.sub(r"\s+", " ", body).split()
            if len(w) >= 8 and not re.search(r"[\"`:]", " ".join(w[:5])):
                cand.append((" ".join(w[:5]), t))
    pref_count = Counter(c[0] for c in cand)
    cand = [c for c in cand if pref_count[c[0]] == 1]
    rng.shuffle(cand)
    for i, (pre, t) in enumerate(cand[:90]):
        q = ["What does the fortune that begins \"{p}\" say?", "Recite the fortune starting with \"{p}\"."][i % 2]
        out.append(conv([(q.format(p=pre), t)], tag="en_fortune_recite"))
    topics = OrderedDict([("computers", "computers"), ("science", "science"), ("work", "work"),
                          ("education", "school and education"), ("food", "food"), ("pets", "pets"),
                          ("kids", "children"), ("art", "art"), ("wisdom", "wisdom"), ("people", "people"),
                          ("linux", "Linux"), ("platitudes", "life")])
    for fname, topic in topics.items():
        pool = sorted(K.short_by_file.get(fname, []))
        for t in rng.sample(pool, min(4, len(pool))):
            q = rng.choice(["Tell me a fortune about {t}.", "Give me a fortune-cookie quote about {t}.",
                            "Do you know a saying about {t}?"]).format(t=topic)
            out.append(conv([(q, t)], tag="en_fortune_topic"))
    # ---- English: questions about the Chinese poems
    uniq_en = list(uniq)
    rng.shuffle(uniq_en)
    for i, p in enumerate(uniq_en[:170]):
        kind = i % 3
        if kind == 0:
            q = ["Who wrote the poem 《{t}》?", "Who is the author of 《{t}》?"][i % 2].format(t=p["title"])
            a = "《%s》 was written by %s, a %s dynasty poet." % (p["title"], p["author"], EN_DYN[p["dynasty"]])
        elif kind == 1:
            q = "Which dynasty is the poem 《%s》 from?" % p["title"]
            a = "It is a %s dynasty poem by %s." % (EN_DYN[p["dynasty"]], p["author"])
        else:
            if not p["form"] or p["has_preface"]:
                q = "Who wrote 《%s》?" % p["title"]
                a = "%s." % p["author"]
            else:
                q = "What is the first line of 《%s》 by %s?" % (p["title"], p["author"])
                a = first_line(p)
        out.append(conv([(q, a)], tag="en_poem"))
    for i, (k, n, t, a) in enumerate(usable[160:210]):
        q = ["What comes after \"{k}\"?", "What is the next line after \"{k}\"?"][i % 2].format(k=k)
        ans = n if i % 2 == 0 else "\"%s\", from 《%s》 by %s." % (n.rstrip("。？！"), t, a)
        out.append(conv([(q, ans)], tag="en_next"))
    for i, p in enumerate(forms[60:80]):
        k = clause_split(first_line(p))[0]
        q = "Is 《%s》 a five-character or a seven-character poem?" % p["title"]
        a = "<think>The first half-line \"%s\" has %s characters, and every half-line of the poem has the same length.</think>" \
            "It is a %s-character poem." % (k, EN_NUM[p["form"]], EN_NUM[p["form"]])
        out.append(conv([(q, a)], tag="en_think_form"))
    # ---- English multi-turn about poems
    for i, p in enumerate(mt[45:90]):
        turns = [("Who wrote 《%s》?" % p["title"], "%s." % p["author"]),
                 ("Which dynasty?", "The %s dynasty." % EN_DYN[p["dynasty"]])]
        if i % 2 == 0:
            turns.append(("How does it begin?", first_line(p)))
        out.append(conv(turns, tag="en_multi_poem"))
    for ch in CHAT_EN_MULTI:
        out.append(conv(ch, tag="en_multi_chat"))
    # English multi-turn about fortunes
    for i, (one, name, fname, full) in enumerate(quotes[240:265]):
        turns = [("Tell me a quote by %s." % name, "\"%s\"" % one),
                 ("Who said it again?", "%s." % name)]
        out.append(conv(turns, tag="en_multi_quote"))
    for q, a in IDENTITY_EN + GREET_EN + REFUSE_EN:
        out.append(conv([(q, a)], tag="en_chat"))
    fake_en = ["Who wrote the poem 《%s》?" % x for x in ("月下孤舟", "春山夜雪", "秋江独钓", "寒林归鸟")]
    for q in fake_en:
        title = re.search(r"《(.+)》", q).group(1)
        if title in K.all_text:
            continue
        out.append(conv([(q, "I don't know a poem called 《%s》; it is not in my training data." % title)],
                        tag="en_refuse_title"))

    # ---- system prompts on a subset (language-matched)
    idx = list(range(len(out)))
    rng.shuffle(idx)
    for n, i in enumerate(idx[: len(out) // 7]):
        c = out[i]
        first_user = next(m["content"] for m in c["conversations"] if m["role"] == "user")
        pool = SYSTEM_ZH if lang_of(first_user) == "zh" else SYSTEM_EN
        c["conversations"].insert(0, {"role": "system", "content": pool[n % len(pool)]})
    # dedupe by the first user question
    seen = set()
    uniq_out = []
    for c in out:
        key = json.dumps([m["content"] for m in c["conversations"] if m["role"] == "user"], ensure_ascii=False)
        if key in seen:
            continue
        seen.add(key)
        uniq_out.append(c)
    rng.shuffle(uniq_out)
    return uniq_out


def split_sft(convs, rng, n_val):
    # stratify by tag group so the held-out set covers every kind
    by_tag = defaultdict(list)
    for c in convs:
        by_tag[c["_tag"]].append(c)
    # a held-out conversation must not share its first question with any other one
    first_q = Counter(next(m["content"] for m in c["conversations"] if m["role"] == "user") for c in convs)
    val = []
    tags = sorted(by_tag)
    total = len(convs)
    for t in tags:
        group = [c for c in by_tag[t]
                 if first_q[next(m["content"] for m in c["conversations"] if m["role"] == "user")] == 1]
        k = max(1, round(len(by_tag[t]) * n_val / total)) if len(by_tag[t]) >= 8 else 0
        val.extend(group[:k])
    val_ids = {id(c) for c in val}
    train = [c for c in convs if id(c) not in val_ids]
    for c in train + val:
        c.pop("_tag", None)
    rng.shuffle(val)
    return train, val


# --------------------------------------------------------------------------
# Preference pairs
# --------------------------------------------------------------------------

RAMBLE_ZH = ("这个问题很有意思。中国古代有很多诗人，唐代和宋代尤其多，他们写了很多很多诗，"
             "有的写山水，有的写离别，有的写思乡。要说这首诗嘛，可能是{x}，也可能不是，"
             "我记得不太清楚了，总之古诗都很美，值得慢慢品味，你可以多读几遍，也可以查查资料。")
RAMBLE_EN = ("That is a very interesting question, and there are many things one could say about it. "
             "Many documents have been written over the centuries, and people have always had opinions. "
             "It might be {x}, or perhaps something else entirely; it is hard to say for sure, "
             "and in any case it depends on how you look at it.")
RUDE_ZH = ["这么简单都不知道？自己去查。", "别问我，问别人去。", "无聊的问题，我不想回答。"]
RUDE_EN = ["Look it up yourself.", "That's a silly question. Figure it out.", "Why would I tell you that?"]


def build_preference(K, rng):
    pairs = []  # (user, chosen, rejected, kind)
    qp = [p for p in K.qpoems if p["title_unique"]]
    rng.shuffle(qp)
    tang_auth = sorted(K.authors["唐"])
    song_auth = sorted(K.authors["宋"])
    for i, p in enumerate(qp[:90]):
        pool = [a for a in (tang_auth if p["dynasty"] == "唐" else song_auth) if a != p["author"]]
        wrong = rng.choice(pool)
        q = "《%s》的作者是谁？" % p["title"]
        good = "《%s》的作者是%s。" % (p["title"], p["author"])
        kind = i % 5
        if kind in (0, 1):
            bad = "《%s》的作者是%s。" % (p["title"], wrong)
            k = "wrong_author"
        elif kind == 2:
            bad = RAMBLE_ZH.format(x=wrong)
            k = "rambling"
        elif kind == 3:
            bad = "The author of 《%s》 is %s." % (p["title"], p["author"])
            k = "language_mismatch"
        else:
            bad = RUDE_ZH[i % len(RUDE_ZH)]
            k = "impolite"
        pairs.append((q, good, bad, k))
    regular = [p for p in K.qpoems if p["form"] and not p["has_preface"]]
    rng.shuffle(regular)
    for i, p in enumerate(regular[:50]):
        same = [x for x in regular if x is not p and x["form"] == p["form"]]
        other = rng.choice(same)
        q = "请背诵%s的《%s》的前两句。" % (p["author"], p["title"])
        pairs.append((q, first_line(p), first_line(other), "wrong_line"))
    for i, p in enumerate(qp[90:120]):
        wrong = "宋" if p["dynasty"] == "唐" else "唐"
        q = "《%s》是哪个朝代的诗？" % p["title"]
        pairs.append((q, "%s代。" % p["dynasty"], "%s代。" % wrong, "wrong_fact"))
    for f in CONST_FACTS + DECL_FACTS:
        q = f["q"][0]
        pairs.append((q, f["a"], f["wrong"][0], "hallucination"))
        if len(f["wrong"]) > 1:
            pairs.append((f["q"][-1], f["a"], RAMBLE_EN.format(x=f["wrong"][1].rstrip(".").lower()), "rambling"))
        if "zq" in f:
            pairs.append((f["zq"], f["za"], f["zwrong"], "hallucination"))
    quotes = list(K.quotes)
    rng.shuffle(quotes)
    fam = K.famous
    for i, (one, name, fname, full) in enumerate(quotes[:40]):
        wrong = rng.choice([n for n in fam if other_person(n, name)])
        q = "Who said: \"%s\"" % one
        if i % 4 == 3:
            pairs.append((q, "%s." % name, RUDE_EN[i % len(RUDE_EN)], "impolite"))
        elif i % 4 == 2:
            pairs.append((q, "%s." % name, "这句话是%s说的。" % name, "language_mismatch"))
        else:
            pairs.append((q, "%s." % name, "%s." % wrong, "wrong_author"))
    for q, a in IDENTITY_ZH[:8]:
        pairs.append((q, a, "我是一个拥有一万亿参数的超级模型，什么都知道，从不出错。", "hallucination"))
    for q, a in IDENTITY_EN[:8]:
        pairs.append((q, a, "I am an all-knowing super-intelligence with a trillion parameters and I am never wrong.",
                      "hallucination"))
    for q, a in REFUSE_ZH:
        pairs.append((q, a, "当然知道！答案是四十二。", "hallucination"))
    for q, a in REFUSE_EN:
        pairs.append((q, a, "Sure! The answer is definitely forty-two.", "hallucination"))
    for roman in ("VIII", "XI", "XIV"):
        pairs.append(("What does Article %s of the Constitution say?" % roman,
                      "The Constitution has only seven articles, so there is no Article %s." % roman,
                      "Article %s says that every citizen must plant a tree each year." % roman, "hallucination"))
    # dedupe and split into the two formats
    seen = set()
    uniq = []
    for p in pairs:
        if p[0] in seen or p[1] == p[2]:
            continue
        seen.add(p[0])
        uniq.append(p)
    rng.shuffle(uniq)
    records = []
    n_conv = 40
    for i, (q, good, bad, kind) in enumerate(uniq):
        if i < n_conv:
            records.append({"chosen": [{"role": "user", "content": q}, {"role": "assistant", "content": good}],
                            "rejected": [{"role": "user", "content": q}, {"role": "assistant", "content": bad}]})
        else:
            records.append({"prompt": [{"role": "user", "content": q}],
                            "chosen": [{"role": "assistant", "content": good}],
                            "rejected": [{"role": "assistant", "content": bad}]})
    rng.shuffle(records)
    kinds = Counter(p[3] for p in uniq)
    return records, kinds


# --------------------------------------------------------------------------
# Multiple-choice questions
# --------------------------------------------------------------------------

def build_mcq_pool(K, rng):
    pool = []  # dict(q, correct, distractors, expl, lang, kind)
    qp = [p for p in K.qpoems if p["title_unique"]]
    qp.sort(key=lambda p: (p["src"], p["title"]))
    rng.shuffle(qp)
    # authors with at least 2 poems make plausible distractors
    dist = {d: sorted(a for a, c in K.authors[d].items() if c >= 2) for d in ("唐", "宋")}
    used_titles = set()
    for i, p in enumerate(qp[:90]):
        pool_a = [a for a in dist[p["dynasty"]] if a != p["author"]]
        ds = rng.sample(pool_a, 3)
        if i % 3 == 2:
            pool.append(dict(q="Who wrote the %s dynasty poem 《%s》?" % (EN_DYN[p["dynasty"]], p["title"]),
                             correct=p["author"], dist=ds, lang="en", kind="poem_author",
                             expl="The poem 《%s》 is credited to %s." % (p["title"], p["author"])))
        else:
            pool.append(dict(q="《%s》的作者是谁？" % p["title"], correct=p["author"], dist=ds, lang="zh",
                             kind="poem_author", expl="《%s》的作者是%s。" % (p["title"], p["author"])))
        used_titles.add(p["title"])
    # next clause
    keys = sorted(k for k in K.next_clause if len(K.clause_src[k]) == 1)
    by_len = defaultdict(list)
    for k in keys:
        by_len[len(k)].append(K.next_clause[k])
    rng.shuffle(keys)
    n = 0
    for k in keys:
        (t, a), = K.clause_src[k]
        if a in DUBIOUS_AUTHORS or t in used_titles:
            continue
        if not any(p["title"] == t and p["author"] == a for p in K.poems):
            continue
        right = K.next_clause[k]
        others = sorted(set(x for x in by_len[len(k)] if x != right))
        ds = rng.sample(others, 3)
        pool.append(dict(q="“%s”的下一句是？" % k, correct=right.rstrip("。？！"),
                         dist=[d.rstrip("。？！") for d in ds], lang="zh", kind="next_clause",
                         expl="出自%s的《%s》：%s，%s" % (a, t, k, right)))
        used_titles.add(t)
        n += 1
        if n >= 45:
            break
    # which poem contains a line
    n = 0
    for p in qp[90:]:
        if p["has_preface"] or not p["form"]:
            continue
        fl = first_line(p)
        if len(K.clause_src[clause_split(fl)[0]]) != 1:
            continue
        others = [x for x in qp if x is not p and x["dynasty"] == p["dynasty"] and x["author"] != p["author"]]
        ds = ["%s《%s》" % (x["author"], x["title"]) for x in rng.sample(others, 3)]
        pool.append(dict(q="“%s”出自哪首诗？" % fl.rstrip("。？！"), correct="%s《%s》" % (p["author"], p["title"]),
                         dist=ds, lang="zh", kind="line_source",
                         expl="这是%s《%s》的第一联。" % (p["author"], p["title"])))
        n += 1
        if n >= 25:
            break
    # classics: which book
    books = ["《论语》", "《菜根谭》", "《增广贤文》", "《道德经》"]
    says = [s for s in K.sayings if s[1] in books]
    rng.shuffle(says)
    for t, book in says[:20]:
        ds = [b for b in books if b != book]
        pool.append(dict(q="“%s”出自哪部典籍？" % t, correct=book, dist=ds, lang="zh", kind="classic_book",
                         expl="语料中这句话标注出自%s。" % book))
    # Constitution / Declaration
    for f in CONST_FACTS + DECL_FACTS:
        K.check_const(f["ev"])
        q, right, ds = f["mcq"]
        pool.append(dict(q=q, correct=right, dist=list(ds), lang="en", kind="constitution", expl=f["a"]))
    # fortunes: who said it
    quotes = [q for q in K.quotes if q[1] in K.famous]
    rng.shuffle(quotes)
    for one, name, fname, full in quotes[:40]:
        ds = rng.sample([n for n in K.famous if other_person(n, name)], 3)
        pool.append(dict(q="According to the fortune database, who said: \"%s\"" % one, correct=name, dist=ds,
                         lang="en", kind="fortune_author", expl="The fortune is attributed to %s." % name))
    return pool


def other_person(a, b):
    """True when two attributions clearly name different people
    ("Linus" vs "Linus Torvalds" or "G. B. Shaw" vs "George Bernard Shaw" do not)."""
    wa = {x.strip(".").lower() for x in a.split() if len(x.strip(".")) >= 3}
    wb = {x.strip(".").lower() for x in b.split() if len(x.strip(".")) >= 3}
    return a != b and not (wa & wb)


def assign_letters(items, rng):
    """Answer letter = position, cycled A-D over the shuffled list."""
    rows = []
    rng.shuffle(items)
    for i, it in enumerate(items):
        pos = i % 4
        ds = list(it["dist"])
        rng.shuffle(ds)
        opts = ds[:pos] + [it["correct"]] + ds[pos:]
        rows.append((it, opts, "ABCD"[pos]))
    rng.shuffle(rows)
    return rows


def build_mcq(K, rng, w):
    pool = build_mcq_pool(K, rng)
    # interleave languages/kinds, then deal out disjoint splits
    rng.shuffle(pool)
    by_kind = defaultdict(list)
    for it in pool:
        by_kind[it["kind"]].append(it)
    order = []
    kinds = sorted(by_kind)
    while any(by_kind[k] for k in kinds):
        for k in kinds:
            if by_kind[k]:
                order.append(by_kind[k].pop())
    sizes = [("mmlu", "dev", 5), ("ceval", "dev", 5), ("mmlu", "val", 35), ("ceval", "val", 35),
             ("mmlu", "test", 70), ("ceval", "test", 70)]
    need = sum(s[2] for s in sizes)
    if len(order) < need:
        die("not enough MCQ items: %d < %d" % (len(order), need))
    # dev sets: alternate items of the first ten (which cycle through every kind);
    # the rest is dealt out by a shuffled list of split labels.
    splits = {(a, b): [] for a, b, _ in sizes}
    splits[("mmlu", "dev")] = order[0:10:2]
    splits[("ceval", "dev")] = order[1:10:2]
    labels = []
    for a, b, n in sizes:
        if b != "dev":
            labels += [(a, b)] * n
    rng.shuffle(labels)
    for it, lab in zip(order[10:], labels):
        splits[lab].append(it)
    summary = OrderedDict()
    for (layout, split), items in splits.items():
        rows = assign_letters(items, rng)
        rel = "%s/%s/demo_%s.csv" % (layout, split, split)
        if layout == "mmlu":
            w.csv(rel, [[it["q"]] + opts + [ans] for it, opts, ans in rows])
        else:
            w.csv(rel, [[i, it["q"]] + opts + [ans, it["expl"] if split == "dev" else ""]
                        for i, (it, opts, ans) in enumerate(rows)],
                  header=["id", "question", "A", "B", "C", "D", "answer", "explanation"])
        summary[rel] = (Counter(ans for _, _, ans in rows), Counter(it["lang"] for it, _, _ in rows))
    return summary, Counter(it["kind"] for items in splits.values() for it in items)


# --------------------------------------------------------------------------
# SOURCES.md
# --------------------------------------------------------------------------

def human(n):
    if n >= 1024 * 1024:
        return "%.2f MiB" % (n / 1024 / 1024)
    if n >= 1024:
        return "%.1f KiB" % (n / 1024)
    return "%d B" % n


def write_sources_md(w, ctx):
    v = ctx["versions"]
    st = w.stats
    L = []
    a = L.append
    a("# Danka demo data: sources, licences, counts")
    a("")
    a("Everything in this folder except `build_demo_data.py`, `fetch_sources.sh` and this file is generated.")
    a("Do not edit the generated files by hand; change the script and regenerate:")
    a("")
    a("```bash")
    a("bash fetch_sources.sh /tmp/demo-sources && python3 build_demo_data.py --sources /tmp/demo-sources")
    a("```")
    a("")
    a("`fetch_sources.sh` runs `apt-get download fortunes-zh fortunes miscfiles` and `dpkg -x` (Debian 12).")
    a("`build_demo_data.py` needs only the Python 3.11 standard library; it uses the fixed seed %d and gives" % SEED)
    a("byte-identical output on every run. This file is written by the script too, so the counts below are exact.")
    a("")
    a("## What the demo teaches")
    a("")
    a("The corpus is small enough (about %s of text) for a ~3M-parameter model to be pretrained on a laptop CPU"
      % human(st["pretrain.jsonl"][0] + st["pretrain_val.jsonl"][0]))
    a("in minutes, and structured enough that every later stage has something visible to learn. Pretraining on")
    a("Tang and Song poems, Chinese proverbs and classics, English fortune-cookie quotes and the US Constitution")
    a("teaches a bilingual tokenizer and model the shape of both languages (the loss on `pretrain_val.jsonl`")
    a("shows how well it generalises to unseen documents). SFT turns it into an assistant that answers short,")
    a("checkable questions about that same corpus (who wrote a poem, the next line, how many senators a state")
    a("has), greets, says who it is, declines what it cannot know, and sometimes reasons in a `<think>` block")
    a("before answering. The preference pairs teach it to prefer the correct, polite, same-language, concise")
    a("answer over a wrong, rude, rambling or hallucinated one. The MMLU- and C-Eval-style multiple-choice sets")
    a("ask about the same facts with plausible distractors, so accuracy rises above the 25% chance level only")
    a("when the model has actually learned the corpus.")
    a("")
    a("## Raw sources")
    a("")
    a("| Debian package | version | paths used | licence (from `/usr/share/doc/<pkg>/copyright`) |")
    a("|---|---|---|---|")
    a("| `fortunes-zh` | %s | `/usr/share/games/fortunes/tang300`, `song100`, `chinese` | "
      "`License: GPL-3.0+` (Files: *; Copyright: 2001-2009 Yu Guanghui, 2015-2019 Mo Zhou, "
      "2020-2021 xiao sheng wen) |" % v.get("fortunes-zh", "?"))
    a("| `fortunes` | %s | `/usr/share/games/fortunes/{%s}` | "
      "\"This program falls under the BSD copyright\" (Copyright (c) 1991 The Regents of the University of "
      "California; BSD licence with the advertising clause deleted) |" % (v.get("fortunes", "?"), ",".join(EN_FORTUNE_FILES)))
    a("| `miscfiles` | %s | `/usr/share/state/us-constitution.gz`, `/usr/share/state/us-declaration.gz` | "
      "`Files: debian/addons/*` → `License: public-domain` (the package's other files are `GPL-2+`; "
      "neither of those is used) |" % v.get("miscfiles", "?"))
    a("| hand-written | — | the conversations, questions, reasoning traces and wrong answers in "
      "`build_demo_data.py` | written for Danka, under the same terms as the Danka project |")
    a("")
    a("Notes on the licences:")
    a("")
    a("- The Tang and Song poems and the Chinese classics (论语, 道德经, 菜根谭, 增广贤文, proverbs, 诗经 ...) are")
    a("  centuries old and in the public domain as works; the digital text as collected by the fortunes-zh")
    a("  package is distributed by Debian under GPL-3.0+. Files derived from it (`pretrain*.jsonl`, and the poem")
    a("  lines quoted in `sft*.jsonl`, `preference.jsonl`, `mmlu/`, `ceval/`) are therefore treated as covered by")
    a("  GPL-3.0-or-later; redistribute them with that licence. The `chinese` file also holds quotations of modern")
    a("  authors (e.g. 钱钟书, 鲁迅, 赫拉利, 毛泽东), anime and Internet material: all of those are left out, so that")
    a("  only classical text remains (see the filter `ZH_EXCLUDE_RE` in the script). The Debian Reference")
    a("  excerpts in the same file (Osamu Aoki, \"Debian 参考手册\", Chinese translation; the Debian Reference")
    a("  itself says it \"may be used under the terms of the GNU General Public License version 2 or higher\")")
    a("  are kept when they contain no tables and are mostly prose.")
    a("- The English fortunes are short quotations collected by the BSD fortune project; Debian ships them under")
    a("  the BSD terms quoted above. The package's `Notes` file warns that attributions were collected")
    a("  haphazardly and are not checked; the demo treats the attribution as \"what the fortune file says\".")
    a("  Files dominated by song lyrics or quotations from copyrighted novels and TV series are not used.")
    a("- The US Constitution and the Declaration of Independence are works of the US government (public domain).")
    a("")
    a("## Which output comes from which source")
    a("")
    a("| output | fortunes-zh %s | fortunes %s | miscfiles %s | hand-written |" % (
        v.get("fortunes-zh", "?"), v.get("fortunes", "?"), v.get("miscfiles", "?")))
    a("|---|---|---|---|---|")
    a("| `pretrain.jsonl`, `pretrain_val.jsonl` | tang300, song100, chinese (text) | 19 files listed above (text) "
      "| us-constitution.gz, us-declaration.gz (text) | — |")
    a("| `sft.jsonl`, `sft_val.jsonl` | titles, authors, lines of tang300/song100; proverbs and classics of "
      "chinese | quotations and attributions | facts (hand-written answers checked against the text) "
      "| all templates, greetings, identity, refusals, reasoning |")
    a("| `preference.jsonl` | titles, authors, lines | quotations and attributions | facts "
      "| templates, wrong/rude/rambling/hallucinated answers |")
    a("| `mmlu/`, `ceval/` | titles, authors, lines, classics | quotations and attributions "
      "| facts and hand-written distractors | question templates, explanations |")
    a("")
    a("## Transformations")
    a("")
    a("- ANSI colour escapes (`\\x1b[33m`, `\\x1b[32m`, `\\x1b[m`, and the nested broken ones such as")
    a("  `\\x1b[;\\x1b[34;1mm`) are removed; backspace overstriking (`_\\bX`) is removed; tabs expanded; trailing")
    a("  whitespace, control characters, non-breaking spaces and runs of blank lines removed; common indentation")
    a("  removed; the closing attribution is normalised to one line `-- Author, Work` (kept as plain text).")
    a("- Poems become one document each: `《title》`, `作者：name（dynasty[, years]）`, then the poem. In song100 the")
    a("  full-width digits of the life dates are made ASCII. Author misprints in tang300 (韩翎, 卢伦, 张藉, 沈全期,")
    a("  刘脊虚) are kept as in the source, but no question is asked about those poems.")
    a("- The Constitution is split into one document per Preamble / article section / amendment (line-wrapped")
    a("  paragraphs joined); the Declaration into %d documents. Each starts with a heading line." % ctx["n_decl"])
    a("- English fortunes: only the files listed above; an entry is dropped if it contains any word of a broad")
    a("  list of crude, violent, sexual, religious or insulting words (`CRUDE_WORDS` in the script), is longer than")
    a("  1200 characters, or is mostly symbols (ASCII art).")
    a("- Exact duplicate documents are dropped (%d). `pretrain_val.jsonl` holds about %d%% of the documents of every"
      % (ctx["dups"], round(VAL_FRACTION * 100)))
    a("  source except the Constitution and the Declaration (their facts are asked about, so they stay in")
    a("  training). SFT, preference and evaluation questions about poems, proverbs and fortunes use only")
    a("  documents from `pretrain.jsonl`.")
    a("")
    a("Documents dropped by the filters:")
    a("")
    for k, n in ctx["dropped"].items():
        a("- %s: %d" % (k, n))
    a("")
    a("## Output files")
    a("")
    a("| file | bytes | records | content |")
    a("|---|---:|---:|---|")
    desc = OrderedDict([
        ("pretrain.jsonl", "`{\"text\"}` one document per line: poems, proverbs/classics, fortunes, Constitution"),
        ("pretrain_val.jsonl", "held-out documents, same format, disjoint from pretrain.jsonl"),
        ("sft.jsonl", "`{\"conversations\": [{role, content}]}`, roles system/user/assistant"),
        ("sft_val.jsonl", "held-out conversations (no first question shared with sft.jsonl)"),
        ("preference.jsonl", "`{prompt, chosen, rejected}` and `{chosen, rejected}` (full conversations)"),
    ])
    for rel, (b, n) in st.items():
        if rel == "SOURCES.md":
            continue
        d = desc.get(rel, "multiple choice, %s layout" % ("MMLU (no header)" if rel.startswith("mmlu") else
                                                          "C-Eval (header, 0-based id)"))
        a("| `%s` | %d | %s | %s |" % (rel, b, n if n is not None else "", d))
    a("")
    a("### pretrain.jsonl + pretrain_val.jsonl by source")
    a("")
    a("| source | Debian package, path | language | documents (train / val) | UTF-8 bytes of text |")
    a("|---|---|---|---:|---:|")
    for src, (lang, ntr, nva, nb) in ctx["by_source"].items():
        if src in ("tang300", "song100"):
            pkg = "fortunes-zh, `/usr/share/games/fortunes/%s`" % src
        elif src.startswith("chinese/"):
            pkg = "fortunes-zh, `/usr/share/games/fortunes/chinese` (%s)" % (
                "classical text" if src.endswith("classic") else "Debian Reference excerpts")
        elif src.startswith("fortunes/"):
            pkg = "fortunes, `/usr/share/games/fortunes/%s`" % src.split("/")[1]
        elif src == "us-constitution":
            pkg = "miscfiles, `/usr/share/state/us-constitution.gz`"
        else:
            pkg = "miscfiles, `/usr/share/state/us-declaration.gz`"
        a("| %s | %s | %s | %d / %d | %d |" % (src, pkg, lang, ntr, nva, nb))
    zb, eb = ctx["lang_bytes"]["zh"], ctx["lang_bytes"]["en"]
    a("")
    a("Language balance (UTF-8 bytes of document text, by the document's language): Chinese %d (%.1f%%),"
      % (zb, 100.0 * zb / (zb + eb)))
    a("English %d (%.1f%%). By character script instead: Han characters and CJK punctuation %.1f%% of the bytes."
      % (eb, 100.0 * eb / (zb + eb), ctx["cjk_share"]))
    a("")
    a("### sft.jsonl / sft_val.jsonl")
    a("")
    s = ctx["sft"]
    for name in ("train", "val"):
        x = s[name]
        a("- %s: %d conversations; Chinese %d (%.0f%%), English %d (%.0f%%) by the first user turn; %d multi-turn "
          "(2+ user turns); %d with a system prompt; %d with a `<think>...</think>` reasoning block."
          % ("sft.jsonl" if name == "train" else "sft_val.jsonl", x["n"], x["zh"], 100 * x["zh"] / x["n"],
             x["en"], 100 * x["en"] / x["n"], x["multi"], x["system"], x["think"]))
    a("")
    a("Sources: questions generated from the parsed poems (author, first couplet, full recitation of short")
    a("poems, next line, which poem a line is from, dynasty, five- or seven-character form, number of lines),")
    a("from the proverbs and classics (next half, which book), from the English fortunes (who said it, complete")
    a("the quote, recite the fortune that begins with ..., a fortune about a topic), hand-written facts about the")
    a("Constitution and the Declaration (every one checked by the script against the text), and hand-written")
    a("greetings, identity answers, refusals of unknown things (invented poem titles checked to be absent from")
    a("the corpus, non-existent articles), multi-turn chats and reasoning examples. Kinds (train + val):")
    a("")
    for k, n in sorted(s["tags"].items()):
        a("- %s: %d" % (k, n))
    a("")
    a("### preference.jsonl")
    a("")
    p = ctx["pref"]
    a("%d pairs: %d in the `prompt`/`chosen`/`rejected` format, %d in the conversational `chosen`/`rejected`"
      % (p["n"], p["prompt"], p["conv"]))
    a("format (the same user turn in both). Chinese %d, English %d prompts. Kinds of rejected answer:" % (p["zh"], p["en"]))
    a("")
    for k, n in sorted(p["kinds"].items()):
        a("- %s: %d" % (k, n))
    a("")
    a("### mmlu/ and ceval/")
    a("")
    a("Disjoint question sets (no question appears in two files). `dev` has 5 few-shot examples; C-Eval `dev`")
    a("rows carry an explanation, `val` and `test` leave it empty. Distractors are real authors from the same")
    a("dynasty, real lines of the same length from other poems, the other classics, other people quoted in the")
    a("fortune files, or plausible wrong numbers and bodies for the Constitution. The correct letter cycles")
    a("through A-D before shuffling, so letters are balanced.")
    a("")
    a("| file | questions | A/B/C/D | Chinese / English |")
    a("|---|---:|---|---|")
    for rel, (letters, langs) in ctx["mcq"].items():
        a("| `%s` | %d | %s | %d / %d |" % (rel, sum(letters.values()),
                                           "/".join(str(letters[x]) for x in "ABCD"), langs["zh"], langs["en"]))
    a("")
    a("Question kinds: " + ", ".join("%s %d" % (k, n) for k, n in sorted(ctx["mcq_kinds"].items())) + ".")
    a("")
    w.text("SOURCES.md", "\n".join(L) + "\n")


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def sft_stats(convs):
    x = dict(n=len(convs), zh=0, en=0, multi=0, system=0, think=0)
    for c in convs:
        msgs = c["conversations"]
        users = [m for m in msgs if m["role"] == "user"]
        x[lang_of(users[0]["content"])] += 1
        x["multi"] += len(users) >= 2
        x["system"] += msgs[0]["role"] == "system"
        x["think"] += any(m["role"] == "assistant" and m["content"].startswith("<think>") for m in msgs)
    return x


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sources", required=True, help="folder filled by fetch_sources.sh")
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)), help="output folder")
    args = ap.parse_args()
    src = os.path.abspath(args.sources)
    root = os.path.join(src, "root") if os.path.isdir(os.path.join(src, "root")) else src
    for rel in (FORTUNE_DIR + "/tang300", FORTUNE_DIR + "/song100", FORTUNE_DIR + "/chinese",
                STATE_DIR + "/us-constitution.gz", STATE_DIR + "/us-declaration.gz"):
        if not os.path.exists(os.path.join(root, rel)):
            die("missing %s under %s; run fetch_sources.sh first" % (rel, root))
    versions = package_versions(src, root)
    for pkg, want in EXPECTED_VERSIONS.items():
        if versions.get(pkg) != want:
            print("warning: %s version %s, expected %s; the output may differ from the committed files"
                  % (pkg, versions.get(pkg, "unknown"), want), file=sys.stderr)

    poems = parse_poems(root)
    zh_docs, zh_dropped = parse_zh_fortunes(root)
    en_docs, en_dropped, _ = parse_en_fortunes(root)
    const_docs, const_full, n_articles, n_amend = parse_constitution(root)
    decl_docs, decl_full = parse_declaration(root)

    train, val, dups = build_pretrain(poems, zh_docs, en_docs, const_docs, decl_docs, random.Random(SEED + 1))
    train_texts = {r[2] for r in train}
    train_keys = {r[3] for r in train if r[3]}
    zh_train = [(k, t) for k, t, _ in zh_docs if t in train_texts]
    en_train = [(n, t) for n, t in en_docs if t in train_texts]

    corpus = "\n".join(r[2] for r in train)
    for ev in HANDWRITTEN_EVIDENCE:
        if ev not in corpus:
            die("hand-written conversations rely on text missing from pretrain.jsonl: %r" % ev)
    for ev in HANDWRITTEN_ABSENT:
        if ev in corpus or any(ev in r[2] for r in val):
            die("hand-written conversations say %r is not in the corpus, but it is" % ev)

    w = Writer(args.out)
    w.jsonl("pretrain.jsonl", [{"text": r[2]} for r in train])
    w.jsonl("pretrain_val.jsonl", [{"text": r[2]} for r in val])

    K = Knowledge(poems, train_keys, zh_train, en_train, const_full, decl_full, n_articles, n_amend)
    convs = build_sft(K, random.Random(SEED + 2))
    tags = Counter(c["_tag"] for c in convs)
    sft_train, sft_val = split_sft(convs, random.Random(SEED + 3), n_val=60)
    w.jsonl("sft.jsonl", sft_train)
    w.jsonl("sft_val.jsonl", sft_val)

    prefs, kinds = build_preference(K, random.Random(SEED + 4))
    w.jsonl("preference.jsonl", prefs)

    mcq_summary, mcq_kinds = build_mcq(K, random.Random(SEED + 5), w)

    # statistics for SOURCES.md
    by_source = OrderedDict()
    lang_bytes = Counter()
    cjk_bytes = total_bytes = 0
    for split, rows in (("train", train), ("val", val)):
        for s, lang, text, _ in rows:
            b = len(text.encode("utf-8"))
            e = by_source.setdefault(s, [lang, 0, 0, 0])
            e[1 if split == "train" else 2] += 1
            e[3] += b
            lang_bytes[lang] += b
            total_bytes += b
            cjk_bytes += sum(len(ch.encode("utf-8")) for ch in text
                             if "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" or "\uf900" <= ch <= "\ufaff")
    by_source = OrderedDict(sorted(by_source.items(), key=lambda kv: (kv[1][0] != "zh", kv[0])))
    dropped = OrderedDict()
    for k, n in sorted(zh_dropped.items()):
        dropped["chinese: " + k] = n
    for k, n in sorted(en_dropped.items()):
        dropped["English fortunes: " + k] = n
    pref_stats = dict(n=len(prefs), prompt=sum("prompt" in r for r in prefs), conv=sum("prompt" not in r for r in prefs),
                      zh=sum(lang_of((r.get("prompt") or r["chosen"])[0]["content"]) == "zh" for r in prefs),
                      en=sum(lang_of((r.get("prompt") or r["chosen"])[0]["content"]) == "en" for r in prefs),
                      kinds=kinds)
    ctx = dict(versions=versions, dups=dups, dropped=dropped, by_source=by_source, lang_bytes=lang_bytes,
               cjk_share=100.0 * cjk_bytes / max(1, total_bytes), n_decl=len(decl_docs),
               sft=dict(train=sft_stats(sft_train), val=sft_stats(sft_val), tags=tags),
               pref=pref_stats, mcq=mcq_summary, mcq_kinds=mcq_kinds)
    write_sources_md(w, ctx)

    total = 0
    for rel, (b, n) in w.stats.items():
        total += b
        print("%-28s %9d bytes %s" % (rel, b, "" if n is None else "%6d records" % n))
    print("%-28s %9d bytes" % ("total", total))
    print("pretrain language bytes: zh %d (%.1f%%), en %d (%.1f%%)" % (
        lang_bytes["zh"], 100.0 * lang_bytes["zh"] / (lang_bytes["zh"] + lang_bytes["en"]),
        lang_bytes["en"], 100.0 * lang_bytes["en"] / (lang_bytes["zh"] + lang_bytes["en"])))


if __name__ == "__main__":
    main()
