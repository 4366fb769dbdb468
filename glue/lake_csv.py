"""Reading CSV exports exactly as the local pipeline does (src/pipeline/decode.ts, sniff.ts, records.ts).

Standard library only, so the Glue transform job and its tests share it: bytes in, records out.
Every behaviour mirrors the TypeScript it names, so a file loads into the same rows, lines and
reasons on AWS as locally:

- bytes: gzip is decompressed; UTF-16 (by its BOM or its zero bytes) is transcoded to UTF-8; an
  8-bit file is UTF-8 until a line is not valid UTF-8, then Windows-1252 (Latin-1 where it has no
  C1 characters), line by line (LineDecoder). A byte no encoding can read quarantines its record
  with the line and the byte, never the whole file;
- the header and delimiter come from the first MiB (sniff): quote-aware delimiter detection over
  the first lines, headers mapped through the contract, a duplicate, missing required or all-unknown
  header fails the load with the local message;
- records (RecordReader): RFC 4180 quoting, CRLF / LF / lone CR line breaks, bounded work per
  record; an unterminated quote refuses its first line and the lines after it are read on their
  own; ragged rows, a repeated header, a byte-order mark mid-file, NUL bytes and undecodable bytes
  are structure problems, each with its line, a bounded reason and the record's text.
"""
import gzip
import json
import re
import unicodedata
import zlib

MAX_RECORD_BYTES = 1 << 20
MAX_STORED_TEXT = 4096
SAMPLE_BYTES = 1 << 20
# Raw bytes to read for a sample of SAMPLE_BYTES of 8-bit text (UTF-16 doubles, gzip compresses).
SNIFF_BYTES = 4 * SAMPLE_BYTES
DELIMITERS = [",", ";", "\t", "|"]

LF, CR, QUOTE, NUL = 0x0A, 0x0D, 0x22, 0x00
BOM = b"\xef\xbb\xbf"

# JavaScript's String.prototype.trim and /\s/: Unicode spaces, line terminators and U+FEFF.
JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_HEADER_SEPARATORS = re.compile("[" + re.escape(JS_SPACE) + r".\-]+")
_HEADER_QUOTES = re.compile("^[" + re.escape(JS_SPACE) + ']*"|"[' + re.escape(JS_SPACE) + "]*$")
_LINE_BREAK = re.compile(r"\r\n|\n|\r")

# Windows-1252 at 0x80..0x9F (Latin-1 has control codes there); None: the five bytes it leaves unassigned.
CP1252_C1 = [
    0x20AC, None, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, None, 0x017D, None,
    None, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, None, 0x017E, 0x0178,
]


class ExportError(Exception):
    """An export the user must fix (LakeInputError locally): the message names the file and says how."""

    def __init__(self, message, problems=()):
        self.problems = list(problems)
        super().__init__(message + "".join(f"\n  - {p}" for p in self.problems))


def js_trim(text):
    return text.strip(JS_SPACE)


def js_length(text):
    """Length in UTF-16 code units, as JavaScript counts it."""
    return len(text.encode("utf-16-le")) // 2


def fold_value(value):
    """foldValue in src/model/text.ts: trimmed, lower-case, accents removed (NFD, marks dropped)."""
    decomposed = unicodedata.normalize("NFD", js_trim(value).lower())
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def header_key(header):
    """headerKey in src/model/text.ts: the key a CSV header is matched on."""
    unquoted = _HEADER_QUOTES.sub("", header[1:] if header.startswith("\ufeff") else header)
    return _HEADER_SEPARATORS.sub("_", fold_value(unquoted))


# ---------------------------------------------------------------------------------------------
# Bytes to 8-bit text (decode.ts)


def byte_layout(sample):
    """"8-bit", "utf-16le" or "utf-16be": from the BOM, or from UTF-16's zero bytes in ASCII text."""
    if sample[:2] == b"\xff\xfe":
        return "utf-16le"
    if sample[:2] == b"\xfe\xff":
        return "utf-16be"
    probe = min(len(sample) - len(sample) % 2, 4096)
    if probe < 4:
        return "8-bit"
    even = sum(1 for i in range(0, probe, 2) if sample[i] == 0)
    odd = sum(1 for i in range(1, probe, 2) if sample[i] == 0)
    pairs = probe / 2
    if odd > pairs * 0.4 and even < pairs * 0.05:
        return "utf-16le"
    if even > pairs * 0.4 and odd < pairs * 0.05:
        return "utf-16be"
    return "8-bit"


def source_bytes(data, complete=True):
    """The file's bytes as 8-bit text and its byte layout: gzip decompressed, UTF-16 as UTF-8 (BOM dropped).

    complete=False: `data` is only the file's first bytes (a sample), so gzip is decompressed as far as it goes.
    """
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data) if complete else zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)
    layout = byte_layout(data[:4096])
    if layout == "8-bit":
        return data, layout
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        data = data[2:]
    if layout == "utf-16be":
        data = data[: len(data) - len(data) % 2]
    # Broken UTF-16 becomes U+FFFD here; the decoder refuses the records holding one.
    return data.decode(layout, errors="replace").encode("utf-8"), layout


def _is_utf8(data):
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _utf8_sequence_length(data, i, end):
    b = data[i]
    if b < 0x80:
        return 1
    length = 2 if 0xC2 <= b <= 0xDF else 3 if 0xE0 <= b <= 0xEF else 4 if 0xF0 <= b <= 0xF4 else 0
    if length == 0 or i + length > end:
        return 0
    if any(data[i + k] & 0xC0 != 0x80 for k in range(1, length)):
        return 0
    second = data[i + 1]
    if (b == 0xE0 and second < 0xA0) or (b == 0xED and second > 0x9F) or (b == 0xF0 and second < 0x90) or (b == 0xF4 and second > 0x8F):
        return 0
    return length


def _first_invalid_utf8(data, start, end):
    i = start
    while i < end:
        length = _utf8_sequence_length(data, i, end)
        if length == 0:
            return i
        i += length
    return start


def _has_high_byte(data, start, end):
    return any(b >= 0x80 for b in data[start:end])


def _hex(b):
    return f"0x{b:02X}"


def lossy_text(data, start, end):
    """lossyText: what decodes as UTF-8 as itself, any other byte as \\xNN."""
    if _is_utf8(data[start:end]):
        return data[start:end].decode("utf-8")
    out, i = [], start
    while i < end:
        length = _utf8_sequence_length(data, i, end)
        if length == 0:
            out.append(f"\\x{data[i]:02X}")
            i += 1
        else:
            out.append(data[i:i + length].decode("utf-8"))
            i += length
    return "".join(out)


class LineDecoder:
    """decode.ts's LineDecoder: UTF-8 until a line is not, then Windows-1252 but for the lines that are UTF-8."""

    def __init__(self, layout):
        self.layout = layout
        self.mode = "ascii"
        self.c1_seen = False
        self.utf8_in_single_byte = 0
        self.first_utf8_in_single_byte = None
        self.single_byte_from_line = None

    def verbatim(self, data, start, end, line):
        if self.layout != "8-bit":
            return "\ufffd".encode("utf-8") not in data[start:end]
        if not _has_high_byte(data, start, end):
            return True
        if not _is_utf8(data[start:end]):
            if self.mode == "ascii":
                self.mode = "windows-1252"
                self.single_byte_from_line = line
            return False
        if self.mode == "ascii":
            self.mode = "utf-8"
        if self.mode == "utf-8":
            return True
        self.utf8_in_single_byte += 1
        if self.first_utf8_in_single_byte is None:
            self.first_utf8_in_single_byte = line
        return True

    def decode(self, data, start, end, line):
        """(text, None), or (None, reason) naming the byte that cannot be decoded."""
        if self.verbatim(data, start, end, line):
            if self.layout != "8-bit" or _has_high_byte(data, start, end):
                return data[start:end].decode("utf-8", errors="replace"), None
            return data[start:end].decode("latin-1"), None
        if self.layout != "8-bit":
            return None, f"invalid {self.layout.upper()} (a broken character, shown as U+FFFD); re-export the file"
        if self.mode == "utf-8":
            at = _first_invalid_utf8(data, start, end)
            return None, f"invalid UTF-8 byte sequence (byte {_hex(data[at])} at position {at - start + 1}) in a UTF-8 file; re-export the file as UTF-8"
        for i in range(start, end):
            b = data[i]
            if 0x80 <= b <= 0x9F and CP1252_C1[b - 0x80] is None:
                return None, f"byte {_hex(b)} at position {i - start + 1} is a character in neither UTF-8 nor Windows-1252; re-export the file as UTF-8"
        latin = data[start:end].decode("latin-1")
        if any("\x80" <= ch <= "\x9f" for ch in latin):
            self.c1_seen = True
            return "".join(chr(CP1252_C1[ord(ch) - 0x80]) if "\x80" <= ch <= "\x9f" else ch for ch in latin), None
        return latin, None

    def lossy(self, data, start, end):
        """Text for a quarantined record: decoded as far as it can be, each byte that cannot as \\xNN."""
        if self.layout != "8-bit" or self.mode != "windows-1252" or _is_utf8(data[start:end]):
            return lossy_text(data, start, end)
        out = []
        for b in data[start:end]:
            if 0x80 <= b <= 0x9F:
                out.append(f"\\x{b:X}" if CP1252_C1[b - 0x80] is None else chr(CP1252_C1[b - 0x80]))
            else:
                out.append(chr(b))
        return "".join(out)

    @property
    def encoding(self):
        if self.layout != "8-bit":
            return self.layout
        if self.mode == "windows-1252":
            return "windows-1252" if self.c1_seen else "latin-1"
        return "utf-8"

    @property
    def switch_warning(self):
        if self.utf8_in_single_byte == 0:
            return None
        return (
            f"mixes encodings: read as {self.encoding} from line {self.single_byte_from_line}, but {self.utf8_in_single_byte} line(s) "
            f"are UTF-8 (first at line {self.first_utf8_in_single_byte}) and were read as UTF-8; export it in one encoding"
        )


# ---------------------------------------------------------------------------------------------
# The header and the delimiter (sniff.ts)


def detect_encoding(sample):
    """UTF-8 unless the sample has bytes above 0x7F and not one valid multi-byte UTF-8 sequence."""
    high = valid = 0
    i = 0
    while i < len(sample):
        b = sample[i]
        if b >= 0x80:
            high += 1
            length = 4 if 0xF0 <= b <= 0xF4 else 3 if b >= 0xE0 else 2 if 0xC2 <= b <= 0xDF else 0
            if length and i + length <= len(sample) and all(sample[i + k] & 0xC0 == 0x80 for k in range(1, length)):
                valid += 1
                i += length - 1
        i += 1
    return "latin-1" if high > 0 and valid == 0 else "utf-8"


def split_csv_line(line, delimiter):
    """splitCsvLine: fields of one line; a quote opens only at a field's start, "" is a quote."""
    fields, current, quoted, i = [], "", False, 0
    while i < len(line):
        ch = line[i]
        if quoted:
            if ch == '"' and line[i + 1 : i + 2] == '"':
                current += '"'
                i += 1
            elif ch == '"':
                quoted = False
            else:
                current += ch
        elif ch == '"' and current == "":
            quoted = True
        elif ch == delimiter:
            fields.append(current)
            current = ""
        else:
            current += ch
        i += 1
    fields.append(current)
    return fields


def detect_delimiter(lines):
    """The delimiter splitting the header and the first lines into the same, largest number of fields."""
    best, best_score = ",", -1
    for d in DELIMITERS:
        counts = [len(split_csv_line(line, d)) for line in lines]
        if counts[0] < 2:
            continue
        score = sum(1 for c in counts if c == counts[0]) * 1000 + counts[0]
        if score > best_score:
            best, best_score = d, score
    return best


def _sample_text(sample):
    utf8 = any(cut < len(sample) and _is_utf8(sample[: len(sample) - cut]) for cut in range(4)) or detect_encoding(sample) == "utf-8"
    text = sample.decode("utf-8", errors="replace") if utf8 else sample.decode("latin-1")
    return text[1:] if text.startswith("\ufeff") else text


def map_headers(dataset, headers):
    """mapHeaders in src/model/contracts.ts, over the plan's headerKey -> column map."""
    mapping = [dataset["headers"].get(header_key(h)) for h in headers]
    unknown = [h for h, m in zip(headers, mapping) if m is None]
    seen, duplicated = set(), []
    for m in mapping:
        if m is None:
            continue
        if m in seen:
            duplicated.append(m)
        seen.add(m)
    missing = [c for c in dataset["required"] if c not in seen]
    return mapping, unknown, missing, duplicated


def sniff(name, data, dataset):
    """How to read one export (sniffCsv): delimiter, headers and their columns; ExportError on a bad header.

    `data` may be the whole file or its first bytes (SNIFF_BYTES are enough, gzipped or UTF-16 too).
    """
    sample = source_bytes(data, complete=False)[0][:SAMPLE_BYTES]
    text = _sample_text(sample)
    if js_trim(text) == "":
        raise ExportError(f"{name}: file is empty; export it again with a header line and data rows")
    lines = [line for line in _LINE_BREAK.split(text) if js_trim(line) != ""]
    complete = lines if len(sample) < SAMPLE_BYTES else lines[:-1]
    delimiter = detect_delimiter((complete or lines)[:20])
    headers = [js_trim(h) for h in split_csv_line(lines[0], delimiter)]
    mapping, unknown, missing, duplicated = map_headers(dataset, headers)
    problems = []
    if "" in headers:
        problems.append(f"an empty header at position {headers.index('') + 1}; name every column")
    if duplicated:
        problems.append(f"more than one header means {', '.join(chr(34) + d + chr(34) for d in duplicated)}; keep one")
    for column in missing:
        names = [column, *dataset["aliases"].get(column, [])]
        problems.append(f"required column \"{column}\" is missing; add a header named {' or '.join(chr(34) + n + chr(34) for n in names)}")
    if all(m is None for m in mapping):
        shown = ", ".join(_json_string(h if len(h) <= 40 else h[:40] + "…") for h in headers[:12])
        more = f", … {len(headers)} in all" if len(headers) > 12 else ""
        problems.append(f"no header matches dataset \"{dataset['name']}\" (found {shown}{more}); is this the right file?")
    if problems:
        raise ExportError(f"{name}: the header does not fit dataset \"{dataset['name']}\" (contract {dataset['contract_file']}):", problems)
    return {"delimiter": delimiter, "headers": headers, "mapping": mapping, "ignored_headers": unknown}


def _json_string(text):
    """JSON.stringify of a string, as the local message quotes headers."""
    return json.dumps(text, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# Records (records.ts)


def bounded_text(text, limit=MAX_STORED_TEXT):
    """Stored text cut to a bounded length (in UTF-16 units, as locally), saying how much there was."""
    length = js_length(text)
    if length <= limit:
        return text
    units = text.encode("utf-16-le")
    head = units[: limit * 2].decode("utf-16-le", errors="ignore")
    return f"{head}… [{length - limit} more characters]"


class RecordReader:
    """Splits a file's 8-bit text into records and decides, record by record, whether it can be loaded.

    Calls on_fields(line, values) for a loadable record and on_reject(line, reason, text) for one
    that cannot be. `records` counts both, the header aside.
    """

    def __init__(self, delimiter, header, decoder, on_fields, on_reject):
        encoded = delimiter.encode("utf-8")
        if len(encoded) != 1:
            raise ValueError(f"delimiter {delimiter!r} must be one byte")
        self.delimiter = delimiter
        self.delim = encoded[0]
        self.header = list(header)
        self.header_keys = [header_key(h) for h in header]
        self.header_first = js_trim(header[0]).lower() if header else ""
        self.decoder = decoder
        self.on_fields = on_fields
        self.on_reject = on_reject
        self.line = 1
        self.records = 0
        self.rejected = 0
        self.multi_line_records = 0
        self.first_multi_line = None

    # -- helpers ------------------------------------------------------------------------------

    def _reject(self, line, reason, text):
        self.records += 1
        self.rejected += 1
        self.on_reject(line, reason, bounded_text(text))

    def _text_of(self, data, start, end, line):
        limit = min(end, start + MAX_STORED_TEXT * 4)
        text, _ = self.decoder.decode(data, start, limit, line)
        if text is None:
            text = self.decoder.lossy(data, start, limit)
        return f"{text}… [{end - limit} more bytes]" if limit < end else text

    @staticmethod
    def _after_break(data, at):
        if at >= len(data):
            return len(data)
        if data[at] == LF:
            return at + 1
        return at + 2 if at + 1 < len(data) and data[at + 1] == LF else at + 1

    @staticmethod
    def _line_end(data, start):
        positions = [p for p in (data.find(b"\n", start), data.find(b"\r", start)) if p >= 0]
        return min(positions) if positions else -1

    def _ragged(self, found):
        return f"ragged row: {found} fields where the header has {len(self.header)}"

    def _too_long(self, size):
        return f"record of {size} bytes is longer than the {MAX_RECORD_BYTES >> 20} MiB a record may have; it was not split into fields"

    def _is_header(self, values):
        return len(values) == len(self.header_keys) and all(header_key(v) == k for v, k in zip(values, self.header_keys))

    def _looks_like_header(self, data, pos, end):
        first = self.header_first
        if first == "":
            return False
        longest = min(end, pos + js_length(first) + 8)
        stop = pos
        while stop < longest and data[stop] != self.delim:
            stop += 1
        if stop == longest and stop < end and data[stop] != self.delim:
            return False
        if stop - pos < js_length(first):
            return False
        return js_trim(data[pos:stop].decode("utf-8", errors="replace")).lower() == first

    def _structure_at_bom(self, data, pos, end, line):
        text = self._text_of(data, pos + 3, end, line)
        if self._is_header(text.split(self.delimiter)):
            reason = "the header row again, with a byte-order mark (files concatenated?); remove the repeated header"
        else:
            reason = "a byte-order mark (U+FEFF) at the start of the record (files concatenated?); remove it"
        self._reject(line, reason, "\ufeff" + text)

    def _nul(self, data, pos, end, line):
        self._reject(line, "contains a NUL byte (binary data, or a UTF-16 file cut short); re-export the file as text", self._text_of(data, pos, end, line).replace("\0", "\\0"))

    # -- reading ------------------------------------------------------------------------------

    def read(self, data):
        """Reads every record of `data` (the whole file as 8-bit text)."""
        length = len(data)
        pos = 0
        header_done = False
        while pos < length:
            c = data[pos]
            if c in (LF, CR):
                pos = self._after_break(data, pos)
                self.line += 1
                continue
            if not header_done:
                if pos == 0 and data.startswith(BOM):
                    pos = 3
                    continue
                parsed = self._parse_quoted(data, pos, header=True)
                header_done = True
                if parsed[0] != "record":
                    break
                _, end, nxt, lines, _, _ = parsed
                self.line += lines + (1 if nxt > end else 0)
                pos = nxt
                continue
            pos = self._read_record(data, pos)

    def _read_record(self, data, pos):
        length = len(data)
        line = self.line
        delimiters, quoted, nul, high = 0, False, False, False
        i = pos
        while i < length:
            c = data[i]
            if c in (LF, CR):
                break
            if c == self.delim:
                delimiters += 1
            elif c >= 0x80:
                high = True
            elif c == QUOTE:
                quoted = True
                break
            elif c == NUL:
                nul = True
            i += 1
        if quoted:
            return self._read_quoted_record(data, pos)
        nxt = self._after_break(data, i)
        self.line += 1
        end = i
        if end - pos > MAX_RECORD_BYTES:
            self._reject(line, self._too_long(end - pos), self._text_of(data, pos, end, line))
            return nxt
        if data.startswith(BOM, pos, end):
            self._structure_at_bom(data, pos, end, line)
            return nxt
        if nul:
            self._nul(data, pos, end, line)
            return nxt
        if delimiters + 1 != len(self.header):
            self._reject(line, self._ragged(delimiters + 1), self._text_of(data, pos, end, line))
            return nxt
        if not high or self.decoder.verbatim(data, pos, end, line):
            text = data[pos:end].decode("utf-8")
            if self._looks_like_header(data, pos, end) and self._is_header(text.split(self.delimiter)):
                self._reject(line, "the header row again (files concatenated?); remove the repeated header", text)
                return nxt
            self.records += 1
            self.on_fields(line, text.split(self.delimiter))
            return nxt
        text, error = self.decoder.decode(data, pos, end, line)
        if error is not None:
            self._reject(line, error, self._text_of(data, pos, end, line))
            return nxt
        values = text.split(self.delimiter)
        if self._is_header(values):
            self._reject(line, "the header row again (files concatenated?); remove the repeated header", text)
            return nxt
        self.records += 1
        self.on_fields(line, values)
        return nxt

    def _read_quoted_record(self, data, pos):
        length = len(data)
        line = self.line
        parsed = self._parse_quoted(data, pos, header=False)
        first_break = self._line_end(data, pos)

        def bad_quote_on_first_line(reason):
            end = length if first_break < 0 else first_break
            self._reject(line, self._too_long(end - pos) if end - pos > MAX_RECORD_BYTES else reason, self._text_of(data, pos, end, line))
            self.line = line + 1
            return length if first_break < 0 else self._after_break(data, first_break)

        if parsed[0] == "unterminated":
            return bad_quote_on_first_line("unterminated quote: a field opens a quote that is never closed; the lines after it are read on their own")
        if parsed[0] == "too-long":
            return bad_quote_on_first_line(f"unterminated quote: a quoted field runs past the {MAX_RECORD_BYTES >> 20} MiB a record may have; the lines after it are read on their own")
        _, end, nxt, lines, fields, error = parsed
        if lines > 0 and len(fields) != len(self.header):
            return bad_quote_on_first_line(
                f"unterminated quote: a quoted field runs over {lines + 1} lines into a record of {len(fields)} fields where the header has {len(self.header)}; the lines after it are read on their own"
            )
        self.line = line + lines + (1 if nxt > end else 0)
        if error is not None:
            self._reject(line, error, self._text_of(data, pos, end, line))
            return nxt
        if data.startswith(BOM, pos, end):
            self._structure_at_bom(data, pos, end, line)
            return nxt
        if b"\0" in data[pos:end]:
            self._nul(data, pos, end, line)
            return nxt
        if len(fields) != len(self.header):
            self._reject(line, self._ragged(len(fields)), self._text_of(data, pos, end, line))
            return nxt
        whole, whole_error = self.decoder.decode(data, pos, end, line)
        if whole_error is not None:
            self._reject(line, whole_error, self._text_of(data, pos, end, line))
            return nxt
        values = []
        for start, stop, is_quoted in fields:
            text = self.decoder.decode(data, start, stop, line)[0] or ""
            values.append(text.replace('""', '"') if is_quoted else text)
        if self._is_header(values):
            self._reject(line, "the header row again (files concatenated?); remove the repeated header", whole)
            return nxt
        if lines > 0:
            self.multi_line_records += 1
            if self.first_multi_line is None:
                self.first_multi_line = line
        self.records += 1
        self.on_fields(line, values)
        return nxt

    def _parse_quoted(self, data, pos, header):
        """RFC 4180 fields of the record at pos: ("record", end, next, lines, fields, error) or ("unterminated" | "too-long",)."""
        length = len(data)
        delim = self.delim
        fields = []
        lines = 0
        i = pos
        error = None
        limit = length if header else min(length, pos + MAX_RECORD_BYTES)
        while True:
            if not header and i - pos > MAX_RECORD_BYTES:
                return ("too-long",)
            if i < length and data[i] == QUOTE:
                start = j = i + 1
                closed = -1
                while j < limit:
                    c = data[j]
                    if c == QUOTE:
                        if j + 1 < length and data[j + 1] == QUOTE:
                            j += 2
                            continue
                        closed = j
                        break
                    if c == CR:
                        lines += 1
                        if j + 1 < length and data[j + 1] == LF:
                            j += 1
                    elif c == LF:
                        lines += 1
                    j += 1
                if closed < 0:
                    return ("too-long",) if j >= limit and limit < length else ("unterminated",)
                fields.append((start, closed, True))
                i = closed + 1
                if i < length and data[i] not in (delim, CR, LF):
                    if error is None:
                        error = f"bad quoting: text after the closing quote of field {len(fields)}; quote the whole field and double any quote inside it"
                    while i < length and data[i] not in (delim, CR, LF):
                        i += 1
            else:
                start = i
                while i < limit and data[i] not in (delim, CR, LF):
                    i += 1
                if i == limit and limit < length:
                    return ("too-long",)
                fields.append((start, i, False))
            if i >= length:
                return ("record", i, i, lines, fields, error)
            if data[i] == delim:
                i += 1
                continue
            return ("record", i, self._after_break(data, i), lines, fields, error)


def stored(value):
    """A field as the local load stores it (DuckDB reading the records it wrote): a leading U+FEFF dropped, empty as NULL."""
    if value.startswith("\ufeff"):
        value = value[1:]
    return None if value == "" else value


def read_export(name, data, dataset):
    """One export read as the local pipeline reads it.

    Returns {"layout": sniff's, "encoding", "records", "unparsable", "rows": [(line, {column: text})],
    "rejects": [(line, reason, text)], "warnings": [...]}. ExportError when its header does not fit.
    """
    layout = sniff(name, data, dataset)
    text, byte_layout_read = source_bytes(data)
    decoder = LineDecoder(byte_layout_read)
    rows, rejects = [], []
    columns = layout["mapping"]

    def on_fields(line, values):
        rows.append((line, {c: stored(v) for c, v in zip(columns, values) if c is not None}))

    reader = RecordReader(layout["delimiter"], layout["headers"], decoder, on_fields, lambda line, reason, raw: rejects.append((line, reason, stored(raw))))
    reader.read(text)
    warnings = []
    if layout["ignored_headers"]:
        warnings.append(f"{name}: columns not in contract {dataset['contract_file'].rsplit('/', 1)[-1]} kept in raw only: {', '.join(chr(34) + h + chr(34) for h in layout['ignored_headers'])}")
    if decoder.switch_warning is not None:
        warnings.append(f"{name}: {decoder.switch_warning}")
    if reader.multi_line_records > 0:
        warnings.append(f"{name}: {reader.multi_line_records} record(s) have a quoted value running over several lines (first at line {reader.first_multi_line}); each was read as one record")
    if reader.records == 0:
        warnings.append(f"{name}: header only, no data rows")
    return {
        "layout": layout,
        "encoding": decoder.encoding,
        "records": reader.records,
        "unparsable": reader.rejected,
        "rows": rows,
        "rejects": rejects,
        "warnings": warnings,
    }
