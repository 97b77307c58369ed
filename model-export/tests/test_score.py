"""`python -m model_export score`: the browser's numbers and download format, resumable outputs, clear errors, Ray."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import ray  # requirements-ray.txt, installed by scripts/setup.sh python

from model_export.__main__ import main
from model_export.download_format import BOM, clean_header, csv_row, export_header, has_text, js_number, neutralize_cell
from model_export.files import FIXTURE_BUNDLE, GOLDEN_DIR
from model_export.score import RUN_RECORD, ScoreConfig, run_score
from model_export.score_ray import read_parts

LABELS = ["Technology", "Health", "Finance", "Economy", "Environment"]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def read_labelled(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith(BOM), "the app's download starts with a byte-order mark"
    rows = list(csv.reader(io.StringIO(text[1:], newline="")))
    return rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def score(tmp: Path, inp: Path | str, out: str = "out", **kw: object) -> list[Path]:
    return run_score(ScoreConfig(bundle=FIXTURE_BUNDLE, input=str(inp), out=tmp / out, progress=False, threads=1, **kw))


def sample_rows() -> list[list[str]]:
    golden = json.loads((GOLDEN_DIR / "demo-fixture.golden.json").read_text())["texts"]
    texts = [t["text"] for t in golden if has_text(t["text"])][:6]
    return [[str(i), t, "=1+2" if i == 1 else "note"] for i, t in enumerate(texts)] + [["6", "   ", "empty text"]]


def test_js_number_writes_what_javascript_string_writes():
    cases = {1.0: "1", 0.5: "0.5", 1e-05: "0.00001", 1e-07: "1e-7", 1.5e-07: "1.5e-7", 0.29000000000000004: "0.29000000000000004",
             123456789012345680000.0: "123456789012345680000", 1e21: "1e+21", -0.25: "-0.25", 0.0: "0", None: ""}
    assert {x: js_number(x) for x in cases} == cases


def test_cells_and_header_follow_the_app():
    cells = ["=1+2", "+a", "-b", "@c", "\td", "ok", ""]
    assert [neutralize_cell(c) for c in cells] == ["'=1+2", "'+a", "'-b", "'@c", "'\td", "ok", ""]
    assert clean_header([" id ", "", "Text", "text"]) == ["id", "column_2", "Text", "text (2)"]
    assert export_header(["text", "Health_score"], ["Health"]) == [
        "text", "Health_score", "Health_score_2", "Health_nli", "Health_poly", "predicted_labels"]
    assert csv_row(["a", "b,c", 'say "hi"', " pad", "line\nbreak"]) == 'a,"b,c","say ""hi"""," pad","line\nbreak"'


def test_scores_match_the_golden_the_browser_is_tested_against(tmp_path):
    """The fixture's heads golden (PyTorch) is what src/engine/parity.test.ts holds the browser engine to."""
    heads = json.loads((GOLDEN_DIR / "demo-fixture.heads.golden.json").read_text())
    backbone = {t["name"]: t["text"] for t in json.loads((GOLDEN_DIR / "demo-fixture.golden.json").read_text())["texts"]}
    near = {(n["text"], n["label"]) for n in heads["near_threshold"]}
    inp = write_csv(tmp_path / "golden.csv", ["name", "text"], [[t["name"], backbone[t["name"]]] for t in heads["texts"]])
    (out,) = score(tmp_path, inp, text_column="text")
    header, rows = read_labelled(out)
    assert header == ["name", "text", *[f"{lab}{s}" for lab in LABELS for s in ("_score", "_nli", "_poly")], "predicted_labels"]
    assert [r["name"] for r in rows] == [neutralize_cell(t["name"]) for t in heads["texts"]]
    worst, scored = 0.0, 0
    for row, want in zip(rows, heads["texts"], strict=True):
        if not has_text(backbone[want["name"]]):  # the app does not score a row without text (run.ts planRun)
            assert row["Technology_score"] == "" and row["predicted_labels"] == ""
            continue
        scored += 1
        predicted = row["predicted_labels"].split(";") if row["predicted_labels"] else []
        for s in want["scores"]:
            lab = s["label"]
            worst = max(worst, abs(float(row[f"{lab}_nli"]) - s["nli"]), abs(float(row[f"{lab}_score"]) - s["blended"]))
            assert (row[f"{lab}_poly"] == "") == (s["poly"] is None)
            if (want["name"], lab) not in near:
                assert (lab in predicted) == s["predicted"], (want["name"], lab)
    # The bound the browser engine is held to against the same golden (parity.test.ts); measured: 4e-6.
    assert worst < 1e-4 and scored >= 60


def test_output_is_the_app_download_format_and_empty_texts_stay_unscored(tmp_path):
    inp = write_csv(tmp_path / "in.csv", ["id", "text", "note"], sample_rows())
    (out,) = score(tmp_path, inp)
    assert out.name == "in-labelled.csv"
    raw = out.read_bytes().decode("utf-8")
    assert "\r\n" in raw and not raw.endswith("\r\n")
    header, rows = read_labelled(out)
    assert header[:3] == ["id", "text", "note"] and header[-1] == "predicted_labels" and len(header) == 3 + 3 * 5 + 1
    assert [r["id"] for r in rows] == [str(i) for i in range(7)]
    assert rows[1]["note"] == "'=1+2"
    assert all(rows[6][c] == "" for c in header[3:]), "a row without text is not scored"
    for r in rows[:6]:
        assert r["Health_poly"] == "" and r["Health_score"] == r["Health_nli"]
        thresholds = json.loads((FIXTURE_BUNDLE / "manifest.json").read_text())["labels"]
        want = [t["name"] for t in thresholds if float(r[f"{t['name']}_score"]) >= t["threshold"]]
        assert r["predicted_labels"] == ";".join(want)


def test_parquet_input_and_output_keep_types_and_scores(tmp_path):
    rows = sample_rows()
    table = pa.table({"id": pa.array([int(r[0]) for r in rows]), "text": [r[1] for r in rows]})
    pq.write_table(table, tmp_path / "in.parquet")
    (out,) = score(tmp_path, tmp_path / "in.parquet", output_format="parquet")
    got = pq.read_table(out)
    assert got.column("id").to_pylist() == list(range(7)) and got.schema.field("id").type == pa.int64()
    assert got.schema.field("Finance_score").type == pa.float64()
    assert got.column("Finance_score").to_pylist()[6] is None and got.column("predicted_labels").to_pylist()[6] is None
    (csv_out,) = score(tmp_path, tmp_path / "in.parquet", out="csv")
    _, csv_rows = read_labelled(csv_out)
    assert [float(r["Finance_score"]) for r in csv_rows[:6]] == got.column("Finance_score").to_pylist()[:6]


def test_labels_json_adds_zero_shot_labels_and_moves_thresholds(tmp_path):
    inp = write_csv(tmp_path / "in.csv", ["id", "text", "note"], sample_rows())
    settings = {"thresholds": {"Finance": 1.0}, "userLabels": [{"name": "Sports", "threshold": 0.0}, "Travel"]}
    (tmp_path / "labels.json").write_text(json.dumps(settings))
    (out,) = score(tmp_path, inp, labels=tmp_path / "labels.json")
    header, rows = read_labelled(out)
    added = ["Sports_score", "Sports_nli", "Sports_poly", "Travel_score", "Travel_nli", "Travel_poly", "predicted_labels"]
    assert header[-7:] == added
    for r in rows[:6]:
        assert "Sports" in r["predicted_labels"].split(";") and "Finance" not in r["predicted_labels"].split(";")
        assert r["Sports_poly"] == "" and 0 <= float(r["Sports_nli"]) <= 1
    (tmp_path / "bad.json").write_text(json.dumps({"thresholds": {"Sport": 0.5}}))
    with pytest.raises(Exception, match="names \\['Sport'\\], which the bundle does not have"):
        score(tmp_path, inp, out="bad", labels=tmp_path / "bad.json")


def test_a_rerun_skips_finished_outputs_and_refuses_other_settings(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    write_csv(tmp_path / "in" / "a.csv", ["id", "text"], [r[:2] for r in sample_rows()])
    write_csv(tmp_path / "in" / "b.csv", ["id", "text"], [r[:2] for r in sample_rows()[:3]])
    out_a, out_b = score(tmp_path, tmp_path / "in")
    assert (out_a.name, out_b.name) == ("a-labelled.csv", "b-labelled.csv") and (tmp_path / "out" / RUN_RECORD).is_file()
    before = out_a.stat().st_mtime_ns
    out_b.unlink()
    (tmp_path / "out" / "b-labelled.csv.partial").write_text("a run that was killed")
    score(tmp_path, tmp_path / "in")
    assert out_a.stat().st_mtime_ns == before, "a finished output is not redone"
    assert read_labelled(out_b)[1][2]["id"] == "2" and not (tmp_path / "out" / "b-labelled.csv.partial").exists()
    again = ["score", "--bundle", str(FIXTURE_BUNDLE), "--input", str(tmp_path / "in"), "--out", str(tmp_path / "out"),
             "--no-progress"]
    assert main([*again, "--dtype", "q9"]) == 2
    assert "--dtype q9: the bundle has the variants fp32, fp16, q4f16, q4, q8" in capsys.readouterr().err
    assert main([*again, "--dtype", "q8"]) == 2
    assert "holds results of a run with other settings" in capsys.readouterr().err


def test_a_missing_text_column_names_the_columns_there_are(tmp_path, capsys):
    inp = write_csv(tmp_path / "in.csv", ["id", "body"], [["1", "hello"]])
    code = main(["score", "--bundle", str(FIXTURE_BUNDLE), "--input", str(inp), "--out", str(tmp_path / "o"), "--no-progress"])
    assert code == 2
    assert "in.csv has no column 'text' (its columns: id, body); pass --text-column" in capsys.readouterr().err


def test_a_broken_bundle_is_refused_with_what_is_wrong(tmp_path, capsys):
    inp = write_csv(tmp_path / "in.csv", ["text"], [["hello"]])
    bundle = tmp_path / "bundle"
    shutil.copytree(FIXTURE_BUNDLE, bundle)
    with (bundle / "onnx" / "heads.onnx").open("r+b") as f:
        f.truncate(100)
    args = ["score", "--bundle", str(bundle), "--input", str(inp), "--out", str(tmp_path / "o"), "--no-progress"]
    assert main(args) == 2
    assert "onnx/heads.onnx: size 100 != manifest" in capsys.readouterr().err
    (bundle / "manifest.json").unlink()
    assert main(args) == 2
    assert "no manifest.json" in capsys.readouterr().err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").glob("*-labelled*"))


def test_ray_engine_with_two_workers_matches_the_local_engine_on_several_files(tmp_path):
    """One Ray session (its start-up is slow): 2 actors, small batches, a CSV and a Parquet input."""
    rows = sample_rows() * 3
    rows = [[str(i), *r[1:]] for i, r in enumerate(rows)]
    (tmp_path / "in").mkdir()
    write_csv(tmp_path / "in" / "a.csv", ["id", "text", "note"], rows)
    pq.write_table(pa.table({"id": [r[0] for r in rows[:9]], "text": [r[1] for r in rows[:9]]}), tmp_path / "in" / "b.parquet")
    try:
        ray_out = score(tmp_path, tmp_path / "in", out="ray", engine="ray", workers=2, batch_size=4)
    finally:
        ray.shutdown()
    local_out = score(tmp_path, tmp_path / "in", out="local")
    assert [p.name for p in ray_out] == ["a-labelled", "b-labelled"]
    assert len(list(ray_out[0].glob("part-*.csv"))) > 1, "several blocks, so the order across parts is tested"
    for folder, local in zip(ray_out, local_out, strict=True):
        got = read_parts(folder)
        header, want = read_labelled(local)
        assert got.column_names == header
        assert_same_rows(got.to_pylist(), want)


def assert_same_rows(got: list[dict[str, str]], want: list[dict[str, str]], tolerance: float = 1e-6) -> None:
    """Same rows in the same order: text cells and decisions exactly, scores within `tolerance`.

    Native ONNX Runtime's CPU kernels are not bit-for-bit batch-invariant (other batch neighbours: ~1e-8).
    """
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g.keys() == w.keys()
        for k in w:
            if k.endswith(("_score", "_nli", "_poly")) and w[k] != "":
                assert abs(float(g[k]) - float(w[k])) <= tolerance, (k, g[k], w[k])
            else:
                assert g[k] == w[k], k
