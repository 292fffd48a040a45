//! The app built into the release binary (`build.rs`): unpacked once into the data directory and
//! served from there like `--dist`, so every header, the CSP and the precompressed files behave
//! the same whichever way the app arrives.

use std::io;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

include!(concat!(env!("OUT_DIR"), "/embedded_dist.rs"));

/// Marks a completely written copy (a crash mid-way leaves a `.tmp-` folder, never a half app).
const COMPLETE: &str = ".complete";

/// Whether this binary carries the app.
pub fn is_embedded() -> bool {
    !FILES.is_empty()
}

/// The embedded app under `data_dir/app/<digest>/`, written on the first start of this build
/// (later starts find it there); copies of other builds are removed. `None` when this binary
/// carries no app.
pub fn unpack(data_dir: &Path) -> io::Result<Option<PathBuf>> {
    if FILES.is_empty() {
        return Ok(None);
    }
    unpack_files(FILES, &data_dir.join("app")).map(Some)
}

/// [`unpack`] for any list of files: `root/<digest of the files>/`.
pub fn unpack_files(files: &[(&str, &[u8])], root: &Path) -> io::Result<PathBuf> {
    let mut hash = Sha256::new();
    for (name, bytes) in files {
        hash.update((name.len() as u64).to_le_bytes());
        hash.update(name.as_bytes());
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    }
    let digest = hash.finalize();
    let id = crate::digest::hex(&digest[..12]);
    let dir = root.join(&id);
    if dir.join(COMPLETE).is_file() {
        return Ok(dir);
    }
    std::fs::create_dir_all(root)?;
    let tmp = root.join(format!(".tmp-{id}-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)?;
    }
    for (name, bytes) in files {
        let rel = Path::new(name);
        // The names come from our own build; refuse anything that could leave the folder anyway.
        if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("embedded file name {name:?} is not a plain relative path"),
            ));
        }
        let path = tmp.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, bytes)?;
    }
    std::fs::write(tmp.join(COMPLETE), id.as_bytes())?;
    // A copy without its marker was never finished (the disk filled, say): written again.
    if dir.is_dir() && !dir.join(COMPLETE).is_file() {
        std::fs::remove_dir_all(&dir)?;
    }
    match std::fs::rename(&tmp, &dir) {
        Ok(()) => {}
        // Another server on this data directory unpacked the same build first.
        Err(_) if dir.join(COMPLETE).is_file() => std::fs::remove_dir_all(&tmp)?,
        Err(e) => return Err(e),
    }
    // Earlier builds' copies and abandoned partial ones; a failure here costs only disk space.
    if let Ok(entries) = std::fs::read_dir(root) {
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let partial_of_other = name.starts_with(".tmp-") && path != tmp;
            let other_build = !name.starts_with('.') && name != id.as_str();
            if (partial_of_other || other_build) && path.is_dir() {
                let _ = std::fs::remove_dir_all(&path);
            }
        }
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: &[(&str, &[u8])] = &[
        ("index.html", b"<!doctype html><title>app</title>"),
        ("qa/index.html", b"<!doctype html><title>qa</title>"),
        ("widget/1.0.0/opdcheck.js", b"export {};"),
    ];

    #[test]
    fn unpacks_every_file_once() {
        let root = tempfile::tempdir().unwrap();
        let dir = unpack_files(APP, root.path()).unwrap();
        for (name, bytes) in APP {
            assert_eq!(std::fs::read(dir.join(name)).unwrap(), *bytes, "{name}");
        }
        // A second start finds the copy (a file changed there would stay: the copy is not
        // rewritten, only recognised by its marker).
        std::fs::write(dir.join("index.html"), b"kept").unwrap();
        assert_eq!(unpack_files(APP, root.path()).unwrap(), dir);
        assert_eq!(std::fs::read(dir.join("index.html")).unwrap(), b"kept");
    }

    #[test]
    fn another_build_replaces_the_old_copy_and_partial_ones() {
        let root = tempfile::tempdir().unwrap();
        let old = unpack_files(APP, root.path()).unwrap();
        std::fs::create_dir_all(root.path().join(".tmp-dead-1")).unwrap();
        let newer: &[(&str, &[u8])] = &[("index.html", b"<!doctype html><title>v2</title>")];
        let new = unpack_files(newer, root.path()).unwrap();
        assert_ne!(old, new);
        assert!(!old.exists(), "the old build's copy is removed");
        assert!(!root.path().join(".tmp-dead-1").exists());
        assert_eq!(
            std::fs::read(new.join("index.html")).unwrap(),
            newer[0].1,
            "the new build's files"
        );
    }

    #[test]
    fn a_copy_without_its_marker_is_written_again() {
        let root = tempfile::tempdir().unwrap();
        let dir = unpack_files(APP, root.path()).unwrap();
        std::fs::remove_file(dir.join(COMPLETE)).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), b"half").unwrap();
        let again = unpack_files(APP, root.path()).unwrap();
        assert_eq!(again, dir);
        for (name, bytes) in APP {
            assert_eq!(std::fs::read(dir.join(name)).unwrap(), *bytes, "{name}");
        }
    }

    #[test]
    fn names_that_leave_the_folder_are_refused() {
        let root = tempfile::tempdir().unwrap();
        for bad in ["../evil.html", "/etc/evil", "a/../../evil"] {
            let files: &[(&str, &[u8])] = &[(bad, b"x")];
            let e = unpack_files(files, root.path()).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{bad}");
        }
        assert!(!root.path().join("..").join("evil.html").exists());
    }
}
