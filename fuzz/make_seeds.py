#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target (fuzz/corpus/<target>/)
from the project's own fixtures: small files, or the first kilobytes of
larger ones. Targets that read several kinds of file take the kind from
the first byte (see each crate's `fuzzing` module), so a seed starts with
that byte. Nothing from ../shared/data is copied here.

Run from the repository root: python3 fuzz/make_seeds.py
"""
import io
import json
import os
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "corpus")


def read(rel, limit=None):
    with open(os.path.join(ROOT, rel), "rb") as f:
        data = f.read()
    if limit and len(data) > limit:
        # cut after a line feed, so a CSV keeps whole records
        cut = data.rfind(b"\n", 0, limit)
        data = data[: cut + 1 if cut > 0 else limit]
    return data


def seed(target, name, data, kind=None):
    folder = os.path.join(OUT, target)
    os.makedirs(folder, exist_ok=True)
    if kind is not None:
        data = bytes([kind]) + data
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def qdpx():
    """The hand-written REFI-QDA project of fixtures/refi as a .qdpx."""
    buf = io.BytesIO()
    base = os.path.join(ROOT, "fixtures/refi/handgeschreven")
    with zipfile.ZipFile(buf, "w") as z:
        for folder, _, files in os.walk(base):
            for f in sorted(files):
                path = os.path.join(folder, f)
                z.write(path, os.path.relpath(path, base))
    return buf.getvalue()


def main():
    for rel in [
        "fixtures/2025/enquete_limesurvey_voorbeeld.csv",
        "fixtures/middelen_per_actielijn.csv",
        "fixtures/bad/csv_dubbele_rij.csv",
    ]:
        seed("csv_records", os.path.basename(rel), read(rel, 4096))
    # survey_export: 0 csv, 1 xlsx, 2 sav, 3 lsa, 4 ods
    seed("survey_export", "qualtrics.csv", read("fixtures/2024/enquete_qualtrics_voorbeeld.csv", 4096), 0)
    seed("survey_export", "limesurvey.csv", read("fixtures/2025/enquete_limesurvey_voorbeeld.csv", 4096), 0)
    seed("survey_export", "forms.xlsx", read("fixtures/bad/xlsx_verre_cel.xlsx"), 1)
    seed("survey_export", "cases.sav", read("fixtures/bad/sav_aantal_onbekend.sav"), 2)
    seed("survey_export", "datum.sav", read("fixtures/bad/sav_datum_buiten_bereik.sav"), 2)
    seed("survey_export", "lege_herhaling.ods", read("fixtures/bad/ods_lege_herhaling.ods"), 4)
    seed("survey_export", "herhaalde_rijen.ods", read("fixtures/bad/ods_herhaalde_rijen.ods"), 4)
    # survey_structure: 0 lss, 1 qsf, 2 queXML, 3 tsv, 4 R syntax, 5 sps
    seed("survey_structure", "mini.lss", b'<?xml version="1.0" encoding="UTF-8"?>\n<document><LimeSurveyDocType>Survey</LimeSurveyDocType><DBVersion>606</DBVersion><questions><rows><row><qid><![CDATA[1]]></qid><parent_qid><![CDATA[0]]></parent_qid><sid><![CDATA[1]]></sid><gid><![CDATA[1]]></gid><type><![CDATA[L]]></type><title><![CDATA[functie]]></title><question><![CDATA[Wat is uw functie?]]></question></row></rows></questions><answers><rows><row><qid><![CDATA[1]]></qid><code><![CDATA[A1]]></code><answer><![CDATA[Beleid]]></answer><sortorder><![CDATA[1]]></sortorder></row></rows></answers></document>\n', 0)
    seed("survey_structure", "mini.qsf", json.dumps({"SurveyEntry": {"SurveyName": "test"}, "SurveyElements": [{"Element": "SQ", "PrimaryAttribute": "QID1", "Payload": {"QuestionID": "QID1", "DataExportTag": "Q1", "QuestionText": "Gemeente?", "QuestionType": "MC", "Choices": {"1": {"Display": "Ja"}, "2": {"Display": "Nee"}}}}]}).encode(), 1)
    seed("survey_structure", "mini.xml", b'<?xml version="1.0"?><questionnaire id="1"><section id="1"><question><text>Gemeente?</text><response varName="q1"><fixed><category><label>Ja</label><value>1</value></category></fixed></response></question></section></questionnaire>\n', 2)
    seed("survey_structure", "mini.tsv", b'class\ttype/scale\tname\trelevance\ttext\thelp\tlanguage\nQ\tL\tfunctie\t1\tWat is uw functie?\t\tnl\nA\t0\tA1\t\tBeleid\t\tnl\n', 3)
    seed("survey_structure", "mini.R", b'data <- read.csv("survey_1_R_data_file.csv", quote = "\'\\"", na.strings=c("", "\\"\\""), stringsAsFactors=FALSE, fileEncoding="UTF-8-BOM")\n# LimeSurvey Field type: A\ndata[, 1] <- as.character(data[, 1])\nattributes(data)$variable.labels[1] <- "functie"\ndata[, 1] <- factor(data[, 1], levels=c("A1","A2"),labels=c("Beleid", "Financien"))\nnames(data)[1] <- "functie"\n', 4)
    seed("survey_structure", "mini.sps", b'GET DATA /TYPE=TXT /FILE=\'survey.dat\' /DELIMITERS="," /QUALIFIER="\'" /FIRSTCASE=1 /VARIABLES=\n V1 A5\n.\nVARIABLE LABELS V1 "functie".\nVALUE LABELS V1 "A1" "Beleid" "A2" "Financien".\nRENAME VARIABLE (V1=functie).\n', 5)
    for rel in ["surveys/2024/instrument.toml", "surveys/2025/instrument.toml"]:
        seed("instrument", os.path.basename(os.path.dirname(rel)) + ".toml", read(rel))
    # note: 0 md, 1 txt, 2 docx, 3 odt, 4 pdf
    for rel in ["fixtures/2024/interviews/01-enschede.md", "fixtures/2024/interviews/10-amersfoort.md"]:
        seed("note", os.path.basename(rel), read(rel), 0)
    seed("note", "huizen.docx", read("fixtures/2024/interviews/12-huizen.docx"), 2)
    seed("note", "soest.odt", read("fixtures/2024/interviews/09-soest.odt"), 3)
    seed("note", "sudwest-fryslan.pdf", read("fixtures/2024/interviews/13-sudwest-fryslan.pdf"), 4)
    # refi: 0 qdpx, 1 qdc
    seed("refi", "handgeschreven.qdpx", qdpx(), 0)
    seed("refi", "mini.qdc", b'<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="test"><Codes><Code guid="4f6b5c3e-0000-4000-8000-000000000001" name="Actielijn 1" isCodable="true"><Code guid="4f6b5c3e-0000-4000-8000-000000000002" name="IDO" isCodable="true"/></Code></Codes></CodeBook>\n', 1)
    geo = json.loads(read("crates/ingest/data/cbs_gemeenten_2025.geojson"))
    geo["features"] = geo["features"][:2]
    seed("boundaries", "twee_gemeenten.geojson", json.dumps(geo).encode())
    # project_table: 0 funds, 1 vouchers, 2 population, 3 manual, 4 register
    seed("project_table", "middelen.csv", read("fixtures/middelen_per_actielijn.csv"), 0)
    seed("project_table", "vouchers.csv", read("fixtures/2024/vouchers_voorbeeld.csv"), 1)
    seed("project_table", "aantallen.csv", read("fixtures/cbs_aantal_gemeenten_2024.csv"), 2)
    seed("project_table", "coderingen.csv", read("fixtures/2024/handmatige_coderingen_voorbeeld.csv"), 3)
    seed("project_table", "gemeenten.csv", read("fixtures/gemeenten_voorbeeld.csv"), 4)
    seed("codebook", "default.toml", read("crates/analysis/codebook/default.toml"))
    # gold_files: 0 gold passages, 1 privacy corpus
    seed("gold_files", "passages.tsv", read("fixtures/gold/passages.tsv", 4096), 0)
    seed("gold_files", "corpus.txt", read("fixtures/privacy/corpus.txt", 4096), 1)
    for rel in ["reports/2024/chapters/01-inleiding.md", "reports/2024/chapters/02-verdeling.md"]:
        seed("report_chapter", os.path.basename(rel), read(rel))


if __name__ == "__main__":
    main()
