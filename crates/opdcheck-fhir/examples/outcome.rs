//! `cargo run -p opdcheck-fhir --example outcome -- BUNDLE.json`: the OperationOutcome of a
//! Bundle under the default policy (what `opdcheck check --format fhir` prints).
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: outcome BUNDLE.json");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let value: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let v = opdcheck_fhir::validate(opdcheck_engine::Engine::default_engine(), &value);
    for d in &v.reading.documents {
        eprintln!("{}", d.document);
    }
    println!("{}", serde_json::to_string_pretty(&v.outcome).unwrap());
}
