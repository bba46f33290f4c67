//! Checks against the real CBS municipality data in ../shared/data, found
//! through POKEVAL_SHARED_DATA: unset, the tests print a note and pass;
//! set to a missing folder, they fail.

use std::path::{Path, PathBuf};

use pokeval_model::register::Register;
use pokeval_model::table::CsvTable;

fn shared_data() -> Option<PathBuf> {
    match std::env::var_os("POKEVAL_SHARED_DATA") {
        None => {
            eprintln!(
                "note: POKEVAL_SHARED_DATA is not set; skipping the checks against ../shared/data"
            );
            None
        }
        Some(p) => {
            let p = PathBuf::from(p);
            assert!(
                p.is_dir(),
                "POKEVAL_SHARED_DATA={} is not a folder",
                p.display()
            );
            Some(p)
        }
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn the_cbs_table_works_as_a_register_and_size_classes_match() {
    let Some(data) = shared_data() else { return };
    let path = data.join("gemeenten/gemeenten_2024.csv");
    let reg = Register::load(&path).expect("the CBS table is a valid register");
    assert_eq!(reg.len(), 342);
    assert_eq!(reg.get("GM0363").unwrap().inhabitants, 931_298);
    assert_eq!(reg.resolve("Súdwest-Fryslân").unwrap().code, "GM1900");
    assert_eq!(
        reg.resolve("gemeente 's-Hertogenbosch").unwrap().code,
        "GM0796"
    );
    // our size classes equal the CBS class column for every municipality
    let table = CsvTable::read(&path).unwrap();
    let code = table.column("gemeentecode").unwrap();
    let class = table.column("gemeentegrootteklasse").unwrap();
    for row in table.rows() {
        let m = reg.get(row.get(code)).unwrap();
        assert_eq!(
            m.size_class.code().to_string(),
            row.get(class),
            "{}",
            m.name
        );
    }
}

#[test]
fn the_example_register_uses_real_codes_names_and_provinces() {
    let Some(data) = shared_data() else { return };
    let cbs = Register::load(&data.join("gemeenten/gemeenten_2024.csv")).unwrap();
    let example = Register::load(&repo().join("fixtures/gemeenten_voorbeeld.csv")).unwrap();
    assert_eq!(example.len(), 24);
    for m in example.iter() {
        let real = cbs
            .get(&m.code)
            .unwrap_or_else(|| panic!("{} is not a 2024 CBS code", m.code));
        assert_eq!(m.name, real.name, "{}", m.code);
        assert_eq!(m.province, real.province, "{}", m.code);
        let diff = (m.inhabitants as f64 - real.inhabitants as f64).abs() / real.inhabitants as f64;
        assert!(
            diff < 0.02,
            "{}: {} inhabitants is not close to CBS {}",
            m.name,
            m.inhabitants,
            real.inhabitants
        );
        assert_eq!(m.size_class, real.size_class, "{}", m.name);
    }
}
