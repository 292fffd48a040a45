//! Computes the default policy's hash (`1.0.0+policy.<hash>`) from the data files, as the
//! engine hashes every policy (FNV-1a of its JSON value's canonical text), so the default
//! engine starts without building that JSON tree. A test checks both agree.

use std::hash::Hasher;
use std::path::Path;

fn main() {
    let data = Path::new("data");
    let read = |name: &str| {
        println!("cargo::rerun-if-changed=data/{name}");
        let text = std::fs::read_to_string(data.join(name)).expect("read data file");
        serde_json::from_str::<serde_json::Value>(&text).expect("data file is JSON")
    };
    let mut policy = read("policy.json");
    let obj = policy.as_object_mut().expect("policy.json is an object");
    for key in ["clinical", "diseases", "formulary"] {
        obj.insert(key.into(), read(&format!("{key}.json")));
    }
    let mut h = fnv::FnvHasher::default();
    h.write(policy.to_string().as_bytes());
    let hash = format!("{:06x}", h.finish() & 0xff_ffff);
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("default_policy_hash");
    std::fs::write(out, hash).expect("write the hash");
}
