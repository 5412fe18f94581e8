#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into tests/fuzz/corpus/<target>/.

Request seeds come from registry_requests.textproto and award_requests.textproto, encoded with
`protoc --encode`; the others are written here. Run it after changing either file or a request
message, and commit the result (small files only). Usage: tests/fuzz/make_seeds.py
"""
import pathlib
import re
import shutil
import struct
import subprocess

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = HERE / "corpus"


def write(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data.encode() if isinstance(data, str) else data)


def requests(target, textproto):
    text = (HERE / textproto).read_text()
    blocks = re.split(r"^#@ ", text, flags=re.M)[1:]
    protos = [str(p.relative_to(ROOT / "protos")) for p in (ROOT / "protos/paritrana").rglob("*.proto")]
    for block in blocks:
        header, body = block.split("\n", 1)
        name, selector, message = header.split()
        encoded = subprocess.run(
            ["protoc", f"-I{ROOT / 'protos'}", "-I/usr/include", f"--encode={message}", *protos],
            input=body.encode(), capture_output=True, check=True).stdout
        write(target, name, bytes([int(selector)]) + encoded)


def validators():
    def nik(today_days, text):  # today = 2000-01-01 + today_days
        return bytes([0]) + struct.pack("<I", today_days)[:3] + text.encode()
    t = 8947  # 2024-06-30
    write("fuzz_validators", "nik_male", nik(t, "1508011205900001"))
    write("fuzz_validators", "nik_female", nik(t, "1508015205900002"))
    write("fuzz_validators", "nik_leap_day", nik(t, "1571022902000003"))
    write("fuzz_validators", "nik_future_century", nik(t, "1508010101300004"))
    write("fuzz_validators", "nik_serial_zero", nik(t, "1508011205900000"))
    write("fuzz_validators", "nik_bad_province", nik(t, "9908011205900001"))
    write("fuzz_validators", "region_village", b"\x01" + b"15.08.01.2001")
    write("fuzz_validators", "region_city", b"\x01" + b"15.71")
    write("fuzz_validators", "region_bad", b"\x01" + b"15.8.1")
    write("fuzz_validators", "region_name", b"\x02" + b"regions/15.08")
    write("fuzz_validators", "date_ok", b"\x03" + struct.pack("<iii", 2024, 2, 29))
    write("fuzz_validators", "date_not_leap", b"\x03" + struct.pack("<iii", 2023, 2, 29))
    write("fuzz_validators", "date_negative", b"\x03" + struct.pack("<iii", -1, 13, 0))


def page_tokens():
    import base64
    query = "3f1a9c0b7d2e4f6a"  # the first 16 characters of kQuery in fuzz_page_token.cc
    token = base64.urlsafe_b64encode((query + "regions/15.08").encode()).decode().rstrip("=")
    write("fuzz_page_token", "token_ok", "\x00" + token)
    write("fuzz_page_token", "token_padded", "\x00" + token + "==")
    write("fuzz_page_token", "token_other_query", "\x00" + base64.urlsafe_b64encode(
        b"0000000000000000regions/15").decode())
    write("fuzz_page_token", "token_garbage", "\x00" + "not a token!")
    write("fuzz_page_token", "key_region", "\x01regions/15.08.01")
    write("fuzz_page_token", "key_binary", b"\x01\x00\xff\x10participants/24012345678")


def csv():
    write("fuzz_csv", "header", "kind,name,display_name,parent,bps_code")
    write("fuzz_csv", "quoted", 'region,regions/15.08.01,"Kecamatan ""Pelepat"", Bungo",regions/15.08,1509010\r')
    write("fuzz_csv", "unterminated", 'employer,"employers/12345678,CV Karet')
    write("fuzz_csv", "empty_cells", ",,,\"\",")


def jsonl():
    write("fuzz_jsonl_row", "region", '{"region":{"name":"regions/15.08.01","displayName":"Kecamatan Pelepat","bpsCode":"1509010"}}')
    write("fuzz_jsonl_row", "employer", '{"rowNumber":"7","employer":{"name":"employers/12345678","displayName":"CV Karet Bungo","sizeClass":"EMPLOYER_SIZE_CLASS_SMALL","sector":"G","region":"regions/15.08","workerCountDeclared":"12"}}')
    write("fuzz_jsonl_row", "participant", '{"participantEnrollment":{"participant":{"name":"participants/24012345678","nik":"1508011205900001","displayName":"Budi","sex":"SEX_MALE","birthDate":{"year":1990,"month":5,"day":12},"domicileRegion":"regions/15.08"},"enrollment":{"segment":"SEGMENT_BPU","programmes":["PROGRAMME_JKK","PROGRAMME_JKM"],"region":"regions/15.08","startDate":{"year":2024,"month":1,"day":1},"fundingSource":"FUNDING_SOURCE_WORKER"},"contribution":{"amountRupiah":"16800","paidDate":{"year":2024,"month":1,"day":1},"coversThrough":{"year":2024,"month":1,"day":31}}}}')
    write("fuzz_jsonl_row", "baseline", '{"baseline":{"name":"regions/15/baselines/2024-bpjs-potential","potentialWorkers":"1800000","segmentWorkers":[{"segment":"SEGMENT_PU","potentialWorkers":"900000"}],"formalWorkers":"1"}}')
    write("fuzz_jsonl_row", "unknown_field", '{"region":{"nmae":"regions/15"}}')


def rubric_files():
    # Every shipped default rubric, one per category.
    for path in sorted((ROOT / "services/award").glob("default_rubric_*.json")):
        shutil.copy(path, CORPUS / "fuzz_rubric_file" / path.name)
    write("fuzz_rubric_file", "minimal", '{"rubric_id":"r","rubric":{},"version":{}}')
    write("fuzz_rubric_file", "unknown_key", '{"rubric_id":"r","rubric":{},"version":{},"extra":1}')
    write("fuzz_rubric_file", "not_object", '["rubric"]')


if __name__ == "__main__":
    (CORPUS / "fuzz_rubric_file").mkdir(parents=True, exist_ok=True)
    requests("fuzz_registry_requests", "registry_requests.textproto")
    requests("fuzz_award_requests", "award_requests.textproto")
    validators()
    page_tokens()
    csv()
    jsonl()
    rubric_files()
