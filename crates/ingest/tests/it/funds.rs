//! The funds table: amounts per route, action line and year, and the change
//! notes AEF's Tabel 1 marks amounts with ("10 (1)").

use pokeval_ingest::funds::FundsTable;

fn load(csv: &str) -> Result<FundsTable, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("middelen.csv");
    std::fs::write(&path, csv).unwrap();
    FundsTable::load(&path).map_err(|e| e.to_string())
}

#[test]
fn an_amount_may_carry_the_number_of_its_change_note() {
    let t = load("route,actielijn,2021,2022,2023\nRijksbegroting BZK,8,10 (1),10(1),\nAU gemeentefonds,4,45,45,45\n").unwrap();
    assert_eq!(t.rows[0].amounts, vec![Some(10.0), Some(10.0), None]);
    assert_eq!(t.rows[0].marks, vec![Some(1), Some(1), None]);
    // a row without notes has none
    assert_eq!(t.rows[1].amounts, vec![Some(45.0); 3]);
    assert!(t.rows[1].marks.is_empty());
}

#[test]
fn a_broken_change_note_names_the_line_and_year() {
    for (cell, says) in [
        ("10 (x)", "note number in brackets"),
        ("10 (0)", "note number in brackets"),
        ("10)", "without '('"),
        ("tien (1)", "not an amount"),
    ] {
        let err = load(&format!(
            "route,actielijn,2021\nAU gemeentefonds,4,{cell}\n"
        ))
        .unwrap_err();
        assert!(
            err.contains("middelen.csv")
                && err.contains("line 2")
                && err.contains("2021")
                && err.contains(says),
            "{cell}: {err}"
        );
    }
}
