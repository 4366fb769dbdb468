"""The Glue jobs read hostile exports as the local pipeline does (issues 7 and 9): lake_csv."""
import gzip
import pathlib
import sys
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import lake_csv  # noqa: E402
from plan import dataset  # noqa: E402

CUSTOMERS = dataset("customers")
TRANSACTIONS = dataset("transactions")
HEADER = "customer_id,id_type,id_number,customer_name,city,segment"


def read(text_or_bytes, plan=CUSTOMERS, name="clientes.csv"):
    data = text_or_bytes.encode("utf-8") if isinstance(text_or_bytes, str) else text_or_bytes
    return lake_csv.read_export(name, data, plan)


def lines_of(export):
    """Every record's line, accepted or refused: raw = accepted + refused, each once."""
    return sorted([line for line, _ in export["rows"]] + [line for line, _, _ in export["rejects"]])


class Encodings(unittest.TestCase):
    def test_utf8_with_accents_and_a_bom_reads_as_utf8(self):
        export = read("\ufeff" + HEADER + "\nC000001,CC,1,José Núñez,Bogotá,hogar\n")
        self.assertEqual(export["encoding"], "utf-8")
        self.assertEqual(export["rows"], [(2, {"customer_id": "C000001", "id_type": "CC", "id_number": "1", "customer_name": "José Núñez", "city": "Bogotá", "segment": "hogar"})])
        self.assertEqual(export["layout"]["headers"][0], "customer_id")

    def test_windows_1252_is_decoded_with_its_euro_and_smart_quotes(self):
        data = (HEADER + "\nC000001,CC,1,\u201cPe\u00f1a\u201d \u20ac,Medell\u00edn,comercial\n").encode("cp1252")
        export = read(data)
        self.assertEqual(export["encoding"], "windows-1252")
        self.assertEqual(export["rows"][0][1]["customer_name"], "\u201cPe\u00f1a\u201d \u20ac")
        self.assertEqual(export["rejects"], [])

    def test_latin1_without_c1_characters_says_latin1(self):
        export = read((HEADER + "\nC000001,CC,1,Mar\u00eda,C\u00facuta,hogar\n").encode("latin-1"))
        self.assertEqual(export["encoding"], "latin-1")
        self.assertEqual(export["rows"][0][1]["city"], "C\u00facuta")

    def test_a_bad_byte_in_a_utf8_file_quarantines_its_line_only(self):
        data = (HEADER + "\nC000001,CC,1,Jos\u00e9,Cali,hogar\n").encode("utf-8") + b"C000002,CC,2,Bad\xff,Cali,hogar\nC000003,CC,3,Ana,Cali,hogar\n"
        export = read(data)
        self.assertEqual([line for line, _ in export["rows"]], [2, 4])
        [(line, reason, text)] = export["rejects"]
        self.assertEqual(line, 3)
        self.assertEqual(reason, "invalid UTF-8 byte sequence (byte 0xFF at position 17) in a UTF-8 file; re-export the file as UTF-8")
        self.assertIn("C000002", text)
        self.assertEqual(export["rows"][0][1]["customer_name"], "Jos\u00e9", "the file is not turned into mojibake")

    def test_a_byte_neither_utf8_nor_windows_1252_is_quarantined_with_its_position(self):
        data = (HEADER + "\nC000001,CC,1,Pe\u00f1a,Cali,hogar\n").encode("cp1252") + b"C000002,CC,2,X\x81Y,Cali,hogar\n"
        export = read(data)
        self.assertEqual(export["rejects"][0][:2], (3, "byte 0x81 at position 15 is a character in neither UTF-8 nor Windows-1252; re-export the file as UTF-8"))
        self.assertEqual(len(export["rows"]), 1)

    def test_a_file_that_turns_to_utf8_part_way_reads_both_halves_and_says_so(self):
        first = (HEADER + "\n" + "".join(f"C{i:06d},CC,{i},Pe\u00f1a,Cali,hogar\n" for i in range(1, 40000))).encode("cp1252")
        second = "C999999,CC,9,Peña,Bogotá,hogar\n".encode("utf-8")
        export = read(first + second)
        self.assertGreater(len(first), 1 << 20, "the switch happens after the sniffed MiB")
        self.assertEqual(export["rows"][-1][1]["customer_name"], "Peña")
        self.assertEqual(export["rows"][0][1]["customer_name"], "Pe\u00f1a")
        self.assertEqual(export["rejects"], [])
        self.assertTrue(any("mixes encodings" in w for w in export["warnings"]), export["warnings"])

    def test_utf16_with_and_without_a_bom(self):
        text = HEADER + "\r\nC000001,CC,1,Jos\u00e9,Bogot\u00e1,hogar\r\n"
        for data, layout in [(b"\xff\xfe" + text.encode("utf-16-le"), "utf-16le"), (b"\xfe\xff" + text.encode("utf-16-be"), "utf-16be"), (text.encode("utf-16-le"), "utf-16le")]:
            export = read(data)
            self.assertEqual(export["encoding"], layout)
            self.assertEqual(export["rows"][0][1]["city"], "Bogot\u00e1")

    def test_gzip_exports_are_read(self):
        export = read(gzip.compress((HEADER + "\nC000001,CC,1,Ana,Cali,hogar\n").encode("utf-8")), name="clientes.csv.gz")
        self.assertEqual(len(export["rows"]), 1)


class Delimiters(unittest.TestCase):
    def test_semicolon_exports_with_commas_inside_quotes(self):
        export = read('customer_id;id_type;id_number;customer_name;city;segment\nC000001;CC;1;"Pérez, Ana";Cali;hogar\nC000002;CC;2;"Gómez, Luis";Cali;hogar\n')
        self.assertEqual(export["layout"]["delimiter"], ";")
        self.assertEqual(export["rows"][0][1]["customer_name"], "Pérez, Ana")

    def test_tab_and_pipe(self):
        for d in ["\t", "|"]:
            export = read(HEADER.replace(",", d) + "\n" + d.join(["C000001", "CC", "1", "Ana, Luisa", "Cali", "hogar"]) + "\n")
            self.assertEqual(export["layout"]["delimiter"], d)
            self.assertEqual(export["rows"][0][1]["customer_name"], "Ana, Luisa")

    def test_a_quoted_header_with_commas_does_not_fool_the_sniffer(self):
        self.assertEqual(lake_csv.detect_delimiter(['"a,b";c;d', "1;2;3", "4;5;6"]), ";")


class Headers(unittest.TestCase):
    def assertExportError(self, text, message, plan=CUSTOMERS):
        with self.assertRaises(lake_csv.ExportError) as caught:
            read(text, plan)
        self.assertEqual(str(caught.exception), message)

    def test_spanish_aliases_map_to_the_contract(self):
        export = read("Cliente_ID;Tipo Identificación;Numero-Documento;NOMBRE;Ciudad;Segmento\nC000001;CC;1;Ana;Cali;hogar\n")
        self.assertEqual(export["layout"]["mapping"], ["customer_id", "id_type", "id_number", "customer_name", "city", "segment"])

    def test_a_duplicate_header_fails_the_load_with_the_local_message(self):
        self.assertExportError(
            "customer_id,cliente_id,id_type,customer_name,city\nC1,C1,CC,Ana,Cali\n",
            'clientes.csv: the header does not fit dataset "customers" (contract contracts/customers.json):\n  - more than one header means "customer_id"; keep one',
        )

    def test_a_missing_required_column_names_its_accepted_headers(self):
        with self.assertRaises(lake_csv.ExportError) as caught:
            read("customer_id,id_type,customer_name\nC1,CC,Ana\n")
        names = " or ".join(f'"{n}"' for n in ["city", *CUSTOMERS["aliases"]["city"]])
        self.assertEqual(caught.exception.problems, [f'required column "city" is missing; add a header named {names}'])
        self.assertIn('"ciudad"', names)

    def test_a_file_of_another_dataset_is_refused(self):
        with self.assertRaises(lake_csv.ExportError) as caught:
            read("foo,bar\n1,2\n")
        self.assertEqual(caught.exception.problems[-1], 'no header matches dataset "customers" (found "foo", "bar"); is this the right file?')

    def test_an_empty_header_and_an_empty_file(self):
        with self.assertRaises(lake_csv.ExportError) as caught:
            read(HEADER + ",\nC1,CC,1,Ana,Cali,hogar,\n")
        self.assertEqual(caught.exception.problems[0], "an empty header at position 7; name every column")
        self.assertExportError(" \n\n", "clientes.csv: file is empty; export it again with a header line and data rows")

    def test_unknown_headers_are_kept_in_raw_only_with_a_warning(self):
        export = read(HEADER + ",notes\nC000001,CC,1,Ana,Cali,hogar,vip\n")
        self.assertEqual(export["layout"]["ignored_headers"], ["notes"])
        self.assertNotIn("notes", export["rows"][0][1])
        self.assertIn('clientes.csv: columns not in contract customers.json kept in raw only: "notes"', export["warnings"])

    def test_header_keys_fold_as_src_model_text(self):
        self.assertEqual(lake_csv.header_key("\ufeff  \"Nombre  Proveedor\" "), "nombre_proveedor")
        self.assertEqual(lake_csv.header_key("TIPO-ENERGÍA"), "tipo_energia")
        self.assertEqual(lake_csv.header_key("Őrség\u00a0ID"), "orseg_id")


class Structure(unittest.TestCase):
    def test_an_unterminated_quote_refuses_its_line_and_reads_the_next_ones(self):
        export = read(HEADER + '\nC000001,CC,1,"Ana,Cali,hogar\nC000002,CC,2,Luis,Cali,hogar\nC000003,CC,3,Eva,Cali,hogar\n')
        self.assertEqual([line for line, _ in export["rows"]], [3, 4])
        [(line, reason, text)] = export["rejects"]
        self.assertEqual(line, 2)
        self.assertTrue(reason.startswith("unterminated quote: a field opens a quote that is never closed"), reason)
        self.assertEqual(text, 'C000001,CC,1,"Ana,Cali,hogar')

    def test_a_quote_spanning_lines_into_a_ragged_record_is_a_bad_quote_on_its_first_line(self):
        export = read(HEADER + '\nC000001,CC,1,"Ana,Cali,hogar\nC000002,CC,2,Luis",Cali,hogar,x\nC000003,CC,3,Eva,Cali,hogar\n')
        self.assertEqual(export["rejects"][0][0], 2)
        self.assertIn("runs over 2 lines", export["rejects"][0][1])
        self.assertEqual(lines_of(export), [2, 3, 4])

    def test_a_quoted_value_over_several_lines_is_one_record(self):
        export = read(HEADER + '\nC000001,CC,1,"Ana\nMaría",Cali,hogar\nC000002,CC,2,Luis,Cali,hogar\n')
        self.assertEqual(export["rows"][0], (2, {"customer_id": "C000001", "id_type": "CC", "id_number": "1", "customer_name": "Ana\nMaría", "city": "Cali", "segment": "hogar"}))
        self.assertEqual(export["rows"][1][0], 4)
        self.assertTrue(any("running over several lines" in w for w in export["warnings"]))

    def test_text_after_a_closing_quote_and_doubled_quotes(self):
        export = read(HEADER + '\nC000001,CC,1,"Ana "la" Luz",Cali,hogar\nC000002,CC,2,"Luis ""Lucho""",Cali,hogar\n')
        self.assertEqual(export["rejects"][0][:2], (2, "bad quoting: text after the closing quote of field 4; quote the whole field and double any quote inside it"))
        self.assertEqual(export["rows"][0][1]["customer_name"], 'Luis "Lucho"')

    def test_ragged_rows(self):
        export = read(HEADER + "\nC000001,CC,1,Ana,Cali\nC000002,CC,2,Luis,Cali,hogar,extra\nC000003,CC,3,Eva,Cali,hogar\n")
        self.assertEqual([r[:2] for r in export["rejects"]], [(2, "ragged row: 5 fields where the header has 6"), (3, "ragged row: 7 fields where the header has 6")])
        self.assertEqual(export["records"], 3)

    def test_cr_only_line_breaks_are_line_breaks(self):
        export = read(HEADER + "\rC000001,CC,1,Ana,Cali,hogar\rC000002,CC,2,Luis,Cali,hogar\r")
        self.assertEqual([line for line, _ in export["rows"]], [2, 3])
        self.assertNotIn("clientes.csv: header only, no data rows", export["warnings"])

    def test_crlf_and_blank_lines(self):
        export = read(HEADER + "\r\n\r\nC000001,CC,1,Ana,Cali,hogar\r\n\r\n")
        self.assertEqual(export["rows"][0][0], 3)
        self.assertEqual(export["records"], 1)

    def test_a_repeated_header_mid_file_is_a_structure_problem_not_a_customer(self):
        export = read(HEADER + "\nC000001,CC,1,Ana,Cali,hogar\n" + HEADER + "\nC000002,CC,2,Luis,Cali,hogar\n")
        self.assertEqual(export["rejects"][0][:2], (3, "the header row again (files concatenated?); remove the repeated header"))
        self.assertEqual([v["customer_id"] for _, v in export["rows"]], ["C000001", "C000002"])

    def test_a_repeated_header_in_another_spelling_and_with_a_bom(self):
        export = read(HEADER + "\nC000001,CC,1,Ana,Cali,hogar\n\ufeff" + HEADER + "\n\ufeffC000002,CC,2,Luis,Cali,hogar\n\"customer_id\",\"id_type\",\"id_number\",\"customer_name\",\"city\",\"segment\"\n")
        self.assertEqual([r[:2] for r in export["rejects"]], [
            (3, "the header row again, with a byte-order mark (files concatenated?); remove the repeated header"),
            (4, "a byte-order mark (U+FEFF) at the start of the record (files concatenated?); remove it"),
            (5, "the header row again (files concatenated?); remove the repeated header"),
        ])
        self.assertEqual(len(export["rows"]), 1)

    def test_nul_bytes(self):
        export = read((HEADER + "\nC000001,CC,1,An\0a,Cali,hogar\n").encode("utf-8"))
        self.assertEqual(export["rejects"][0][1], "contains a NUL byte (binary data, or a UTF-16 file cut short); re-export the file as text")
        self.assertIn("An\\0a", export["rejects"][0][2])

    def test_null_markers_stay_text_for_the_typed_view(self):
        export = read(HEADER + "\nNULL,CC,N/A,-,null,\n")
        self.assertEqual(export["rows"][0][1], {"customer_id": "NULL", "id_type": "CC", "id_number": "N/A", "customer_name": "-", "city": "null", "segment": None})

    def test_fields_are_stored_as_the_local_load_stores_them(self):
        export = read(HEADER + '\nC000001,"",\ufeff7, ,Cali,\n')
        self.assertEqual(export["rows"][0][1], {"customer_id": "C000001", "id_type": None, "id_number": "7", "customer_name": " ", "city": "Cali", "segment": None})

    def test_a_refused_records_text_shows_the_bytes_it_could_not_decode(self):
        data = (HEADER + "\nC000001,CC,1,Jos\u00e9,Cali,hogar\n").encode("utf-8") + b"C000002,CC,2,Bad\xff\x80,Cali\n"
        export = read(data)
        self.assertEqual(export["rejects"][0][2], "C000002,CC,2,Bad\\xFF\\x80,Cali")

    def test_header_only(self):
        export = read(HEADER + "\n")
        self.assertEqual((export["records"], export["rows"], export["rejects"]), (0, [], []))
        self.assertIn("clientes.csv: header only, no data rows", export["warnings"])

    def test_a_huge_record_is_refused_with_a_bounded_text(self):
        export = read(HEADER + "\n" + "x" * ((1 << 20) + 10) + "\nC000001,CC,1,Ana,Cali,hogar\n")
        [(line, reason, text)] = export["rejects"]
        self.assertEqual(line, 2)
        self.assertIn("longer than the 1 MiB a record may have", reason)
        self.assertLess(len(text), 5000)
        self.assertEqual(export["rows"][0][0], 3)

    def test_raw_records_are_every_accepted_and_refused_record_once(self):
        text = HEADER + '\nC1,CC,1,Ana,Cali,hogar\n\nC2,CC\n' + HEADER + '\nC3,CC,3,"x\ny",Cali,hogar\nC4,CC,4,"open,Cali,hogar\nC5,CC,5,Eva,Cali,hogar'
        export = read(text)
        self.assertEqual(export["records"], len(export["rows"]) + len(export["rejects"]))
        self.assertEqual(export["unparsable"], len(export["rejects"]))
        self.assertEqual(lines_of(export), [2, 4, 5, 6, 8, 9])


class Transactions(unittest.TestCase):
    def test_a_btg_style_export_without_energy_type(self):
        export = read("id_transaccion;tipo_transaccion;id_cliente_proveedor;cantidad_comprada;precio;fecha_transaccion\nT0000001;compra;P0001;1.234,5;0,25;05/01/2026\n", TRANSACTIONS, "transacciones.csv")
        self.assertEqual(export["rows"][0][1], {"transaction_id": "T0000001", "transaction_type": "compra", "counterparty_id": "P0001", "quantity_kwh": "1.234,5", "price": "0,25", "transaction_date": "05/01/2026"})


if __name__ == "__main__":
    unittest.main()
